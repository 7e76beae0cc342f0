/* race-corpus: expect=race lines=15,32 category=once
 * What: a thread reads the once-initialized data without calling
 * pthread_once itself (it only saw a relaxed flag). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int inited; /* relaxed: orders nothing */
static long value;

static void init(void)
{
    value = 99; /* race */
    atomic_store_explicit(&inited, 1, memory_order_relaxed);
}

static void *initializer(void *arg)
{
    (void)arg;
    pthread_once(&once, init);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, initializer, NULL);
    while (!atomic_load_explicit(&inited, memory_order_relaxed))
        sched_yield();
    long v = value; /* race */
    pthread_join(t, NULL);
    printf("%ld\n", v);
    return 0;
}
