/* race-corpus: expect=norace category=atomics
 * What: a compare-exchange that fails with acquire failure order reads the
 * release store and synchronizes with it. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42;
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    int expected = 0; /* flag is 1: the exchange fails */
    int ok = atomic_compare_exchange_strong_explicit(&flag, &expected, 2, memory_order_acq_rel,
                                                     memory_order_acquire);
    int v = data;
    pthread_join(p, NULL);
    printf("%d %d\n", ok, v);
    return 0;
}
