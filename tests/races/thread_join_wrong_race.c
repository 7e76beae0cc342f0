/* race-corpus: expect=race lines=21,34 category=threads
 * What: main joins the first thread but reads what the second one wrote:
 * joining T1 says nothing about T2. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int done; /* relaxed: orders nothing */
static int result;

static void *idle(void *arg)
{
    (void)arg;
    return NULL;
}

static void *worker(void *arg)
{
    (void)arg;
    result = 42; /* race */
    atomic_store_explicit(&done, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, idle, NULL);
    pthread_create(&t2, NULL, worker, NULL);
    while (!atomic_load_explicit(&done, memory_order_relaxed))
        sched_yield();
    pthread_join(t1, NULL);
    int v = result; /* race */
    pthread_join(t2, NULL);
    printf("%d\n", v);
    return 0;
}
