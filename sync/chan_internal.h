/*
 * sync/chan_internal.h — the channel structure (Go's hchan) and the pieces
 * chan.c and select.c share.
 *
 * Invariants (Go's chan.go):
 *  - at most one of recvq and sendq is non-empty, except when one thread
 *    selects both ways on one unbuffered channel;
 *  - buffered: qcount > 0 implies recvq is empty; qcount < cap implies
 *    sendq is empty;
 *  - a waiter is on a queue iff w->queued; a select's waiters leave every
 *    queue (pass 3) before the select returns.
 * Locking: lock protects everything but elemsize/dataqsiz (immutable) and
 * the reads of qcount, closed and the queue heads made without the lock by
 * the non-blocking fast paths, which is why those are atomics (relaxed:
 * the fast paths only decide "certainly not ready", and re-check under the
 * lock otherwise). A select takes the locks of its channels in address
 * order, so two selects never deadlock.
 */
#ifndef GOMM_SYNC_CHAN_INTERNAL_H
#define GOMM_SYNC_CHAN_INTERNAL_H

#include <gomm/chan.h>

#include <stdatomic.h>
#include <string.h>

#include "futex.h"
#include "g.h"

#pragma GCC visibility push(hidden)

typedef struct waitq {
    _Atomic(gm_waiter *) first; /* atomic: read without the lock */
    gm_waiter *last;
} waitq;

struct gm_chan {
    gm_lock lock;
    _Atomic uint32_t closed;
    _Atomic size_t qcount; /* elements in the buffer */
    size_t dataqsiz;       /* capacity */
    size_t elemsize;
    size_t slotsize;     /* max(elemsize, 1): each slot has its own address */
    size_t sendx, recvx; /* buffer indices */
    waitq recvq, sendq;
    _Atomic uint32_t refs;  /* 1, or 2 while a timer may still send */
    struct gm_timer *timer; /* gm_after's timer (timer lock) */
    unsigned char *buf;
};

static inline void *chan_slot(gm_chan *c, size_t i)
{
    return c->buf + i * c->slotsize;
}

static inline bool chan_full(gm_chan *c)
{
    if (c->dataqsiz == 0)
        return atomic_load_explicit(&c->recvq.first, memory_order_relaxed) == NULL;
    return atomic_load_explicit(&c->qcount, memory_order_relaxed) == c->dataqsiz;
}

static inline bool chan_empty(gm_chan *c)
{
    if (c->dataqsiz == 0)
        return atomic_load_explicit(&c->sendq.first, memory_order_relaxed) == NULL;
    return atomic_load_explicit(&c->qcount, memory_order_relaxed) == 0;
}

void waitq_enqueue(waitq *q, gm_waiter *w);
gm_waiter *waitq_dequeue(waitq *q); /* skips select waiters already won */
void waitq_remove(waitq *q, gm_waiter *w);

/* Complete a send of *ep to waiting receiver w, or a receive into ep from
 * waiting sender w: copy, race hooks, w->success. c is locked; the caller
 * unlocks, then gm_ready(w). */
void chan_send_to(gm_chan *c, gm_waiter *w, const void *ep);
void chan_recv_from(gm_chan *c, gm_waiter *w, void *ep);
/* What a woken waiter does for the race checker (after gm_park returns). */
void chan_race_after_wake(gm_chan *c, gm_waiter *w);
/* Non-blocking send that gives up, instead of dying, if c is closed (the
 * timer thread: a user may have closed a gm_after channel). */
bool chan_send_unless_closed(gm_chan *c, const void *ep);
/* The fatal error of a send on a closed channel (c unlocked). */
__attribute__((noreturn)) void chan_panic_closed_send(void);
/* Buffer operations (c locked, space / data checked by the caller). */
void chan_buf_put(gm_chan *c, const void *ep);
void chan_buf_take(gm_chan *c, void *ep);

#pragma GCC visibility pop

#endif /* GOMM_SYNC_CHAN_INTERNAL_H */
