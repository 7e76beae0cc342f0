/*
 * sync/mutex.c — sync.Mutex, after Go's sync/mutex.go.
 *
 * state: bit 0 locked, bit 1 woken (a waiter was woken or a spinner is
 * about to take the lock: unlock need not wake another), bit 2 starving,
 * bits 3.. the number of waiters. sema_ counts wake-up permits
 * (sync/sema.c).
 *
 * Normal mode: waiters queue FIFO, but a woken waiter competes with new
 * arrivals (who usually win: they are on a CPU), which gives throughput.
 * A waiter that fails to get the lock for over 1 ms switches the mutex to
 * starvation mode: unlock hands the lock straight to the waiter at the
 * front, new arrivals neither spin nor grab it but queue at the tail. The
 * mode ends when the waiter that gets the lock is the last one or waited
 * under 1 ms. The fast paths are one CAS to lock and one atomic add to
 * unlock.
 *
 * Orders: every change of state is acq_rel (seq_cst where it is a plain
 * add): the lock's acquire pairs with the unlock's release, which is the
 * happens-before edge n-th unlock -> (n+1)-th lock, announced to the race
 * checker by RACE_ACQUIRE/RACE_RELEASE on the mutex address.
 */
#define _GNU_SOURCE
#include <gomm/sync.h>

#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "../alloc/fatal.h"
#include "futex.h"
#include "g.h"
#include "race_hooks.h"
#include "sema.h"

#define MUTEX_LOCKED            1
#define MUTEX_WOKEN             2
#define MUTEX_STARVING          4
#define MUTEX_WAITER_SHIFT      3
#define STARVATION_THRESHOLD_NS 1000000
#define ACTIVE_SPIN             4
#define ACTIVE_SPIN_CNT         30

#define STATE(m) ((_Atomic int32_t *)&(m)->state_)

/* Spinning only pays on a multiprocessor, and only a few times. */
static bool can_spin(int iter)
{
    static _Atomic int ncpu; /* relaxed: every thread computes the same value */
    if (iter >= ACTIVE_SPIN)
        return false;
    int n = atomic_load_explicit(&ncpu, memory_order_relaxed);
    if (!n) {
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
        atomic_store_explicit(&ncpu, n, memory_order_relaxed);
    }
    return n > 1;
}

static void lock_slow(gm_mutex *m)
{
    int64_t wait_start = 0;
    bool starving = false, awoke = false;
    int iter = 0;
    int32_t old = atomic_load_explicit(STATE(m), memory_order_relaxed);
    for (;;) {
        /* Spin while locked in normal mode: the holder may be about to
         * release it; set woken so unlock does not wake a sleeper. */
        if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED && can_spin(iter)) {
            if (!awoke && !(old & MUTEX_WOKEN) && (old >> MUTEX_WAITER_SHIFT) != 0 &&
                atomic_compare_exchange_strong_explicit(STATE(m), &old, old | MUTEX_WOKEN,
                                                        memory_order_relaxed, memory_order_relaxed))
                awoke = true;
            for (int i = 0; i < ACTIVE_SPIN_CNT; i++)
                gm_cpu_relax();
            iter++;
            old = atomic_load_explicit(STATE(m), memory_order_relaxed);
            continue;
        }
        int32_t new = old;
        if (!(old & MUTEX_STARVING))
            new |= MUTEX_LOCKED; /* don't grab a starving mutex: queue */
        if (old & (MUTEX_LOCKED | MUTEX_STARVING))
            new += 1 << MUTEX_WAITER_SHIFT;
        if (starving && (old & MUTEX_LOCKED))
            new |= MUTEX_STARVING;
        if (awoke) {
            if (!(new &MUTEX_WOKEN))
                gm_fatal("sync: inconsistent mutex state");
            new &= ~MUTEX_WOKEN;
        }
        /* acquire: pairs with the release in gm_mutex_unlock */
        if (atomic_compare_exchange_strong_explicit(STATE(m), &old, new, memory_order_acq_rel,
                                                    memory_order_relaxed)) {
            if (!(old & (MUTEX_LOCKED | MUTEX_STARVING)))
                break; /* locked it */
            bool lifo = wait_start != 0;
            if (!wait_start)
                wait_start = gm_nanotime();
            gm_semacquire(&m->sema_, lifo);
            starving = starving || gm_nanotime() - wait_start > STARVATION_THRESHOLD_NS;
            old = atomic_load_explicit(STATE(m), memory_order_acquire);
            if (old & MUTEX_STARVING) {
                /* handed off to us: the lock is ours, fix up the state */
                if ((old & (MUTEX_LOCKED | MUTEX_WOKEN)) || (old >> MUTEX_WAITER_SHIFT) == 0)
                    gm_fatal("sync: inconsistent mutex state");
                int32_t delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
                if (!starving || (old >> MUTEX_WAITER_SHIFT) == 1)
                    delta -= MUTEX_STARVING; /* leave starvation mode */
                atomic_fetch_add_explicit(STATE(m), delta, memory_order_acq_rel);
                break;
            }
            awoke = true;
            iter = 0;
        }
    }
}

void gm_mutex_lock(gm_mutex *m)
{
    int32_t expect = 0;
    /* acquire: pairs with the release in gm_mutex_unlock */
    if (!atomic_compare_exchange_strong_explicit(STATE(m), &expect, MUTEX_LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        lock_slow(m);
    RACE_ACQUIRE(m);
}

bool gm_mutex_trylock(gm_mutex *m)
{
    int32_t old = atomic_load_explicit(STATE(m), memory_order_relaxed);
    if (old & (MUTEX_LOCKED | MUTEX_STARVING))
        return false;
    if (!atomic_compare_exchange_strong_explicit(STATE(m), &old, old | MUTEX_LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        return false; /* may fail spuriously, as Go's TryLock */
    RACE_ACQUIRE(m);
    return true;
}

static void unlock_slow(gm_mutex *m, int32_t new)
{
    if (!((new + MUTEX_LOCKED) & MUTEX_LOCKED))
        gm_fatal("sync: unlock of unlocked mutex");
    if (!(new &MUTEX_STARVING)) {
        int32_t old = new;
        for (;;) {
            /* nobody to wake, or someone already woken/locked it */
            if ((old >> MUTEX_WAITER_SHIFT) == 0 ||
                (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)))
                return;
            new = (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN;
            if (atomic_compare_exchange_strong_explicit(STATE(m), &old, new, memory_order_release,
                                                        memory_order_relaxed)) {
                gm_semrelease(&m->sema_, false);
                return;
            }
        }
    }
    /* starving: hand the lock to the first waiter and let it run */
    gm_semrelease(&m->sema_, true);
}

void gm_mutex_unlock(gm_mutex *m)
{
    RACE_RELEASE(m);
    /* release: pairs with the acquire CAS in gm_mutex_lock */
    int32_t new =
        atomic_fetch_sub_explicit(STATE(m), MUTEX_LOCKED, memory_order_release) - MUTEX_LOCKED;
    if (new != 0)
        unlock_slow(m, new);
}
