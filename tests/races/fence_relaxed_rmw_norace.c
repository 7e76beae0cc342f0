/* race-corpus: expect=norace category=fences
 * What: workers each write their own slot, issue a release fence and
 * decrement a counter with a relaxed fetch_sub; main spins with relaxed
 * loads until it reads 0 and then issues an acquire fence. The chain of
 * RMWs carries every worker's fence to main's fence. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#define N 4
static atomic_int pending = N;
static long slot[N];

static void *worker(void *arg)
{
    long id = (long)arg;
    slot[id] = id * 5;
    atomic_thread_fence(memory_order_release);
    atomic_fetch_sub_explicit(&pending, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    while (atomic_load_explicit(&pending, memory_order_relaxed) != 0)
        sched_yield();
    atomic_thread_fence(memory_order_acquire);
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += slot[i];
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", sum);
    return 0;
}
