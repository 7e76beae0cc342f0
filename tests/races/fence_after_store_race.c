/* race-corpus: expect=race lines=15,28 category=fences
 * What: the release fence comes AFTER the relaxed store of the flag, so it
 * orders nothing for a reader of that store: the data races. */
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
    atomic_thread_fence(memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_acquire);
    int v = data; /* race */
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
