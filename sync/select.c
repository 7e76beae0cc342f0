/*
 * sync/select.c — gm_select, after Go's runtime/select.go.
 *
 * 1. Shuffle the cases (poll order, uniform: Fisher-Yates) and sort their
 *    channels by address (lock order); NULL-channel cases are dropped.
 * 2. Lock every channel once, in address order (so two selects over the
 *    same channels never deadlock), and look for a ready case in poll
 *    order: the first found wins, which makes the choice uniform among the
 *    ready cases.
 * 3. None ready: return -1 if there is a default; else queue a waiter on
 *    every channel, unlock, and park. A waker claims the select by CASing
 *    g->select_done 0 -> 1 (in waitq_dequeue); losers skip its waiters.
 * 4. Woken: lock everything again, take the waiters off the other queues,
 *    unlock, and report the winning case (g->param says which).
 * The chosen case gets exactly the race hooks of the plain operation; the
 * others, and default, synchronize with nothing.
 */
#include "chan_internal.h"

#include <gomm/alloc.h>

#include "../alloc/fatal.h"
#include "race_hooks.h"

#define STACK_CASES 16

static void sellock(gm_chan **order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (i == 0 || order[i] != order[i - 1])
            gm_lock_acquire(&order[i]->lock);
}

static void selunlock(gm_chan **order, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (i == 0 || order[i] != order[i - 1])
            gm_lock_release(&order[i]->lock);
}

static void sort_by_address(gm_chan **a, size_t n)
{
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is small */
        gm_chan *x = a[i];
        size_t j = i;
        for (; j > 0 && (uintptr_t)a[j - 1] > (uintptr_t)x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

int gm_select(gm_case *cases, size_t n, bool has_default)
{
    uint32_t stack_poll[STACK_CASES];
    gm_chan *stack_lock[STACK_CASES];
    gm_waiter *stack_w[STACK_CASES];
    uint32_t *poll = stack_poll;
    gm_chan **lockorder = stack_lock;
    gm_waiter **waiters = stack_w;
    if (n > STACK_CASES) {
        poll = gm_malloc(n * sizeof *poll);
        lockorder = gm_malloc(n * sizeof *lockorder);
        waiters = gm_malloc(n * sizeof *waiters);
        if (!poll || !lockorder || !waiters)
            gm_fatal("select: out of memory");
    }
    gm_g *g = gm_getg();
    size_t npoll = 0;
    for (size_t i = 0; i < n; i++) {
        cases[i].ok = false;
        if (!cases[i].chan)
            continue; /* a nil channel is never ready */
        if (cases[i].dir != GM_RECV && cases[i].dir != GM_SEND)
            gm_fatal("select: case %zu has direction %d (want GM_RECV or GM_SEND)", i,
                     cases[i].dir);
        if (cases[i].dir == GM_SEND)
            RACE_READ(cases[i].chan, 1);
        /* inside-out Fisher-Yates */
        uint32_t j = gm_fastrandn(g, (uint32_t)npoll + 1);
        poll[npoll] = poll[j];
        poll[j] = (uint32_t)i;
        lockorder[npoll] = cases[i].chan;
        npoll++;
    }
    int chosen = -1;
    if (npoll == 0) {
        if (has_default)
            goto out;
        gm_block_forever(); /* select {} */
    }
    sort_by_address(lockorder, npoll);
    sellock(lockorder, npoll);

    /* pass 1: the first ready case in poll order */
    gm_waiter *partner = NULL;
    bool send_on_closed = false;
    for (size_t k = 0; k < npoll; k++) {
        gm_case *cs = &cases[poll[k]];
        gm_chan *c = cs->chan;
        if (cs->dir == GM_RECV) {
            if ((partner = waitq_dequeue(&c->sendq))) {
                chan_recv_from(c, partner, cs->elem);
                cs->ok = true;
            } else if (atomic_load_explicit(&c->qcount, memory_order_relaxed) > 0) {
                chan_buf_take(c, cs->elem);
                cs->ok = true;
            } else if (atomic_load_explicit(&c->closed, memory_order_relaxed)) {
                RACE_ACQUIRE(c);
                if (cs->elem && c->elemsize)
                    memset(cs->elem, 0, c->elemsize);
                cs->ok = false;
            } else {
                continue;
            }
        } else {
            if (atomic_load_explicit(&c->closed, memory_order_relaxed)) {
                send_on_closed = true;
            } else if ((partner = waitq_dequeue(&c->recvq))) {
                chan_send_to(c, partner, cs->elem);
            } else if (atomic_load_explicit(&c->qcount, memory_order_relaxed) < c->dataqsiz) {
                chan_buf_put(c, cs->elem);
            } else {
                continue;
            }
        }
        chosen = (int)poll[k];
        break;
    }
    if (chosen >= 0 || has_default) {
        selunlock(lockorder, npoll);
        if (send_on_closed)
            chan_panic_closed_send();
        if (partner)
            gm_ready(partner);
        goto out;
    }

    /* pass 2: queue on every channel and park */
    _Atomic bool woken = false;
    atomic_store_explicit(&g->select_done, 0, memory_order_relaxed);
    g->param = NULL;
    for (size_t k = 0; k < npoll; k++) {
        uint32_t i = poll[k];
        gm_waiter *w = gm_waiter_get(g);
        w->elem = cases[i].elem;
        w->c = cases[i].chan;
        w->is_select = true;
        w->is_send = cases[i].dir == GM_SEND;
        w->unbuffered = w->c->dataqsiz == 0;
        w->case_index = (int)i;
        w->flag = &woken;
        w->race_ctx = RACE_CTX();
        RACE_RELEASE(&w->elem);
        waitq_enqueue(w->is_send ? &w->c->sendq : &w->c->recvq, w);
        waiters[k] = w;
    }
    for (size_t k = 0; k < npoll; k++) /* a ring: see waitq_dequeue */
        waiters[k]->sel_next = waiters[(k + 1) % npoll];
    selunlock(lockorder, npoll);
    gm_park_until(g, &woken);

    /* pass 3: leave the other queues; the winner is g->param. The winning
     * channel is not touched: its waker already took our waiters off it,
     * and its partner may have freed it since. */
    gm_waiter *won = g->param;
    gm_chan *wonc = won->c;
    size_t nlock = 0;
    for (size_t k = 0; k < npoll; k++)
        if (lockorder[k] != wonc)
            lockorder[nlock++] = lockorder[k];
    sellock(lockorder, nlock);
    for (size_t k = 0; k < npoll; k++) {
        gm_waiter *w = waiters[k];
        if (w != won && w->c != wonc)
            waitq_remove(w->is_send ? &w->c->sendq : &w->c->recvq, w);
    }
    selunlock(lockorder, nlock);
    chosen = won->case_index;
    bool success = won->success;
    chan_race_after_wake(won->c, won);
    for (size_t k = 0; k < npoll; k++)
        gm_waiter_put(waiters[k]);
    if (cases[chosen].dir == GM_RECV)
        cases[chosen].ok = success;
    else if (!success)
        chan_panic_closed_send();

out:
    if (n > STACK_CASES) {
        gm_free(poll);
        gm_free(lockorder);
        gm_free(waiters);
    }
    return chosen;
}
