/* race-corpus: expect=race lines=20,44 category=fences
 * What: the acquire fence comes BEFORE the relaxed load that reads the
 * flag, so it acquires nothing from that store: the data races. Main
 * learns that the flag is set from a relay thread that saw it with a
 * relaxed load and raised a second flag with a relaxed store (no fence,
 * so the relay carries no synchronization); main's one load of the flag
 * then reads 1. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static atomic_int relayed; /* relaxed, no fences: orders nothing */
static int data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42; /* race */
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

static void *relay(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    atomic_store_explicit(&relayed, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p, r;
    pthread_create(&p, NULL, producer, NULL);
    pthread_create(&r, NULL, relay, NULL);
    while (!atomic_load_explicit(&relayed, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_acquire);
    int seen = atomic_load_explicit(&flag, memory_order_relaxed);
    int v = data; /* race */
    pthread_join(p, NULL);
    pthread_join(r, NULL);
    printf("%d %d\n", seen, v);
    return 0;
}
