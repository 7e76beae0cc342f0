/* race-corpus: expect=norace category=fences
 * What: release fence + relaxed store X in T1; T2 does a relaxed RMW on the
 * flag; main reads T2's value with a relaxed load and issues an acquire
 * fence. T2's RMW is in the release sequence X would head if it were a
 * release (C11 7.17.4p2), so T1's fence synchronizes with main's fence. */
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
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
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
    while (atomic_load_explicit(&flag, memory_order_relaxed) != 2)
        sched_yield();
    atomic_thread_fence(memory_order_acquire);
    int v = data;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d\n", v);
    return 0;
}
