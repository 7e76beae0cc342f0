/* race-corpus: expect=norace category=atomics
 * What: four threads increment a counter with relaxed fetch_add: atomics
 * never race with atomics; the join orders the final read. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_long counter;

static void *inc(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++)
        atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, inc, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", atomic_load_explicit(&counter, memory_order_relaxed));
    return 0;
}
