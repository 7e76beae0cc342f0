/* race-corpus: expect=race lines=21,35 category=condvar
 * What: the signaller sets the predicate without taking the mutex (and then
 * signals). The waiter reads the predicate under the mutex: unordered. The
 * waiter uses a timed wait, so the lost wakeup this bug allows cannot hang
 * it; it starts waiting only once the signaller is done (relaxed flag), so
 * it reads the predicate once. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int signalled; /* relaxed: orders nothing */
static int ready;

static void *signaller(void *arg)
{
    (void)arg;
    ready = 1; /* race */
    pthread_cond_signal(&cv);
    atomic_store_explicit(&signalled, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t s;
    pthread_create(&s, NULL, signaller, NULL);
    while (!atomic_load_explicit(&signalled, memory_order_relaxed))
        sched_yield();
    pthread_mutex_lock(&m);
    for (;;) {
        int r = ready; /* race */
        if (r)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&cv, &m, &ts);
    }
    pthread_mutex_unlock(&m);
    pthread_join(s, NULL);
    printf("done\n");
    return 0;
}
