/* race-corpus: expect=norace category=fences
 * What: acq_rel fences on both sides of a relaxed handoff chain through
 * three threads (each is acquire for what it read and release for what it
 * writes next). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int a, b;
static int data;

static void *first(void *arg)
{
    (void)arg;
    data = 1;
    atomic_thread_fence(memory_order_acq_rel);
    atomic_store_explicit(&a, 1, memory_order_relaxed);
    return NULL;
}

static void *middle(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&a, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_acq_rel);
    data++;
    atomic_thread_fence(memory_order_acq_rel);
    atomic_store_explicit(&b, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, first, NULL);
    pthread_create(&t2, NULL, middle, NULL);
    while (!atomic_load_explicit(&b, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_acq_rel);
    int v = data;
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("%d\n", v);
    return 0;
}
