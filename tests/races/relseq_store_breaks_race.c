/* race-corpus: expect=race lines=17,40 category=relseq
 * What: as relseq_rmw_norace, but T2 overwrites the flag with a relaxed
 * STORE instead of an RMW. A store by another thread ends T1's release
 * sequence (C11 5.1.2.4), so T3's acquire of T2's value synchronizes with
 * nothing and the data races. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data;

static void *t1(void *arg)
{
    (void)arg;
    data = 42; /* race */
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (atomic_load_explicit(&flag, memory_order_relaxed) != 1)
        sched_yield();
    atomic_store_explicit(&flag, 2, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    while (atomic_load_explicit(&flag, memory_order_relaxed) != 2)
        sched_yield(); /* (an acquire load here could read 1 and sync with T1) */
    if (atomic_load_explicit(&flag, memory_order_acquire) != 2)
        return 1;
    int v = data; /* race */
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d\n", v);
    return 0;
}
