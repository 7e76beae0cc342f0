/* race-corpus: expect=norace category=atomics
 * What: a thread does a release fetch_add on a counter inside a heap block;
 * main reads the result with an acquire load and then frees the block. The
 * RMW synchronizes with the load, so it happens before the free.
 * (fixed gomm bug: this program was marked known until commit d2b923b)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct job {
    long result;
    atomic_int done;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    j->result = 42;
    atomic_fetch_add_explicit(&j->done, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    struct job *j = calloc(1, sizeof *j);
    pthread_t t;
    pthread_create(&t, NULL, worker, j);
    while (atomic_load_explicit(&j->done, memory_order_acquire) != 1)
        sched_yield();
    long v = j->result;
    free(j);
    pthread_join(t, NULL);
    printf("%ld\n", v);
    return 0;
}
