/* race-corpus: expect=norace category=atomics
 * What: the legacy __sync builtins: a lock from __sync_lock_test_and_set
 * (acquire) and __sync_lock_release (release), and a handoff through
 * __sync_val_compare_and_swap and __sync_fetch_and_add (full barriers). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static int lock;
static long counter;
static int ready;
static long payload;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++) {
        while (__sync_lock_test_and_set(&lock, 1))
            sched_yield();
        counter++;
        __sync_lock_release(&lock);
    }
    return NULL;
}

static void *producer(void *arg)
{
    (void)arg;
    payload = 77;
    __sync_val_compare_and_swap(&ready, 0, 1);
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    pthread_create(&t[2], NULL, producer, NULL);
    while (__sync_fetch_and_add(&ready, 0) == 0)
        sched_yield();
    long v = payload;
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("%ld %ld\n", counter, v);
    return 0;
}
