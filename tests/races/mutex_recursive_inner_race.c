/* race-corpus: expect=race lines=22,38 category=mutex
 * What: with a recursive mutex, the inner unlock does not release the
 * mutex; but a write after the OUTER unlock is outside every critical
 * section and races with another thread's locked read. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_mutex_t m;
static atomic_int step; /* relaxed: orders nothing */
static int value;

static void *writer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    pthread_mutex_unlock(&m);
    value = 1; /* race */
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m, &a);
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    pthread_mutex_lock(&m);
    int v = value; /* race */
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
