/* race-corpus: expect=race lines=15,28 category=fences
 * What: atomic_signal_fence orders only with a signal handler in the same
 * thread; between threads it is no fence at all, so the data races. */
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
    atomic_signal_fence(memory_order_seq_cst);
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    atomic_signal_fence(memory_order_seq_cst);
    int v = data; /* race */
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
