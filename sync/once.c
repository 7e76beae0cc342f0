/*
 * sync/once.c — sync.Once, after Go's sync/once.go.
 *
 * done_ becomes 1 only after fn has returned, with a release store that
 * pairs with the acquire load of the fast path: every gm_once_do return
 * happens after fn's return. Concurrent first callers wait on the mutex for
 * the one running fn. (A CAS-only Once would let a second caller return
 * before fn finished.) fn may not call gm_once_do on the same Once.
 */
#include <gomm/sync.h>

#include <stdatomic.h>

#include "race_hooks.h"

#define DONE(o) ((_Atomic uint32_t *)&(o)->done_)

static void once_slow(gm_once *o, void (*fn)(void *), void *arg)
{
    gm_mutex_lock(&o->m_);
    if (atomic_load_explicit(DONE(o), memory_order_relaxed) == 0) {
        fn(arg);
        RACE_RELEASE(o);
        /* release: pairs with the acquire load in gm_once_do */
        atomic_store_explicit(DONE(o), 1, memory_order_release);
    }
    gm_mutex_unlock(&o->m_);
}

void gm_once_do(gm_once *o, void (*fn)(void *arg), void *arg)
{
    if (__builtin_expect(atomic_load_explicit(DONE(o), memory_order_acquire) == 0, 0))
        once_slow(o, fn, arg);
    RACE_ACQUIRE(o);
}
