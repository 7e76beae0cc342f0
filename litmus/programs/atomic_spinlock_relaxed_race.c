/* litmus-program: expect=race lines=37,47 threads=2,4 category=atomic
 * What: the same spin lock written with C11 atomics and the wrong orders:
 * a relaxed compare-exchange to take it and a relaxed store to release it.
 * Mutual exclusion still holds, but nothing is ordered: the writer's
 * update inside its critical section races with the reader's read inside
 * its own. Twin of atomic_spinlock_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static atomic_int lock_word;
static long balance;
static gm_chan *start;
static gm_waitgroup wg;

static void spin_lock(void)
{
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&lock_word, &expected, 1, memory_order_relaxed,
                                                  memory_order_relaxed)) {
        expected = 0;
        gm_gosched();
    }
}

static void spin_unlock(void)
{
    atomic_store_explicit(&lock_word, 0, memory_order_relaxed);
}

static void depositor(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    spin_lock();
    balance = balance + 100; /* race */
    spin_unlock();
    gm_waitgroup_done(&wg);
}

static void auditor(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    spin_lock();
    long b = balance; /* race */
    spin_unlock();
    lp_use((uint64_t)b);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2);
    gm_go(auditor, NULL);
    gm_go(depositor, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    gm_chan_free(start);
    return 0;
}
