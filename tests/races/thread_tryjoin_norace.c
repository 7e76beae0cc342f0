/* race-corpus: expect=norace category=threads
 * What: pthread_tryjoin_np (polled) and pthread_timedjoin_np give the same
 * edge as pthread_join once they succeed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

static int a, b;

static void *wa(void *arg) { (void)arg; a = 1; return NULL; }
static void *wb(void *arg) { (void)arg; b = 2; return NULL; }

int main(void)
{
    pthread_t ta, tb;
    pthread_create(&ta, NULL, wa, NULL);
    pthread_create(&tb, NULL, wb, NULL);
    while (pthread_tryjoin_np(ta, NULL) != 0)
        sched_yield();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    if (pthread_timedjoin_np(tb, NULL, &ts) != 0)
        return 1;
    printf("%d\n", a + b);
    return 0;
}
