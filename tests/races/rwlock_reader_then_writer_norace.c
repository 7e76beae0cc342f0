/* race-corpus: expect=norace category=rwlock
 * What: readers read under the read lock; afterwards a writer takes the
 * write lock and writes. The write lock is ordered after every earlier
 * read unlock, whichever reader it was. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int readers_done; /* relaxed: orders nothing */
static int value = 3;

static void *reader(void *arg)
{
    (void)arg;
    pthread_rwlock_rdlock(&rw);
    int v = value;
    pthread_rwlock_unlock(&rw);
    atomic_fetch_add_explicit(&readers_done, 1, memory_order_relaxed);
    return (void *)(long)v;
}

static void *writer(void *arg)
{
    (void)arg;
    while (atomic_load_explicit(&readers_done, memory_order_relaxed) < 3)
        sched_yield();
    pthread_rwlock_wrlock(&rw);
    value = 4;
    pthread_rwlock_unlock(&rw);
    return NULL;
}

int main(void)
{
    pthread_t r[3], w;
    for (int i = 0; i < 3; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    pthread_join(w, NULL);
    printf("%d\n", value);
    return 0;
}
