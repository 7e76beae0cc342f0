/* race-corpus: expect=norace category=atomics
 * What: handoffs through every read-modify-write kind: fetch_or (release)
 * / fetch_and (acquire), fetch_sub (release) / fetch_xor (acquire),
 * fetch_nand (acq_rel) / fetch_add (acquire). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_uint bits;
static atomic_int level = 10;
static unsigned nandw = ~0u;
static long d1, d2, d3;

static void *producer(void *arg)
{
    (void)arg;
    d1 = 1;
    atomic_fetch_or_explicit(&bits, 1u, memory_order_release);
    d2 = 2;
    atomic_fetch_sub_explicit(&level, 10, memory_order_release);
    d3 = 3;
    __atomic_fetch_nand(&nandw, ~0u, __ATOMIC_ACQ_REL); /* ~(x & ~0) == 0 */
    return NULL;
}

int main(void)
{
    pthread_t p;
    long sum = 0;
    pthread_create(&p, NULL, producer, NULL);
    while (!(atomic_fetch_and_explicit(&bits, ~0u, memory_order_acquire) & 1u))
        sched_yield();
    sum += d1;
    while (atomic_fetch_xor_explicit(&level, 0, memory_order_acquire) != 0)
        sched_yield();
    sum += d2;
    while (__atomic_fetch_add(&nandw, 0, __ATOMIC_ACQUIRE) != 0)
        sched_yield();
    sum += d3;
    pthread_join(p, NULL);
    printf("%ld\n", sum);
    return 0;
}
