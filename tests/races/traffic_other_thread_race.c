/* race-corpus: expect=race lines=24,52 category=scale
 * What: T1 writes x early; a third thread then streams 50 MB of unrelated
 * writes and reads (8-byte accesses); only then main reads x. The race is
 * still found, with both stacks. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define TRAFFIC (50u << 20)
static atomic_int step; /* relaxed: orders nothing */
static long x;

static void wait_for(int n)
{
    while (atomic_load_explicit(&step, memory_order_relaxed) < n)
        sched_yield();
}

static void *writer(void *arg)
{
    (void)arg;
    x = 1; /* race */
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    wait_for(3);
    return NULL;
}

static void *noise(void *arg)
{
    (void)arg;
    wait_for(1);
    long *buf = malloc(TRAFFIC);
    size_t n = TRAFFIC / sizeof *buf;
    for (size_t i = 0; i < n; i++)
        buf[i] = (long)i;
    long sum = 0;
    for (size_t i = 0; i < n; i += 7)
        sum += buf[i];
    free(buf);
    atomic_store_explicit(&step, 2, memory_order_relaxed);
    return (void *)sum;
}

int main(void)
{
    pthread_t w, n;
    pthread_create(&w, NULL, writer, NULL);
    pthread_create(&n, NULL, noise, NULL);
    wait_for(2);
    long v = x; /* race */
    atomic_store_explicit(&step, 3, memory_order_relaxed);
    pthread_join(w, NULL);
    pthread_join(n, NULL);
    printf("%ld\n", v);
    return 0;
}
