/*
 * sync/waitgroup.c — sync.WaitGroup, after Go 1.19's sync/waitgroup.go.
 *
 * state_ = counter << 32 | waiters. Add changes the counter with one atomic
 * add; when it reaches zero with waiters, Add resets the state to 0 and
 * releases the semaphore once per waiter. Wait returns at once if the
 * counter is zero, else counts itself as a waiter (CAS) and sleeps.
 *
 * Orders: seq_cst RMWs on state_; the semaphore carries the hand-off.
 * Race hooks: Done (and Add with a negative delta) merges into the group's
 * clock, Wait's return acquires it (Go's ReleaseMerge/Acquire).
 * Misuse is Go's fatal error: a negative counter, Add racing Wait, reuse
 * before the previous Wait returned.
 */
#include <gomm/sync.h>

#include <stdatomic.h>

#include "../alloc/fatal.h"
#include "race_hooks.h"
#include "sema.h"

#define WG_STATE(wg) ((_Atomic uint64_t *)&(wg)->state_)

void gm_waitgroup_add(gm_waitgroup *wg, int64_t delta)
{
    if (delta < 0)
        RACE_RELEASE_MERGE(wg);
    uint64_t state =
        atomic_fetch_add_explicit(WG_STATE(wg), (uint64_t)delta << 32, memory_order_seq_cst) +
        ((uint64_t)delta << 32);
    int32_t v = (int32_t)(state >> 32);
    uint32_t w = (uint32_t)state;
    if (v < 0)
        gm_fatal("sync: negative WaitGroup counter");
    if (w != 0 && delta > 0 && v == (int32_t)delta)
        gm_fatal("sync: WaitGroup misuse: Add called concurrently with Wait");
    if (v > 0 || w == 0)
        return;
    /* counter is 0 with waiters: nobody may change the state now */
    if (atomic_load_explicit(WG_STATE(wg), memory_order_seq_cst) != state)
        gm_fatal("sync: WaitGroup misuse: Add called concurrently with Wait");
    atomic_store_explicit(WG_STATE(wg), 0, memory_order_seq_cst);
    for (; w != 0; w--)
        gm_semrelease(&wg->sema_, false);
}

void gm_waitgroup_done(gm_waitgroup *wg)
{
    gm_waitgroup_add(wg, -1);
}

void gm_waitgroup_wait(gm_waitgroup *wg)
{
    uint64_t state = atomic_load_explicit(WG_STATE(wg), memory_order_seq_cst);
    for (;;) {
        if ((int32_t)(state >> 32) == 0) {
            RACE_ACQUIRE(wg);
            return;
        }
        if (atomic_compare_exchange_weak_explicit(WG_STATE(wg), &state, state + 1,
                                                  memory_order_seq_cst, memory_order_seq_cst)) {
            gm_semacquire(&wg->sema_, false);
            if (atomic_load_explicit(WG_STATE(wg), memory_order_seq_cst) != 0)
                gm_fatal("sync: WaitGroup is reused before previous Wait has returned");
            RACE_ACQUIRE(wg);
            return;
        }
    }
}
