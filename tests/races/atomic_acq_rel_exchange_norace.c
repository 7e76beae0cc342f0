/* race-corpus: expect=norace category=atomics
 * What: a token passed around three threads with acq_rel exchanges; each
 * holder of the token updates the shared data. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int token; /* 0: free, 1: held */
static long shared;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        while (atomic_exchange_explicit(&token, 1, memory_order_acq_rel) != 0)
            sched_yield();
        shared++;
        atomic_exchange_explicit(&token, 0, memory_order_acq_rel);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", shared);
    return 0;
}
