/* race-corpus: expect=race lines=16,30 category=atomics
 * What: a compare-exchange that FAILS performs only a load with the
 * failure order. With relaxed failure order it does not synchronize with
 * the release store it read, so the data races. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42; /* race */
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
                                                     memory_order_relaxed);
    int v = data; /* race */
    pthread_join(p, NULL);
    printf("%d %d\n", ok, v);
    return 0;
}
