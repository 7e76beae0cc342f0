/*
 * sync/lock.c — the contended path of gm_lock (see futex.h).
 */
#include "futex.h"

#include "../alloc/gc.h"

#define LOCK_SPINS 64

void gm_lock_slow(gm_lock *l)
{
    for (int i = 0; i < LOCK_SPINS; i++) {
        uint32_t expect = 0;
        if (atomic_load_explicit(&l->state, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->state, &expect, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        gm_cpu_relax();
    }
    /* acquire: pairs with the release exchange in gm_lock_release. Taking it
     * as 2 (not 1) is conservative: our unlock will wake a possible waiter. */
    if (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) == 0)
        return;
    gc_block_enter(); /* sleeping on the lock does not delay a stop-the-world */
    do
        gm_futex_wait(&l->state, 2, NULL);
    while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0);
    gc_block_exit();
}
