/* race-corpus: expect=race lines=18,35 category=scale
 * What: T1 writes x, then itself clears and copies 50 MB (memset/memcpy of
 * large blocks), then main reads x: the earlier access is still known. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRAFFIC (25u << 20)
static atomic_int step; /* relaxed: orders nothing */
static long x;

static void *writer(void *arg)
{
    (void)arg;
    x = 1; /* race */
    char *a = malloc(TRAFFIC), *b = malloc(TRAFFIC);
    memset(a, 1, TRAFFIC);
    memcpy(b, a, TRAFFIC);
    long v = b[TRAFFIC - 1];
    free(a);
    free(b);
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return (void *)v;
}

int main(void)
{
    pthread_t w;
    pthread_create(&w, NULL, writer, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    long v = x; /* race */
    pthread_join(w, NULL);
    printf("%ld\n", v);
    return 0;
}
