/* race-corpus: expect=norace category=atomics
 * What: message passing with a release store and an acquire load that
 * reads it: the data write happens before the data read. */
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
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_acquire))
        sched_yield();
    int v = data;
    data = 0;
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
