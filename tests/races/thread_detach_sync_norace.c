/* race-corpus: expect=norace category=threads
 * What: a detached thread hands its result over with a release store that
 * main reads with an acquire load. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int done;
static int result;

static void *worker(void *arg)
{
    (void)arg;
    result = 42;
    atomic_store_explicit(&done, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &attr, worker, NULL);
    pthread_attr_destroy(&attr);
    while (!atomic_load_explicit(&done, memory_order_acquire))
        sched_yield();
    printf("%d\n", result);
    return 0;
}
