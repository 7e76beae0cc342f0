/* race-corpus: expect=norace category=condvar
 * What: a one-slot producer/consumer queue with a mutex and two condition
 * variables, used correctly. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int full;
static long slot;
static long payload[100];

static void *producer(void *arg)
{
    (void)arg;
    for (long i = 0; i < 100; i++) {
        payload[i] = i * 3; /* plain data, published through the queue */
        pthread_mutex_lock(&m);
        while (full)
            pthread_cond_wait(&not_full, &m);
        slot = i;
        full = 1;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(void)
{
    pthread_t p;
    long sum = 0;
    pthread_create(&p, NULL, producer, NULL);
    for (int n = 0; n < 100; n++) {
        pthread_mutex_lock(&m);
        while (!full)
            pthread_cond_wait(&not_empty, &m);
        long i = slot;
        full = 0;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&m);
        sum += payload[i];
    }
    pthread_join(p, NULL);
    printf("%ld\n", sum);
    return 0;
}
