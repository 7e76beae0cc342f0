/* race-corpus: expect=norace category=fences
 * What: a release STORE read by a relaxed load followed by an acquire fence
 * (C11 7.17.4p4): the store synchronizes with the fence. */
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
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_acquire);
    long v = data;
    pthread_join(p, NULL);
    printf("%ld\n", v);
    return 0;
}
