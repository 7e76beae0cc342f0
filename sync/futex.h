/*
 * sync/futex.h — the futex system call, and gomm's internal lock on it.
 *
 * gm_lock is Drepper's three-state futex mutex ("Futexes are tricky"):
 * 0 unlocked, 1 locked, 2 locked with waiters. The uncontended lock and
 * unlock are one atomic each; a contended lock spins briefly, then sleeps
 * in the kernel. It is the lock inside channels, the semaphore table and
 * the timer heap: never held across a park, never taken by user code.
 * Orders: the acquiring CAS/exchange is acquire, the releasing exchange is
 * release (they pair with each other across lock hand-offs).
 */
#ifndef GOMM_SYNC_FUTEX_H
#define GOMM_SYNC_FUTEX_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#pragma GCC visibility push(hidden)

static inline long gm_futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *rel)
{
    return syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, rel, NULL, 0);
}

static inline void gm_futex_wake(_Atomic uint32_t *addr, int n)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static inline void gm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

typedef struct gm_lock {
    _Atomic uint32_t state;
} gm_lock;

void gm_lock_slow(gm_lock *l);

static inline void gm_lock_acquire(gm_lock *l)
{
    uint32_t expect = 0;
    if (__builtin_expect(!atomic_compare_exchange_strong_explicit(
                             &l->state, &expect, 1, memory_order_acquire, memory_order_relaxed),
                         0))
        gm_lock_slow(l);
}

static inline bool gm_lock_try(gm_lock *l)
{
    uint32_t expect = 0;
    return atomic_compare_exchange_strong_explicit(&l->state, &expect, 1, memory_order_acquire,
                                                   memory_order_relaxed);
}

static inline void gm_lock_release(gm_lock *l)
{
    if (__builtin_expect(atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2, 0))
        gm_futex_wake(&l->state, 1);
}

#pragma GCC visibility pop

#endif /* GOMM_SYNC_FUTEX_H */
