/* race-corpus: expect=norace category=scale
 * What: 200 detached threads, each hands its result back through a
 * semaphore; main reads all results after 200 sem_waits. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define N 200
static sem_t done;
static long result[N];

static void *worker(void *arg)
{
    long id = (long)arg;
    result[id] = id * 2;
    sem_post(&done);
    return NULL;
}

int main(void)
{
    sem_init(&done, 0, 0);
    for (long i = 0; i < N; i++) {
        pthread_t t;
        pthread_create(&t, NULL, worker, (void *)i);
        pthread_detach(t);
    }
    for (int i = 0; i < N; i++)
        sem_wait(&done);
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += result[i];
    printf("%ld\n", sum);
    return 0;
}
