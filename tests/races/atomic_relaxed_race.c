/* race-corpus: expect=race lines=16,27 category=atomics
 * What: message passing through a relaxed store and a relaxed load of a
 * flag: relaxed operations create no happens-before edge, so the data
 * read races with the data write. */
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
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        sched_yield();
    int v = data; /* race */
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
