/* race-corpus: expect=norace category=condvar
 * What: a start gate: four waiters block on a condition variable until the
 * main thread sets the configuration and broadcasts. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int started;
static long config[4];

static void *waiter(void *arg)
{
    long id = (long)arg;
    pthread_mutex_lock(&m);
    while (!started)
        pthread_cond_wait(&go, &m);
    pthread_mutex_unlock(&m);
    return (void *)config[id];
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long sum = 0;
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, waiter, (void *)i);
    for (int i = 0; i < 4; i++)
        config[i] = 10 + i;
    pthread_mutex_lock(&m);
    started = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&m);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("%ld\n", sum);
    return 0;
}
