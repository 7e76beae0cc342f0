/* race-corpus: expect=norace category=fences
 * What: seq_cst fences are both release and acquire fences: fence + relaxed
 * store, relaxed load + fence synchronize. */
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
    atomic_thread_fence(memory_order_seq_cst);
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    atomic_thread_fence(memory_order_seq_cst);
    int v = data;
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
