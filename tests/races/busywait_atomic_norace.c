/* race-corpus: expect=norace category=classic
 * What: the same busy-wait with an atomic flag (release store, acquire
 * loads). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int ready;
static int data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42;
    atomic_store_explicit(&ready, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&ready, memory_order_acquire))
        sched_yield();
    int v = data;
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
