/* race-corpus: expect=norace category=fences
 * What: release fence + relaxed store, read by an acquire LOAD (C11
 * 7.17.4p3): the fence synchronizes with the load. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static long data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42;
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_acquire))
        sched_yield();
    long v = data;
    pthread_join(p, NULL);
    printf("%ld\n", v);
    return 0;
}
