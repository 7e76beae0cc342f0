/* race-corpus: expect=race lines=26,31 category=scale
 * What: 64 threads run correctly synchronized work; thread 63 also writes a
 * shared "last" variable that thread 0 reads after a relaxed spin. The one
 * racing pair must be found among all the others' accesses. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#define N 64
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_int step; /* relaxed: orders nothing */
static long slot[N];
static long counter;
static long last;

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 100; i++)
        slot[id] += i;
    pthread_mutex_lock(&m);
    counter += slot[id];
    pthread_mutex_unlock(&m);
    if (id == N - 1) {
        last = id; /* race */
        atomic_store_explicit(&step, 1, memory_order_relaxed);
    } else if (id == 0) {
        while (!atomic_load_explicit(&step, memory_order_relaxed))
            sched_yield();
        return (void *)last; /* race */
    }
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", counter);
    return 0;
}
