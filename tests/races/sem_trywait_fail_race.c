/* race-corpus: expect=race lines=18,40 category=semaphore
 * What: a failed sem_trywait (EAGAIN) acquires nothing. T1 writes and
 * posts; T2 takes the token; main's trywait then fails, and its read of
 * the data races with T1's write. */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>

static sem_t s;
static atomic_int step; /* relaxed: orders nothing */
static int data;

static void *t1(void *arg)
{
    (void)arg;
    data = 7; /* race */
    sem_post(&s);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    sem_wait(&s);
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    sem_init(&s, 0, 0);
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    int rc = sem_trywait(&s);
    int v = data; /* race */
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    sem_destroy(&s);
    printf("%d %d\n", rc, v);
    return 0;
}
