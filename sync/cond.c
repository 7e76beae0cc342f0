/*
 * sync/cond.c — sync.Cond, after Go's notifyList (runtime/sema.go).
 *
 * A waiter takes a ticket (wait_++) while it still holds the mutex, then
 * unlocks and sleeps until notify_ passes its ticket. Signal wakes the
 * oldest ticket, Broadcast every ticket taken so far; a wait that starts
 * after a Signal is never woken by it. lock_ (a gm_lock) protects the list
 * of sleeping waiters; wait_ and notify_ are atomics so an idle Signal
 * returns without the lock.
 *
 * Memory model: Signal/Broadcast happen before the return of the waits
 * they wake (Go's sync.Cond doc; Go's race detector does not model it, we
 * do): the waker's release store of the waiter's done flag pairs with the
 * waiter's acquire load, and RACE_RELEASE_MERGE/RACE_ACQUIRE on the
 * waiter's record tell the checker.
 */
#include <gomm/sync.h>

#include <stdatomic.h>

#include "futex.h"
#include "g.h"
#include "race_hooks.h"

#define WAITC(c)   ((_Atomic uint32_t *)&(c)->wait_)
#define NOTIFYC(c) ((_Atomic uint32_t *)&(c)->notify_)
#define LOCKC(c)   ((gm_lock *)&(c)->lock_)

_Static_assert(sizeof(gm_lock) == sizeof(uint32_t), "gm_cond's lock_ holds a gm_lock");

/* ticket a is before ticket b, modulo wrap-around */
static bool ticket_less(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

void gm_cond_wait(gm_cond *c, gm_mutex *m)
{
    uint32_t t = atomic_fetch_add_explicit(WAITC(c), 1, memory_order_seq_cst);
    gm_mutex_unlock(m);
    gm_g *g = gm_getg();
    gm_lock_acquire(LOCKC(c));
    if (ticket_less(t, atomic_load_explicit(NOTIFYC(c), memory_order_seq_cst))) {
        gm_lock_release(LOCKC(c)); /* signalled before we could queue */
        RACE_ACQUIRE(c);
    } else {
        gm_waiter *w = gm_waiter_get(g);
        w->ticket = t;
        w->prev = c->tail_;
        if (c->tail_)
            c->tail_->next = w;
        else
            c->head_ = w;
        c->tail_ = w;
        gm_lock_release(LOCKC(c));
        gm_park_until_done(g, w);
        RACE_ACQUIRE(w);
        gm_waiter_put(w);
    }
    gm_mutex_lock(m);
}

static void unlink_waiter(gm_cond *c, gm_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        c->head_ = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        c->tail_ = w->prev;
    w->next = w->prev = NULL;
}

void gm_cond_signal(gm_cond *c)
{
    if (atomic_load_explicit(WAITC(c), memory_order_seq_cst) ==
        atomic_load_explicit(NOTIFYC(c), memory_order_seq_cst))
        return; /* nobody waits */
    gm_lock_acquire(LOCKC(c));
    uint32_t t = atomic_load_explicit(NOTIFYC(c), memory_order_relaxed);
    if (t == atomic_load_explicit(WAITC(c), memory_order_seq_cst)) {
        gm_lock_release(LOCKC(c));
        return;
    }
    gm_waiter *w = c->head_;
    while (w && w->ticket != t)
        w = w->next;
    /* w == NULL: ticket t's owner has not queued yet; it will see notify_
     * past its ticket and not sleep (and acquire c instead), so the
     * release must be in place before notify_ moves */
    if (w)
        RACE_RELEASE_MERGE(w);
    else
        RACE_RELEASE_MERGE(c);
    atomic_store_explicit(NOTIFYC(c), t + 1, memory_order_seq_cst);
    if (w)
        unlink_waiter(c, w);
    gm_lock_release(LOCKC(c));
    if (w)
        gm_ready(w);
}

void gm_cond_broadcast(gm_cond *c)
{
    if (atomic_load_explicit(WAITC(c), memory_order_seq_cst) ==
        atomic_load_explicit(NOTIFYC(c), memory_order_seq_cst))
        return;
    RACE_RELEASE_MERGE(c);
    gm_lock_acquire(LOCKC(c));
    gm_waiter *list = c->head_;
    c->head_ = c->tail_ = NULL;
    atomic_store_explicit(NOTIFYC(c), atomic_load_explicit(WAITC(c), memory_order_seq_cst),
                          memory_order_seq_cst);
    gm_lock_release(LOCKC(c));
    while (list) {
        gm_waiter *next = list->next;
        RACE_RELEASE_MERGE(list);
        gm_ready(list);
        list = next;
    }
}
