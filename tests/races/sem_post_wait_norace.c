/* race-corpus: expect=norace category=semaphore
 * What: a ring buffer with two semaphores (free slots, filled slots):
 * sem_post releases, a successful sem_wait acquires. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define SLOTS 4
static sem_t free_slots, filled;
static long ring[SLOTS];

static void *producer(void *arg)
{
    (void)arg;
    for (long i = 0; i < 200; i++) {
        sem_wait(&free_slots);
        ring[i % SLOTS] = i;
        sem_post(&filled);
    }
    return NULL;
}

int main(void)
{
    pthread_t p;
    long sum = 0;
    sem_init(&free_slots, 0, SLOTS);
    sem_init(&filled, 0, 0);
    pthread_create(&p, NULL, producer, NULL);
    for (long i = 0; i < 200; i++) {
        sem_wait(&filled);
        sum += ring[i % SLOTS];
        sem_post(&free_slots);
    }
    pthread_join(p, NULL);
    sem_destroy(&free_slots);
    sem_destroy(&filled);
    printf("%ld\n", sum);
    return 0;
}
