/* race-corpus: expect=race lines=24,49 category=mutex
 * What: a pthread_mutex_trylock that fails (EBUSY) acquires nothing: the
 * data written before the last unlock is still unordered with the reader.
 * T1 writes and unlocks; T2 holds the mutex; T3's trylock fails. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

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
    int rc = pthread_mutex_trylock(&m);
    int v = data; /* race */
    atomic_store_explicit(&step, 3, memory_order_relaxed);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d %d\n", rc == EBUSY, v);
    return 0;
}
