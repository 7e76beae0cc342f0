/* race-corpus: expect=norace category=semaphore
 * What: the consumer waits with sem_timedwait and a short timeout in a
 * loop; the successful wait acquires the poster's writes. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static sem_t ready;
static double result;

static void *producer(void *arg)
{
    (void)arg;
    usleep(10000);
    result = 3.25;
    sem_post(&ready);
    return NULL;
}

int main(void)
{
    pthread_t p;
    sem_init(&ready, 0, 0);
    pthread_create(&p, NULL, producer, NULL);
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (sem_timedwait(&ready, &ts) == 0)
            break;
    }
    printf("%g\n", result);
    result = 0;
    pthread_join(p, NULL);
    sem_destroy(&ready);
    return 0;
}
