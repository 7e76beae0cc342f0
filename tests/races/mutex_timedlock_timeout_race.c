/* race-corpus: expect=race lines=24,56 category=mutex
 * What: a pthread_mutex_timedlock that times out (ETIMEDOUT) acquires
 * nothing, although the mutex was released after the write earlier. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_int step; /* relaxed: orders nothing */
static int data;

static void wait_for(int n)
{
    while (atomic_load_explicit(&step, memory_order_relaxed) < n)
        sched_yield();
}

static void *t1(void *arg)
{
    (void)arg;
    data = 1; /* race */
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    wait_for(1);
    pthread_mutex_lock(&m);
    atomic_store_explicit(&step, 2, memory_order_relaxed);
    wait_for(3);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    wait_for(2);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    int rc = pthread_mutex_timedlock(&m, &ts);
    int v = data; /* race */
    atomic_store_explicit(&step, 3, memory_order_relaxed);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d %d\n", rc == ETIMEDOUT, v);
    return 0;
}
