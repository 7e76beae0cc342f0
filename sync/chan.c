/*
 * sync/chan.c — channels, after Go's runtime/chan.go.
 *
 * A send to a channel with a waiting receiver copies straight into the
 * receiver's destination and wakes it (direct hand-off: no buffer, one
 * copy); otherwise it goes into the ring buffer if there is room, otherwise
 * the sender queues a waiter and parks. A receive mirrors it; from a full
 * buffered channel with a waiting sender it takes the head and moves the
 * sender's value to the tail, which keeps FIFO order. close marks the
 * channel, wakes every receiver (zero value, ok false) and every sender
 * (who then dies with "send on closed channel"). Structure, invariants and
 * locking: chan_internal.h.
 *
 * Race hooks (docs/sync.md): a send reads the channel object, close writes
 * it and releases its clock, and a receive that returns because the channel
 * is closed acquires it. Buffered slot i has its own clock, released and
 * acquired by every send and receive through it (Go's racenotify), which
 * is Go's rule "the k-th receive happens before the (k+C)-th send
 * completes". An unbuffered hand-off joins both clocks (send before receive
 * completes and receive before send completes): the parked side releases
 * &w->elem before parking and acquires &w->c after waking; the running side
 * acquires &w->elem and releases &w->c.
 */
#include "chan_internal.h"

#include <gomm/alloc.h>

#include "../alloc/fatal.h"
#include "race_hooks.h"
#include "timer.h"

#define MAX_ELEM_SIZE (1 << 16)

/* ---------- wait queues (c locked) ---------- */

void waitq_enqueue(waitq *q, gm_waiter *w)
{
    w->next = NULL;
    w->prev = q->last;
    w->queued = true;
    if (q->last)
        q->last->next = w;
    else
        atomic_store_explicit(&q->first, w, memory_order_relaxed);
    q->last = w;
}

void waitq_remove(waitq *q, gm_waiter *w)
{
    if (!w->queued)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        atomic_store_explicit(&q->first, w->next, memory_order_relaxed);
    if (w->next)
        w->next->prev = w->prev;
    else
        q->last = w->prev;
    w->next = w->prev = NULL;
    w->queued = false;
}

gm_waiter *waitq_dequeue(waitq *q)
{
    for (;;) {
        gm_waiter *w = atomic_load_explicit(&q->first, memory_order_relaxed);
        if (!w)
            return NULL;
        waitq_remove(q, w);
        if (w->is_select) {
            /* A select parks on several channels: only the first waker
             * gets it. acq_rel: pairs with other wakers' CAS. */
            uint32_t expect = 0;
            if (!atomic_compare_exchange_strong_explicit(
                    &w->g->select_done, &expect, 1, memory_order_acq_rel, memory_order_relaxed))
                continue;
            /* Take the select's other waiters off this channel now, while
             * we hold its lock: once woken, the select never touches the
             * winning channel again (its partner may free it at once). */
            gm_chan *c = w->c;
            for (gm_waiter *o = w->sel_next; o != w; o = o->sel_next)
                if (o->c == c)
                    waitq_remove(o->is_send ? &c->sendq : &c->recvq, o);
        }
        return w;
    }
}

/* ---------- transfers (c locked) ---------- */

void chan_buf_put(gm_chan *c, const void *ep)
{
    void *slot = chan_slot(c, c->sendx);
    RACE_RELEASE_ACQUIRE(slot);
    if (c->elemsize)
        memcpy(slot, ep, c->elemsize);
    if (++c->sendx == c->dataqsiz)
        c->sendx = 0;
    atomic_store_explicit(&c->qcount, atomic_load_explicit(&c->qcount, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

void chan_buf_take(gm_chan *c, void *ep)
{
    void *slot = chan_slot(c, c->recvx);
    RACE_RELEASE_ACQUIRE(slot);
    if (ep && c->elemsize)
        memcpy(ep, slot, c->elemsize);
    if (++c->recvx == c->dataqsiz)
        c->recvx = 0;
    atomic_store_explicit(&c->qcount, atomic_load_explicit(&c->qcount, memory_order_relaxed) - 1,
                          memory_order_relaxed);
}

void chan_send_to(gm_chan *c, gm_waiter *w, const void *ep)
{
    if (c->dataqsiz == 0) {
        RACE_ACQUIRE(&w->elem);
        RACE_RELEASE(&w->c);
    } else {
        /* buffered, empty, receiver waiting: pretend it went through the
         * buffer so the slot clocks keep Go's numbering; the parked
         * receiver's turn on the slot is taken now, for it, while the slot
         * cannot be reused (Go's racenotify(c, idx, sg)) */
        void *slot = chan_slot(c, c->recvx);
        RACE_RELEASE_ACQUIRE(slot);
        RACE_RELEASE_ACQUIRE_CTX(w->race_ctx, slot);
        if (++c->recvx == c->dataqsiz)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    if (w->elem && c->elemsize)
        memcpy(w->elem, ep, c->elemsize);
    w->success = true;
}

void chan_recv_from(gm_chan *c, gm_waiter *w, void *ep)
{
    if (c->dataqsiz == 0) {
        RACE_ACQUIRE(&w->elem);
        RACE_RELEASE(&w->c);
        if (ep && c->elemsize)
            memcpy(ep, w->elem, c->elemsize);
    } else {
        /* full buffer: take the head, the sender's value becomes the tail
         * (the parked sender's turn on the slot is taken for it now) */
        void *slot = chan_slot(c, c->recvx);
        RACE_RELEASE_ACQUIRE(slot);
        RACE_RELEASE_ACQUIRE_CTX(w->race_ctx, slot);
        if (ep && c->elemsize)
            memcpy(ep, slot, c->elemsize);
        if (c->elemsize)
            memcpy(slot, w->elem, c->elemsize);
        if (++c->recvx == c->dataqsiz)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    w->success = true;
}

void chan_race_after_wake(gm_chan *c, gm_waiter *w)
{
    /* c is only an address here: the partner may already have freed it */
    if (!w->success)
        RACE_ACQUIRE(c); /* woken by close */
    else if (w->unbuffered)
        RACE_ACQUIRE(&w->c);
    /* buffered: the partner already did our turn on the slot */
}

void chan_panic_closed_send(void)
{
    gm_fatal("send on closed channel");
}

/* ---------- make and free ---------- */

gm_chan *gm_chan_make(size_t elem_size, size_t cap)
{
    if (elem_size >= MAX_ELEM_SIZE)
        gm_fatal("makechan: invalid channel element type (size %zu >= 64 KiB)", elem_size);
    size_t slot = elem_size ? elem_size : 1;
    size_t bytes;
    if (__builtin_mul_overflow(slot, cap, &bytes) || bytes > ((size_t)1 << 40))
        gm_fatal("makechan: size out of range");
    size_t head = (sizeof(gm_chan) + 15) & ~(size_t)15;
    gm_chan *c = gm_malloc(head + bytes);
    if (!c)
        gm_fatal("makechan: out of memory");
    memset(c, 0, sizeof *c);
    c->dataqsiz = cap;
    c->elemsize = elem_size;
    c->slotsize = slot;
    c->buf = (unsigned char *)c + head;
    atomic_store_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void gm_chan_release_ref(gm_chan *c)
{
    /* acq_rel: the last release sees every use by the other holder (told
     * to the race checker as a release-merge and the last one's acquire) */
    RACE_RELEASE_MERGE(&c->refs);
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
        RACE_ACQUIRE(&c->refs);
        gm_free(c);
    }
}

void gm_chan_free(gm_chan *c)
{
    if (!c)
        return;
    /* two references: a gm_after timer may still hold the channel */
    if (atomic_load_explicit(&c->refs, memory_order_acquire) > 1)
        gm_timer_cancel(c);
    gm_chan_release_ref(c);
}

size_t gm_chan_len(gm_chan *c)
{
    return c ? atomic_load_explicit(&c->qcount, memory_order_relaxed) : 0;
}

size_t gm_chan_cap(gm_chan *c)
{
    return c ? c->dataqsiz : 0;
}

/* ---------- send ---------- */

/* Queue the calling thread on c's send or receive queue, unlock c and
 * sleep until a partner or close completes the operation. c is locked on
 * entry. Returns whether a partner completed it (false: closed). */
static bool chan_park(gm_chan *c, void *ep, bool is_send)
{
    gm_g *g = gm_getg();
    gm_waiter *w = gm_waiter_get(g);
    w->elem = ep;
    w->c = c;
    w->is_send = is_send;
    w->unbuffered = c->dataqsiz == 0;
    w->race_ctx = RACE_CTX();
    RACE_RELEASE(&w->elem);
    waitq_enqueue(is_send ? &c->sendq : &c->recvq, w);
    gm_lock_release(&c->lock);
    gm_park_until_done(g, w);
    bool ok = w->success;
    chan_race_after_wake(c, w);
    gm_waiter_put(w);
    return ok;
}

static bool chan_send(gm_chan *c, const void *ep, bool block, bool panic_if_closed)
{
    if (!c) {
        if (!block)
            return false;
        gm_block_forever();
    }
    RACE_READ(c, 1);
    /* Fast path: a non-blocking send to a full open channel fails without
     * the lock (Go's reasoning: closed and full were both true at some
     * moment between the two loads, so failing is a valid outcome). */
    if (!block && !atomic_load_explicit(&c->closed, memory_order_relaxed) && chan_full(c))
        return false;
    gm_lock_acquire(&c->lock);
    if (atomic_load_explicit(&c->closed, memory_order_relaxed)) {
        gm_lock_release(&c->lock);
        if (!panic_if_closed)
            return false;
        chan_panic_closed_send();
    }
    gm_waiter *w = waitq_dequeue(&c->recvq);
    if (w) {
        chan_send_to(c, w, ep);
        gm_lock_release(&c->lock);
        gm_ready(w);
        return true;
    }
    if (atomic_load_explicit(&c->qcount, memory_order_relaxed) < c->dataqsiz) {
        chan_buf_put(c, ep);
        gm_lock_release(&c->lock);
        return true;
    }
    if (!block) {
        gm_lock_release(&c->lock);
        return false;
    }
    if (!chan_park(c, (void *)ep, true))
        chan_panic_closed_send();
    return true;
}

void gm_chan_send(gm_chan *c, const void *elem)
{
    chan_send(c, elem, true, true);
}

bool gm_chan_try_send(gm_chan *c, const void *elem)
{
    return chan_send(c, elem, false, true);
}

bool chan_send_unless_closed(gm_chan *c, const void *ep)
{
    return chan_send(c, ep, false, false);
}

/* ---------- receive ---------- */

/* Returns whether a receive completed; *received: a value (not close). */
static bool chan_recv(gm_chan *c, void *ep, bool block, bool *received)
{
    *received = false;
    if (!c) {
        if (!block)
            return false;
        gm_block_forever();
    }
    if (!block && chan_empty(c)) {
        /* Go's order: empty, then closed, then empty again: if the channel
         * is closed and still empty it is closed and drained. */
        if (!atomic_load_explicit(&c->closed, memory_order_acquire))
            return false;
        if (chan_empty(c)) {
            RACE_ACQUIRE(c);
            if (ep && c->elemsize)
                memset(ep, 0, c->elemsize);
            return true;
        }
    }
    gm_lock_acquire(&c->lock);
    if (atomic_load_explicit(&c->closed, memory_order_relaxed) &&
        atomic_load_explicit(&c->qcount, memory_order_relaxed) == 0) {
        gm_lock_release(&c->lock);
        RACE_ACQUIRE(c);
        if (ep && c->elemsize)
            memset(ep, 0, c->elemsize);
        return true;
    }
    gm_waiter *w = waitq_dequeue(&c->sendq);
    if (w) {
        chan_recv_from(c, w, ep);
        gm_lock_release(&c->lock);
        gm_ready(w);
        *received = true;
        return true;
    }
    if (atomic_load_explicit(&c->qcount, memory_order_relaxed) > 0) {
        chan_buf_take(c, ep);
        gm_lock_release(&c->lock);
        *received = true;
        return true;
    }
    if (!block) {
        gm_lock_release(&c->lock);
        return false;
    }
    *received = chan_park(c, ep, false);
    return true;
}

bool gm_chan_recv(gm_chan *c, void *out)
{
    bool received;
    chan_recv(c, out, true, &received);
    return received;
}

bool gm_chan_try_recv(gm_chan *c, void *out, bool *ok)
{
    bool received;
    bool done = chan_recv(c, out, false, &received);
    if (ok)
        *ok = received;
    return done;
}

/* ---------- close ---------- */

void gm_chan_close(gm_chan *c)
{
    if (!c)
        gm_fatal("close of nil channel");
    gm_lock_acquire(&c->lock);
    if (atomic_load_explicit(&c->closed, memory_order_relaxed)) {
        gm_lock_release(&c->lock);
        gm_fatal("close of closed channel");
    }
    RACE_WRITE(c, 1);
    RACE_RELEASE(c);
    /* release: pairs with the acquire load in the receive fast path */
    atomic_store_explicit(&c->closed, 1, memory_order_release);
    gm_waiter *wake = NULL, *w;
    while ((w = waitq_dequeue(&c->recvq))) {
        if (w->elem && c->elemsize)
            memset(w->elem, 0, c->elemsize);
        w->success = false;
        w->waitlink = wake;
        wake = w;
    }
    while ((w = waitq_dequeue(&c->sendq))) {
        w->success = false;
        w->waitlink = wake;
        wake = w;
    }
    gm_lock_release(&c->lock);
    while (wake) {
        w = wake;
        wake = w->waitlink;
        gm_ready(w);
    }
}
