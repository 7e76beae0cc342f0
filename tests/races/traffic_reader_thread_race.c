/* race-corpus: expect=race lines=17,36 category=scale
 * What: T1 writes x; the reader itself streams 50 MB of writes and reads
 * through a private buffer before it reads x. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define TRAFFIC (50u << 20)
static atomic_int step; /* relaxed: orders nothing */
static long x;

static void *writer(void *arg)
{
    (void)arg;
    x = 1; /* race */
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t w;
    pthread_create(&w, NULL, writer, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    long *buf = malloc(TRAFFIC);
    size_t n = TRAFFIC / sizeof *buf;
    for (size_t i = 0; i < n; i++)
        buf[i] = (long)i;
    long sum = 0;
    for (size_t i = 0; i < n; i += 3)
        sum += buf[i];
    free(buf);
    long v = x; /* race */
    pthread_join(w, NULL);
    printf("%ld %ld\n", v, sum);
    return 0;
}
