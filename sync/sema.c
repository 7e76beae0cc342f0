/*
 * sync/sema.c — semaphores keyed by address (Go's runtime/sema.go).
 *
 * *addr is the count. A table of 251 buckets, picked by address, holds the
 * waiters: each bucket has a gm_lock, a FIFO list and nwait, the number of
 * waiters (atomic, so semrelease skips the lock when nobody waits).
 *
 * Invariants: a waiter is on its bucket's list iff it has not been handed
 * a wake-up; nwait >= waiters on the list.
 * Orders: the count is changed with acq_rel RMWs (a release pairs with the
 * acquire of the CAS that takes the count); nwait is seq_cst so that
 * semrelease's "no waiters" check cannot miss a waiter that incremented
 * nwait before re-checking the count (the Dekker pair of Go's sema.go).
 */
#define _GNU_SOURCE
#include "sema.h"

#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>

#include "futex.h"
#include "g.h"

#define SEMTAB_SIZE 251

typedef struct sema_bucket {
    gm_lock lock;
    _Atomic uint32_t nwait;
    gm_waiter *head, *tail;
    char pad[64 - sizeof(gm_lock) - sizeof(uint32_t) - 2 * sizeof(void *)];
} sema_bucket;

static sema_bucket semtab[SEMTAB_SIZE];

static sema_bucket *bucket_of(const void *addr)
{
    return &semtab[((uintptr_t)addr >> 3) % SEMTAB_SIZE];
}

static bool can_acquire(uint32_t *addr)
{
    _Atomic uint32_t *a = (_Atomic uint32_t *)addr;
    uint32_t v = atomic_load_explicit(a, memory_order_relaxed);
    while (v > 0) {
        /* acquire: pairs with the release add in gm_semrelease */
        if (atomic_compare_exchange_weak_explicit(a, &v, v - 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    }
    return false;
}

void gm_semacquire(uint32_t *addr, bool lifo)
{
    if (can_acquire(addr))
        return;
    gm_g *g = gm_getg();
    sema_bucket *b = bucket_of(addr);
    gm_waiter *w = gm_waiter_get(g);
    w->addr = addr;
    for (;;) {
        gm_lock_acquire(&b->lock);
        atomic_fetch_add_explicit(&b->nwait, 1, memory_order_seq_cst);
        if (can_acquire(addr)) {
            atomic_fetch_sub_explicit(&b->nwait, 1, memory_order_seq_cst);
            gm_lock_release(&b->lock);
            break;
        }
        w->ticket = 0;
        atomic_store_explicit(&w->done, false, memory_order_relaxed);
        if (lifo && b->head) {
            w->prev = NULL;
            w->next = b->head;
            b->head->prev = w;
            b->head = w;
        } else {
            w->next = NULL;
            w->prev = b->tail;
            if (b->tail)
                b->tail->next = w;
            else
                b->head = w;
            b->tail = w;
        }
        gm_lock_release(&b->lock);
        gm_park_until_done(g, w);
        if (w->ticket || can_acquire(addr))
            break;
        lifo = true; /* waited once already: go to the front next time */
    }
    gm_waiter_put(w);
}

void gm_semrelease(uint32_t *addr, bool handoff)
{
    sema_bucket *b = bucket_of(addr);
    /* release: pairs with the acquire CAS in can_acquire */
    atomic_fetch_add_explicit((_Atomic uint32_t *)addr, 1, memory_order_release);
    if (atomic_load_explicit(&b->nwait, memory_order_seq_cst) == 0)
        return;
    gm_lock_acquire(&b->lock);
    if (atomic_load_explicit(&b->nwait, memory_order_seq_cst) == 0) {
        gm_lock_release(&b->lock);
        return;
    }
    gm_waiter *w = b->head;
    while (w && w->addr != addr)
        w = w->next;
    if (w) {
        if (w->prev)
            w->prev->next = w->next;
        else
            b->head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        else
            b->tail = w->prev;
        w->next = w->prev = NULL;
        atomic_fetch_sub_explicit(&b->nwait, 1, memory_order_seq_cst);
    }
    gm_lock_release(&b->lock);
    if (!w)
        return;
    if (handoff && can_acquire(addr))
        w->ticket = 1;
    gm_ready(w);
    if (handoff)
        sched_yield(); /* let the waiter run: Go's goyield */
}

void gm_sema_atfork_child(void)
{
    for (size_t i = 0; i < SEMTAB_SIZE; i++) {
        atomic_store_explicit(&semtab[i].lock.state, 0, memory_order_relaxed);
        atomic_store_explicit(&semtab[i].nwait, 0, memory_order_relaxed);
        semtab[i].head = semtab[i].tail = NULL;
    }
}
