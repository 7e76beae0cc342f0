/* race-corpus: expect=race lines=20,22 category=barrier
 * What: in the second phase, thread 0 writes its neighbour's slot while
 * the neighbour reads its own slot in the same phase: a barrier orders
 * phases, not accesses within one phase.
 * (fixed gomm bug: each phase of a reused barrier has its own clock; TSan still has the flaw)
 */
#include <pthread.h>
#include <stdio.h>

#define N 2
static pthread_barrier_t bar;
static long slot[N];

static void *worker(void *arg)
{
    long id = (long)arg, seen = 0;
    slot[id] = id;                     /* phase 1: own slot */
    pthread_barrier_wait(&bar);
    if (id == 0)
        slot[1] = 100; /* race */
    else
        seen = slot[1]; /* race */
    pthread_barrier_wait(&bar);
    return (void *)seen;
}

int main(void)
{
    pthread_t t[N];
    pthread_barrier_init(&bar, NULL, N);
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&bar);
    printf("%ld\n", slot[1]);
    return 0;
}
