/* race-corpus: expect=race lines=15,26 category=atomics
 * What: a relaxed store read by an acquire load: the acquire has no release
 * to synchronize with, so the data races. */
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
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_acquire))
        sched_yield();
    int v = data; /* race */
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
