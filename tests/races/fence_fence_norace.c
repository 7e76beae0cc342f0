/* race-corpus: expect=norace category=fences
 * What: release fence + relaxed store in the producer; relaxed load + acquire
 * fence in the consumer. The fences synchronize (C11 7.17.4p2): no race.
 * (TSan does not model standalone fences and reports a false race.) */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data;

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
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_acquire);
    int v = data;
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
