/* race-corpus: expect=norace category=semaphore
 * What: the consumer polls with sem_trywait; the successful trywait
 * acquires the poster's writes. */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>

static sem_t ready;
static long data[16];

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 16; i++)
        data[i] = i + 100;
    sem_post(&ready);
    return NULL;
}

int main(void)
{
    pthread_t p;
    long sum = 0;
    sem_init(&ready, 0, 0);
    pthread_create(&p, NULL, producer, NULL);
    while (sem_trywait(&ready) != 0)
        sched_yield();
    for (int i = 0; i < 16; i++)
        sum += data[i];
    data[0] = 0;
    pthread_join(p, NULL);
    sem_destroy(&ready);
    printf("%ld\n", sum);
    return 0;
}
