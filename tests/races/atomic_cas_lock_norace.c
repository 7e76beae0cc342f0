/* race-corpus: expect=norace category=atomics
 * What: a spinlock built from compare_exchange_strong (acquire) and a
 * release store, and a second one from compare_exchange_weak. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

static atomic_int strong_lock, weak_lock;
static long a, b;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        int expected = 0;
        while (!atomic_compare_exchange_strong_explicit(&strong_lock, &expected, 1,
                                                        memory_order_acquire,
                                                        memory_order_relaxed)) {
            expected = 0;
            sched_yield();
        }
        a++;
        atomic_store_explicit(&strong_lock, 0, memory_order_release);

        expected = 0;
        while (!atomic_compare_exchange_weak_explicit(&weak_lock, &expected, 1,
                                                      memory_order_acq_rel,
                                                      memory_order_relaxed))
            expected = 0;
        b++;
        atomic_store_explicit(&weak_lock, 0, memory_order_release);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("%ld %ld\n", a, b);
    return 0;
}
