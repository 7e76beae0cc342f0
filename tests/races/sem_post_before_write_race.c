/* race-corpus: expect=race lines=15,25 category=semaphore
 * What: the producer posts before it writes the data: the waiter's read is
 * not ordered after the write. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

static sem_t ready;
static int data;

static void *producer(void *arg)
{
    (void)arg;
    sem_post(&ready);
    data = 5; /* race */
    return NULL;
}

int main(void)
{
    pthread_t p;
    sem_init(&ready, 0, 0);
    pthread_create(&p, NULL, producer, NULL);
    sem_wait(&ready);
    int v = data; /* race */
    pthread_join(p, NULL);
    sem_destroy(&ready);
    printf("%d\n", v);
    return 0;
}
