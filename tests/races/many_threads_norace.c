/* race-corpus: expect=norace category=scale
 * What: 64 threads at once: each fills its own slot, all increment a shared
 * counter under a mutex, and main sums everything after the joins. */
#include <pthread.h>
#include <stdio.h>

#define N 64
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long slot[N];
static long counter;

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 100; i++)
        slot[id] += i;
    pthread_mutex_lock(&m);
    counter += slot[id];
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += slot[i];
    printf("%ld %ld\n", sum, counter);
    return 0;
}
