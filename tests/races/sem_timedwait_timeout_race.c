/* race-corpus: expect=race lines=18,47 category=semaphore
 * What: a sem_timedwait that times out acquires nothing, although the
 * semaphore was posted (and consumed by another thread) after the write. */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

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
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 10 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    int rc = sem_timedwait(&s, &ts);
    int v = data; /* race */
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    sem_destroy(&s);
    printf("%d %d\n", rc, v);
    return 0;
}
