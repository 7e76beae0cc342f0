/* race-corpus: expect=norace category=condvar
 * What: the consumer waits with pthread_cond_timedwait and a short
 * timeout, looping; some waits time out, the handoff stays ordered by the
 * mutex. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;
static char message[32];

static void *producer(void *arg)
{
    (void)arg;
    usleep(20000);
    message[0] = 'h';
    message[1] = 'i';
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t p;
    int timeouts = 0;
    pthread_create(&p, NULL, producer, NULL);
    pthread_mutex_lock(&m);
    while (!ready) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 2 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (pthread_cond_timedwait(&cv, &m, &ts) != 0)
            timeouts++;
    }
    pthread_mutex_unlock(&m);
    printf("%c%c %d\n", message[0], message[1], timeouts > 0);
    pthread_join(p, NULL);
    return 0;
}
