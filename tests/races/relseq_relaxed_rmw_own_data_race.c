/* race-corpus: expect=race lines=26,39 category=relseq
 * What: T2 writes its own data and then does a RELAXED RMW that continues
 * T1's release sequence. The reader synchronizes with T1 (the head) but
 * not with T2: T2's data races. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data1, data2;

static void *t1(void *arg)
{
    (void)arg;
    data1 = 1;
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (atomic_load_explicit(&flag, memory_order_relaxed) != 1)
        sched_yield();
    data2 = 2; /* race */
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
    int v1 = data1;
    int v2 = data2; /* race */
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d %d\n", v1, v2);
    return 0;
}
