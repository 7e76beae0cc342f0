/* race-corpus: expect=norace category=relseq
 * What: a release store followed by relaxed RMWs from three other threads
 * (fetch_add, exchange, compare-exchange): the whole chain is one release
 * sequence, and the reader that acquires the last value synchronizes with
 * the head. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int seq;
static long data[8];

static void wait_value(int n)
{
    while (atomic_load_explicit(&seq, memory_order_relaxed) != n)
        sched_yield();
}

static void *head(void *arg)
{
    (void)arg;
    for (int i = 0; i < 8; i++)
        data[i] = i;
    atomic_store_explicit(&seq, 1, memory_order_release);
    return NULL;
}

static void *adder(void *arg)
{
    (void)arg;
    wait_value(1);
    atomic_fetch_add_explicit(&seq, 1, memory_order_relaxed);
    return NULL;
}

static void *exchanger(void *arg)
{
    (void)arg;
    wait_value(2);
    /* the result is used: clang -O1 turns a relaxed exchange whose result
     * is unused into a relaxed STORE, which would end the sequence */
    int old = atomic_exchange_explicit(&seq, 3, memory_order_relaxed);
    return (void *)(long)old;
}

static void *casser(void *arg)
{
    (void)arg;
    int expected = 3;
    while (!atomic_compare_exchange_weak_explicit(&seq, &expected, 4, memory_order_relaxed,
                                                  memory_order_relaxed)) {
        expected = 3;
        sched_yield();
    }
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    void *(*fn[4])(void *) = {head, adder, exchanger, casser};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, fn[i], NULL);
    while (atomic_load_explicit(&seq, memory_order_relaxed) != 4)
        sched_yield();
    if (atomic_load_explicit(&seq, memory_order_acquire) != 4) /* only this one acquires */
        return 1;
    long sum = 0;
    for (int i = 0; i < 8; i++)
        sum += data[i];
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", sum);
    return 0;
}
