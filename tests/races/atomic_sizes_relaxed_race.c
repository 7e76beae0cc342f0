/* race-corpus: expect=race lines=22,40 category=atomics
 * What: the 2-byte flag of a set of handoffs is stored relaxed; the other
 * sizes use release/acquire. Only the data behind the 2-byte flag races. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static _Atomic uint8_t f8;
static _Atomic uint16_t f16;
static _Atomic uint64_t f64;
static long d8, d16, d64;

static void *producer(void *arg)
{
    (void)arg;
    d8 = 1;
    atomic_store_explicit(&f8, 1, memory_order_release);
    d64 = 4;
    atomic_store_explicit(&f64, 1, memory_order_release);
    d16 = 2; /* race */
    atomic_store_explicit(&f16, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p;
    long sum = 0;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&f8, memory_order_acquire))
        sched_yield();
    sum += d8;
    while (!atomic_load_explicit(&f64, memory_order_acquire))
        sched_yield();
    sum += d64;
    while (!atomic_load_explicit(&f16, memory_order_acquire))
        sched_yield();
    sum += d16; /* race */
    pthread_join(p, NULL);
    printf("%ld\n", sum);
    return 0;
}
