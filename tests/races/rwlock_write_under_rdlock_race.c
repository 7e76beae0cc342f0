/* race-corpus: expect=race lines=15,24 category=rwlock
 * What: a thread writes while holding only the read lock; another reader
 * holds the read lock too. Read locks do not exclude each other, so the
 * write races with the read. */
#include <pthread.h>
#include <stdio.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int cache;

static void *bad_writer(void *arg)
{
    (void)arg;
    pthread_rwlock_rdlock(&rw);
    cache = 5; /* race */
    pthread_rwlock_unlock(&rw);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    pthread_rwlock_rdlock(&rw);
    int v = cache; /* race */
    pthread_rwlock_unlock(&rw);
    return (void *)(long)v;
}

int main(void)
{
    pthread_t w, r;
    pthread_create(&w, NULL, bad_writer, NULL);
    pthread_create(&r, NULL, reader, NULL);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    printf("%d\n", cache);
    return 0;
}
