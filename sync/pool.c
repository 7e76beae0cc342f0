/*
 * sync/pool.c — gm_pool, Go's sync.Pool.
 *
 * Per thread (indexed by the collector's small thread index, unique among
 * live threads: Go indexes by P) a pool_local holds a private slot and a
 * shared poolChain. Put: the private slot if empty, else push at the head
 * of the own chain. Get: private, then pop the own chain's head, then
 * steal from the tail of the other threads' chains, then the victim cache
 * (own private, then every tail), then new_fn. At the start of every
 * collection (world stopped: gc_register_stw_hook), each pool's victim
 * cache is dropped and its primary cache becomes the victim: a pooled
 * object survives one collection and is dropped by the second.
 *
 * poolChain and poolDequeue are Go's: a chain of lock-free single-producer
 * multi-consumer ring buffers, the owner pushing and popping at the head,
 * other threads popping at the tail, each ring twice the size of the one
 * before. headTail packs head (high 32 bits) and tail (low 32); a slot is
 * NULL when free: popTail clears it last (release) and pushHead checks it
 * (acquire) before reuse. pushHead publishes the value with a release
 * increment of head; pops take a slot with an acq_rel CAS of headTail.
 *
 * Memory: the pool itself is a gm_malloc block (a root of the collector,
 * never freed); the per-thread arrays and chain links are gm_new objects,
 * so a thread still working on an array the cleanup replaced keeps it
 * alive. Every pointer overwritten in those objects is shaded first while
 * the collector marks (gc_shade_if_marking: the write barrier done by
 * hand; the stores are atomics, not gm_write_ptr).
 *
 * Race checker (Go's rule: a Put happens before the Get that returns the
 * object): Put release-merges, Get acquires, a clock chosen by the
 * object's address.
 */
#include <gomm/gc.h>

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <gomm/alloc.h>

#include "../alloc/gc.h"
#include "race_hooks.h"

#define DEQUEUE_MIN 8
#define DEQUEUE_MAX (1u << 30)

typedef struct pool_dequeue {
    _Atomic uint64_t head_tail;
    uint32_t size; /* power of two */
    _Atomic(void *) vals[];
} pool_dequeue;

typedef struct chain_elt {
    struct chain_elt *_Atomic next; /* written by the owner, read by stealers */
    struct chain_elt *_Atomic prev; /* written by the owner and stealers */
    pool_dequeue d;                 /* last: its vals[] follow */
} chain_elt;

typedef struct pool_local {
    _Atomic(void *) priv;               /* owner only (relaxed) */
    chain_elt *_Atomic head;            /* owner only */
    chain_elt *_Atomic tail;            /* owner sets once; stealers CAS */
    char pad[128 - 3 * sizeof(void *)]; /* no false sharing between threads */
} pool_local;

typedef struct pool_locals {
    size_t n;
    size_t pad;
    pool_local l[];
} pool_locals;

struct gm_pool {
    void *(*new_fn)(void);
    _Atomic(pool_locals *) local;  /* replaced by pin_slow; NULL after a cleanup */
    _Atomic(pool_locals *) victim; /* the previous cycle's local */
    pthread_mutex_t mu;            /* pin_slow */
    struct gm_pool *next;          /* all_pools (immutable once pushed) */
};

static gm_pool *_Atomic all_pools;
static pthread_once_t hook_once = PTHREAD_ONCE_INIT;
#ifdef GOMM_RACE
static char race_clocks[128];
#define RACE_ADDR(x) (&race_clocks[((uintptr_t)(x) >> 4) % sizeof race_clocks])
#endif

/* ---------- poolDequeue ---------- */

static inline uint64_t pack(uint32_t head, uint32_t tail)
{
    return ((uint64_t)head << 32) | tail;
}

static bool dq_push_head(pool_dequeue *d, void *val)
{
    uint64_t ht = atomic_load_explicit(&d->head_tail, memory_order_acquire);
    uint32_t head = (uint32_t)(ht >> 32), tail = (uint32_t)ht;
    if ((uint32_t)(tail + d->size) == head)
        return false; /* full */
    _Atomic(void *) *slot = &d->vals[head & (d->size - 1)];
    /* acquire: pairs with popTail's release store that frees the slot */
    if (atomic_load_explicit(slot, memory_order_acquire) != NULL)
        return false; /* a stealer has not finished with it: full for now */
    gc_shade_if_marking(val);
    atomic_store_explicit(slot, val, memory_order_relaxed);
    /* release: publishes the slot to the pops' acquire CAS */
    atomic_fetch_add_explicit(&d->head_tail, (uint64_t)1 << 32, memory_order_release);
    return true;
}

static void *dq_pop_head(pool_dequeue *d)
{
    _Atomic(void *) *slot;
    for (;;) {
        uint64_t ht = atomic_load_explicit(&d->head_tail, memory_order_acquire);
        uint32_t head = (uint32_t)(ht >> 32), tail = (uint32_t)ht;
        if (tail == head)
            return NULL;
        head--;
        /* acq_rel: take the slot against stealers' CAS */
        if (atomic_compare_exchange_weak_explicit(&d->head_tail, &ht, pack(head, tail),
                                                  memory_order_acq_rel, memory_order_acquire)) {
            slot = &d->vals[head & (d->size - 1)];
            break;
        }
    }
    void *val = atomic_load_explicit(slot, memory_order_relaxed);
    gc_shade_if_marking(val);
    atomic_store_explicit(slot, NULL, memory_order_relaxed);
    return val;
}

static void *dq_pop_tail(pool_dequeue *d)
{
    _Atomic(void *) *slot;
    for (;;) {
        uint64_t ht = atomic_load_explicit(&d->head_tail, memory_order_acquire);
        uint32_t head = (uint32_t)(ht >> 32), tail = (uint32_t)ht;
        if (tail == head)
            return NULL;
        /* acq_rel: acquire pairs with pushHead's release increment */
        if (atomic_compare_exchange_weak_explicit(&d->head_tail, &ht, pack(head, tail + 1),
                                                  memory_order_acq_rel, memory_order_acquire)) {
            slot = &d->vals[tail & (d->size - 1)];
            break;
        }
    }
    void *val = atomic_load_explicit(slot, memory_order_relaxed);
    gc_shade_if_marking(val);
    /* release: the owner's pushHead may reuse the slot after this */
    atomic_store_explicit(slot, NULL, memory_order_release);
    return val;
}

/* ---------- poolChain ---------- */

static chain_elt *elt_new(uint32_t size)
{
    chain_elt *e = gm_new(sizeof(chain_elt) + (size_t)size * sizeof(void *));
    if (!e)
        gm_fatal("gm_pool: out of memory");
    e->d.size = size;
    return e;
}

static void chain_push_head(pool_local *l, void *val)
{
    chain_elt *d = atomic_load_explicit(&l->head, memory_order_relaxed);
    if (!d) {
        d = elt_new(DEQUEUE_MIN);
        gc_shade_if_marking(d);
        atomic_store_explicit(&l->head, d, memory_order_relaxed);
        /* release: stealers that load tail see the initialized ring */
        atomic_store_explicit(&l->tail, d, memory_order_release);
    }
    if (dq_push_head(&d->d, val))
        return;
    uint32_t size = d->d.size < DEQUEUE_MAX ? d->d.size * 2 : DEQUEUE_MAX;
    chain_elt *d2 = elt_new(size);
    atomic_store_explicit(&d2->prev, d, memory_order_relaxed);
    gc_shade_if_marking(d); /* overwritten in head */
    atomic_store_explicit(&l->head, d2, memory_order_relaxed);
    gc_shade_if_marking(d2);
    /* release: stealers that follow next see d2 initialized */
    atomic_store_explicit(&d->next, d2, memory_order_release);
    dq_push_head(&d2->d, val);
}

static void *chain_pop_head(pool_local *l)
{
    chain_elt *d = atomic_load_explicit(&l->head, memory_order_relaxed);
    while (d) {
        void *v = dq_pop_head(&d->d);
        if (v)
            return v;
        /* acquire: pairs with the stealer's store clearing prev */
        d = atomic_load_explicit(&d->prev, memory_order_acquire);
    }
    return NULL;
}

static void *chain_pop_tail(pool_local *l)
{
    /* acquire: pairs with the release stores of tail */
    chain_elt *d = atomic_load_explicit(&l->tail, memory_order_acquire);
    if (!d)
        return NULL;
    for (;;) {
        /* next before the pop (Go's order): if d is empty and next is
         * NULL, no push can have gone to a later ring we would miss */
        chain_elt *d2 = atomic_load_explicit(&d->next, memory_order_acquire);
        void *v = dq_pop_tail(&d->d);
        if (v)
            return v;
        if (!d2)
            return NULL;
        /* d is drained for good: drop it from the chain */
        chain_elt *expect = d;
        if (atomic_compare_exchange_strong_explicit(&l->tail, &expect, d2, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            gc_shade_if_marking(d);
            gc_shade_if_marking(atomic_load_explicit(&d2->prev, memory_order_relaxed));
            /* release: the owner's popHead stops going back to d */
            atomic_store_explicit(&d2->prev, NULL, memory_order_release);
        }
        d = d2;
    }
}

/* ---------- the pool ---------- */

static void pool_cleanup(void)
{
    /* world stopped, marking not started: no barrier needed (and the
     * pool is gm_malloc memory, a root) */
    for (gm_pool *p = atomic_load_explicit(&all_pools, memory_order_acquire); p; p = p->next) {
        atomic_store_explicit(&p->victim, atomic_load_explicit(&p->local, memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(&p->local, NULL, memory_order_relaxed);
    }
}

static void register_hook(void)
{
    gc_register_stw_hook(pool_cleanup);
}

gm_pool *gm_pool_make(void *(*new_fn)(void))
{
    pthread_once(&hook_once, register_hook);
    gm_pool *p = gm_malloc(sizeof *p);
    if (!p)
        gm_fatal("gm_pool_make: out of memory");
    memset(p, 0, sizeof *p);
    p->new_fn = new_fn;
    pthread_mutex_init(&p->mu, NULL);
    gm_pool *head = atomic_load_explicit(&all_pools, memory_order_relaxed);
    do
        p->next = head;
    /* release: the cleanup's acquire load sees p initialized */
    while (!atomic_compare_exchange_weak_explicit(&all_pools, &head, p, memory_order_release,
                                                  memory_order_relaxed));
    return p;
}

/* Grows the per-thread array to hold idx. The new array is allocated
 * outside the lock (gm_new may stop this thread for a collection) and
 * installed under it, in a no-suspend region, so no thread is ever
 * stopped holding p->mu: under ThreadSanitizer, which defers the stop
 * signal of a thread blocked in pthread_mutex_lock, a holder stopped in
 * gm_new left the waiters unable to acknowledge the stop (a deadlock). */
static pool_local *pin_slow(gm_pool *p, int idx)
{
    for (;;) {
        pool_locals *L = atomic_load_explicit(&p->local, memory_order_acquire);
        if (L && (size_t)idx < L->n)
            return &L->l[idx];
        size_t n = L ? L->n * 2 : 16;
        while (n <= (size_t)idx)
            n *= 2;
        pool_locals *nl = gm_new(sizeof(pool_locals) + n * sizeof(pool_local));
        if (!nl)
            gm_fatal("gm_pool: out of memory");
        nl->n = n;
        gm_lock_nosusp(&p->mu);
        bool ours = atomic_load_explicit(&p->local, memory_order_relaxed) == L;
        if (ours)
            /* release: pairs with the acquire load in pin; the pool is
             * gm_malloc memory (a root): no barrier */
            atomic_store_explicit(&p->local, nl, memory_order_release);
        gm_unlock_nosusp(&p->mu);
        if (ours)
            return &nl->l[idx];
        /* another thread grew it first: nl is garbage; look again */
    }
}

static inline pool_local *pin(gm_pool *p, int *idx)
{
    *idx = gc_thread_index();
    pool_locals *L = atomic_load_explicit(&p->local, memory_order_acquire);
    if (L && (size_t)*idx < L->n)
        return &L->l[*idx];
    return pin_slow(p, *idx);
}

void gm_pool_put(gm_pool *p, void *x)
{
    if (!x)
        return;
#ifdef GOMM_RACE
    RACE_RELEASE_MERGE(RACE_ADDR(x));
#endif
    int idx;
    pool_local *l = pin(p, &idx);
    if (atomic_load_explicit(&l->priv, memory_order_relaxed) == NULL) {
        gc_shade_if_marking(x);
        atomic_store_explicit(&l->priv, x, memory_order_relaxed);
        return;
    }
    chain_push_head(l, x);
}

static void *get_slow(gm_pool *p, int idx)
{
    pool_locals *L = atomic_load_explicit(&p->local, memory_order_acquire);
    if (L) {
        for (size_t i = 1; i < L->n; i++) {
            void *x = chain_pop_tail(&L->l[(idx + i) % L->n]);
            if (x)
                return x;
        }
    }
    pool_locals *V = atomic_load_explicit(&p->victim, memory_order_acquire);
    if (!V)
        return NULL;
    if ((size_t)idx < V->n) {
        pool_local *l = &V->l[idx];
        void *x = atomic_load_explicit(&l->priv, memory_order_relaxed);
        if (x) {
            gc_shade_if_marking(x);
            atomic_store_explicit(&l->priv, NULL, memory_order_relaxed);
            return x;
        }
    }
    for (size_t i = 0; i < V->n; i++) {
        void *x = chain_pop_tail(&V->l[(idx + i) % V->n]);
        if (x)
            return x;
    }
    /* the victim cache is empty: later Gets need not look (Go does this) */
    pool_locals *expect = V;
    atomic_compare_exchange_strong_explicit(&p->victim, &expect, NULL, memory_order_relaxed,
                                            memory_order_relaxed);
    return NULL;
}

void *gm_pool_get(gm_pool *p)
{
    int idx;
    pool_local *l = pin(p, &idx);
    void *x = atomic_load_explicit(&l->priv, memory_order_relaxed);
    if (x) {
        gc_shade_if_marking(x);
        atomic_store_explicit(&l->priv, NULL, memory_order_relaxed);
    } else {
        x = chain_pop_head(l);
        if (!x)
            x = get_slow(p, idx);
    }
#ifdef GOMM_RACE
    if (x)
        RACE_ACQUIRE(RACE_ADDR(x));
#endif
    if (!x && p->new_fn)
        x = p->new_fn();
    return x;
}
