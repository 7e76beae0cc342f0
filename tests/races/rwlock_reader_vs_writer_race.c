/* race-corpus: expect=race lines=14,23 category=rwlock
 * What: the writer takes the write lock, but the reader reads without any
 * lock. */
#include <pthread.h>
#include <stdio.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long table[4];

static void *writer(void *arg)
{
    (void)arg;
    pthread_rwlock_wrlock(&rw);
    table[2] = 9; /* race */
    pthread_rwlock_unlock(&rw);
    return NULL;
}

int main(void)
{
    pthread_t w;
    pthread_create(&w, NULL, writer, NULL);
    long v = table[2]; /* race */
    pthread_join(w, NULL);
    printf("%ld\n", v);
    return 0;
}
