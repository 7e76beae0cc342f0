/* race-corpus: expect=norace category=mutex
 * What: a counter protected by a mutex taken with a pthread_mutex_trylock
 * loop. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *inc(void *arg)
{
    (void)arg;
    for (int i = 0; i < 500; i++) {
        while (pthread_mutex_trylock(&m) != 0)
            sched_yield();
        counter++;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, inc, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", counter);
    return 0;
}
