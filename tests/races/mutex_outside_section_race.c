/* race-corpus: expect=race lines=19,31 category=mutex
 * What: the write happens just after the unlock, outside the critical
 * section that the reader's lock is ordered with. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_int step; /* relaxed: orders nothing */
static int inside, outside;

static void *writer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    inside = 1;
    pthread_mutex_unlock(&m);
    outside = 1; /* race */
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    pthread_mutex_lock(&m);
    int v = inside + outside; /* race */
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
