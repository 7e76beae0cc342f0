/* race-corpus: expect=norace category=relseq
 * What: T1 writes data and stores the flag with release; T2 does a relaxed
 * fetch_add on the flag; T3's acquire load reads T2's value. T2's RMW
 * continues T1's release sequence, so T3 synchronizes with T1. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data;

static void *t1(void *arg)
{
    (void)arg;
    data = 42;
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (atomic_load_explicit(&flag, memory_order_relaxed) != 1)
        sched_yield();
    atomic_fetch_add_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    while (atomic_load_explicit(&flag, memory_order_acquire) != 2)
        sched_yield();
    int v = data;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d\n", v);
    return 0;
}
