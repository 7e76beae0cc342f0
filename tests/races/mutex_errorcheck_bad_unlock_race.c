/* race-corpus: expect=race lines=21,40 category=mutex
 * What: an unlock of an error-checking mutex that the thread does not own
 * fails with EPERM and releases nothing: a later lock by another thread is
 * not ordered after the failed unlocker's write.
 * (fixed gomm bug: this program was marked known until commit d2b923b)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_mutex_t m;
static atomic_int step; /* relaxed: orders nothing */
static int data;

static void *writer(void *arg)
{
    (void)arg;
    data = 1; /* race */
    int rc = pthread_mutex_unlock(&m);
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return (void *)(long)(rc == EPERM);
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &a);
    pthread_mutexattr_destroy(&a);
    pthread_t t;
    void *eperm;
    pthread_create(&t, NULL, writer, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    pthread_mutex_lock(&m);
    int v = data; /* race */
    pthread_mutex_unlock(&m);
    pthread_join(t, &eperm);
    printf("%d %ld\n", v, (long)eperm);
    pthread_mutex_destroy(&m);
    return 0;
}
