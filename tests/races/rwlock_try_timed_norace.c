/* race-corpus: expect=norace category=rwlock
 * What: the try and timed forms of both rwlock kinds order the data just
 * as the blocking ones do. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long value;

static struct timespec deadline(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    return ts;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        if (i % 2) {
            while (pthread_rwlock_trywrlock(&rw) != 0)
                sched_yield();
        } else {
            struct timespec ts = deadline();
            if (pthread_rwlock_timedwrlock(&rw, &ts) != 0)
                return (void *)1;
        }
        value++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *reader(void *arg)
{
    long sum = 0;
    (void)arg;
    for (int i = 0; i < 100; i++) {
        if (i % 2) {
            while (pthread_rwlock_tryrdlock(&rw) != 0)
                sched_yield();
        } else {
            struct timespec ts = deadline();
            if (pthread_rwlock_timedrdlock(&rw, &ts) != 0)
                return (void *)1;
        }
        sum += value;
        pthread_rwlock_unlock(&rw);
    }
    return (void *)sum;
}

int main(void)
{
    pthread_t w1, w2, r;
    pthread_create(&w1, NULL, writer, NULL);
    pthread_create(&w2, NULL, writer, NULL);
    pthread_create(&r, NULL, reader, NULL);
    pthread_join(w1, NULL);
    pthread_join(w2, NULL);
    pthread_join(r, NULL);
    printf("%ld\n", value);
    return 0;
}
