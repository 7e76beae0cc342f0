/* race-corpus: expect=race lines=15,27 category=threads
 * What: a detached thread writes a global; main reads it after seeing a
 * relaxed flag. Detaching orders nothing. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int done; /* relaxed: orders nothing */
static int result;

static void *worker(void *arg)
{
    (void)arg;
    result = 42; /* race */
    atomic_store_explicit(&done, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_detach(t);
    while (!atomic_load_explicit(&done, memory_order_relaxed))
        sched_yield();
    printf("%d\n", result); /* race */
    return 0;
}
