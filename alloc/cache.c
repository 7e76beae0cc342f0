/*
 * alloc/cache.c — per-thread caches (Go's mcache), their slow paths, and
 * what happens to their spans when a thread exits.
 *
 * A cache owns spans: per class a doubly linked list whose head is cur[c]
 * (the span the fast path allocates from), and a list of full spans.
 * Everything on those lists is touched only by the owning thread, without
 * locks or atomics, except the xfree word (see span.c).
 *
 * Slow allocation for class c: refill cur from its own local frees, then
 * from its remote frees; when cur is exhausted it is parked on the full
 * list, unarmed (no atomic RMW), and the next span of the class takes over.
 * With no span left: armed full spans that were freed into come back
 * through the delayed list; unarmed ones are polled for remote frees (one
 * load each, FULL_POLL_BUDGET of them); then a central orphan is adopted;
 * then, before a fresh span comes from the page heap, the unarmed full
 * spans are armed (XF_ACTIVE -> XF_FULL, one CAS each, once per full
 * episode) so that a later remote free tells us about them. A local free
 * into a parked span moves it back with no atomic if it was not armed.
 *
 * A span whose objects are all free again goes back to the page heap at
 * once, unless it is cur (keeps a lone alloc/free pair from thrashing).
 *
 * Thread exit (pthread key destructor) or gm_thread_cache_flush: every
 * owned span is orphaned: all-free spans go to the page heap, spans with
 * free objects to their central list, full spans nowhere (the first remote
 * free lists them). The cache goes back to the pool for the next thread.
 *
 * Locking: pool_lock protects the pool, the registry and in_use. A thread
 * leaving XF_FULL or orphaning waits (spins) only while a remote freer
 * holds XF_NOTIFYING, which lasts a handful of stores.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "internal.h"
#include "os.h"

__thread gm_cache *gm_tls_cache __attribute__((tls_model("initial-exec")));

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static gm_cache *pool_free;  /* caches no thread uses */
static gm_cache *all_caches; /* registry of every cache ever made */
static pthread_key_t cache_key;

/* ---------- span lists of a cache ---------- */

static void set_cur(gm_cache *c, int k)
{
    c->cur[k] = c->partial[k] ? c->partial[k] : &gm_empty_span;
}

static void list_unlink(gm_span **head, gm_span *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void list_push(gm_span **head, gm_span *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

/* s becomes cur for its class. */
static void class_push_front(gm_cache *c, gm_span *s)
{
    list_push(&c->partial[s->size_class], s);
    set_cur(c, s->size_class);
}

/* s goes right after cur (cur keeps going), or becomes cur if none. */
static void class_push_second(gm_cache *c, gm_span *s)
{
    gm_span *head = c->partial[s->size_class];
    if (!head) {
        class_push_front(c, s);
        return;
    }
    s->prev = head;
    s->next = head->next;
    if (head->next)
        head->next->prev = s;
    head->next = s;
}

static void class_remove(gm_cache *c, gm_span *s)
{
    list_unlink(&c->partial[s->size_class], s);
    set_cur(c, s->size_class);
}

#define FULL_POLL_BUDGET 16
#define FULL_ARM_BUDGET  64

/* Full list of class k: unarmed spans at the head, armed at the tail. */
static void full_push_head(gm_cache *c, gm_span *s)
{
    int k = s->size_class;
    s->prev = NULL;
    s->next = c->full[k];
    if (s->next)
        s->next->prev = s;
    else
        c->full_tail[k] = s;
    c->full[k] = s;
}

static void full_push_tail(gm_cache *c, gm_span *s)
{
    int k = s->size_class;
    s->next = NULL;
    s->prev = c->full_tail[k];
    if (s->prev)
        s->prev->next = s;
    else
        c->full[k] = s;
    c->full_tail[k] = s;
}

static void full_unlink(gm_cache *c, gm_span *s)
{
    int k = s->size_class;
    if (s->prev)
        s->prev->next = s->next;
    else
        c->full[k] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        c->full_tail[k] = s->prev;
    s->next = s->prev = NULL;
}

/* s leaves the full list for the class list (after cur). */
static void full_to_partial(gm_cache *c, gm_span *s)
{
    full_unlink(c, s);
    s->in_full = 0;
    s->armed = 0;
    class_push_second(c, s);
}

/* Move armed full spans that other threads freed into back to their class
 * lists. */
static void drain_delayed(gm_cache *c)
{
    /* acquire: pairs with the release CAS in notify_owner (span.c) */
    gm_span *s = atomic_exchange_explicit(&c->delayed, NULL, memory_order_acquire);
    while (s) {
        gm_span *next = atomic_load_explicit(&s->delayed_next, memory_order_relaxed);
        if (s->in_full && s->armed) /* else: already back through a local free */
            full_to_partial(c, s);
        s = next;
    }
}

static void drain_delayed_if_any(gm_cache *c)
{
    if (atomic_load_explicit(&c->delayed, memory_order_acquire) != NULL)
        drain_delayed(c);
}

/* cur span s has nothing left: park it, unarmed, on its full list. */
static void park_full(gm_cache *c, gm_span *s)
{
    class_remove(c, s);
    s->in_full = 1;
    s->armed = 0;
    full_push_head(c, s);
}

/* Poll the unarmed full spans of class k for remote frees (a load each). */
static void poll_full(gm_cache *c, int k)
{
    gm_span *s = c->full[k];
    for (int n = 0; s && !s->armed && n < FULL_POLL_BUDGET; n++) {
        gm_span *next = s->next;
        if (atomic_load_explicit(&s->xfree, memory_order_relaxed) & ~(uintptr_t)XF_STATE_MASK)
            full_to_partial(c, s);
        s = next;
    }
}

/* About to take fresh memory for class k: arm the unarmed full spans, so a
 * remote free into any of them tells us (instead of being polled for). */
static void arm_full(gm_cache *c, int k)
{
    /* A span may still be on the delayed list from an earlier armed
     * episode; it must leave before it can be pushed again (the link is in
     * the span). */
    drain_delayed_if_any(c);
    for (int n = 0; n < FULL_ARM_BUDGET; n++) {
        gm_span *s = c->full[k];
        if (!s || s->armed)
            return;
        full_unlink(c, s);
        uintptr_t expect = XF_ACTIVE;
        /* release: pairs with the acquire CAS of the remote freer that will
         * see FULL and read s->owner */
        if (atomic_compare_exchange_strong_explicit(&s->xfree, &expect, (uintptr_t)XF_FULL,
                                                    memory_order_release, memory_order_relaxed)) {
            s->armed = 1;
            full_push_tail(c, s);
        } else { /* freed into meanwhile */
            s->in_full = 0;
            class_push_second(c, s);
        }
    }
}

/* Make sure no remote freer will notify us about s any more: FULL ->
 * ACTIVE, waiting out a NOTIFYING freer. */
static void leave_full_state(gm_span *s)
{
    uintptr_t old = atomic_load_explicit(&s->xfree, memory_order_acquire);
    for (;;) {
        uintptr_t st = old & XF_STATE_MASK;
        if (st == XF_ACTIVE)
            return;
        if (st == XF_NOTIFYING) {
            sched_yield();
            old = atomic_load_explicit(&s->xfree, memory_order_acquire);
            continue;
        }
        if (atomic_compare_exchange_weak_explicit(&s->xfree, &old,
                                                  (old & ~(uintptr_t)XF_STATE_MASK) | XF_ACTIVE,
                                                  memory_order_acq_rel, memory_order_acquire))
            return;
    }
}

/* ---------- slow paths ---------- */

void *cache_alloc_slow(int k)
{
    gm_cache *c = gm_tls_cache;
    if (!c && !(c = cache_get())) {
        errno = ENOMEM;
        return NULL;
    }
    gm_span *s;
    for (;;) {
        s = c->cur[k];
        if (s != &gm_empty_span) {
            if (s->freelist)
                break;
            if (s->local_free) {
                s->freelist = s->local_free;
                s->local_free = NULL;
                break;
            }
            uint32_t n;
            gm_free_obj *list = span_collect_xfree(s, &n);
            if (list) {
                s->freelist = list;
                s->used -= n;
                break;
            }
            park_full(c, s);
            continue;
        }
        drain_delayed_if_any(c);
        if (c->partial[k])
            continue;
        poll_full(c, k);
        if (c->partial[k])
            continue;
        s = central_adopt(k, c);
        if (!s) {
            arm_full(c, k);
            if (c->partial[k])
                continue;
            s = heap_alloc_span(gm_class_to_npages[k], 1, SPAN_SMALL, k);
            if (!s) {
                errno = ENOMEM;
                return NULL;
            }
            span_init_small(s, k);
            atomic_store_explicit(&s->owner, c, memory_order_relaxed);
        }
        s->in_full = 0;
        s->armed = 0;
        class_push_front(c, s);
    }
    gm_stack_scrub_if_grown();
    gm_free_obj *o = s->freelist;
    s->freelist = o->next;
    s->used++;
    counter_inc(&c->nmalloc[k]);
    return o;
}

void cache_free_local_slow(gm_cache *c, gm_span *s)
{
    if (s->in_full) {
        if (s->armed)
            leave_full_state(s);
        full_to_partial(c, s);
    }
    if (s->used == 0 && s != c->cur[s->size_class]) {
        /* s may sit on the delayed list (it was armed once): drain first so
         * no stale link to a recycled descriptor is left. */
        drain_delayed_if_any(c);
        class_remove(c, s);
        heap_free_span(s);
    }
}

/* ---------- orphaning and thread exit ---------- */

static void orphan_span(gm_span *s)
{
    leave_full_state(s);
    s->in_full = 0;
    s->armed = 0;
    atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
    span_freelist_prepend(s, s->local_free);
    s->local_free = NULL;
    uintptr_t target;
    for (;;) {
        uint32_t n;
        span_freelist_prepend(s, span_collect_xfree(s, &n));
        s->used -= n;
        if (s->used == 0) { /* all free: nobody may push to it any more */
            heap_free_span(s);
            return;
        }
        target = s->freelist ? XF_LISTED : XF_ORPHAN;
        uintptr_t expect = XF_ACTIVE;
        /* release: pairs with the acquire CAS of the remote freer that
         * leaves ORPHAN, or of the adopter (through the central lock) */
        if (atomic_compare_exchange_strong_explicit(&s->xfree, &expect, target,
                                                    memory_order_release, memory_order_relaxed))
            break;
    }
    /* s's links were cleared when it left the cache's list; after the CAS
     * a remote freer may already be listing it (if ORPHAN): hands off. */
    if (target == XF_LISTED)
        central_list(s);
}

void cache_release(gm_cache *c)
{
    for (int k = 1; k < GM_NUM_CLASSES; k++) {
        while (c->partial[k]) {
            gm_span *s = c->partial[k];
            list_unlink(&c->partial[k], s);
            orphan_span(s);
        }
        c->cur[k] = &gm_empty_span;
        while (c->full[k]) {
            gm_span *s = c->full[k];
            full_unlink(c, s);
            orphan_span(s);
        }
    }
    /* Whatever is on the delayed list was orphaned above. */
    atomic_store_explicit(&c->delayed, NULL, memory_order_relaxed);
    gm_lock_nosusp(&pool_lock);
    atomic_store_explicit(&c->in_use, false, memory_order_relaxed);
    c->pool_next = pool_free;
    pool_free = c;
    gm_unlock_nosusp(&pool_lock);
}

static void cache_thread_exit(void *arg)
{
    gm_cache *c = arg;
    if (gm_tls_cache == c)
        gm_tls_cache = NULL;
    cache_release(c);
}

void gm_thread_cache_flush(void)
{
    gm_cache *c = gm_tls_cache;
    if (!c)
        return;
    gm_tls_cache = NULL;
    pthread_setspecific(cache_key, NULL);
    cache_release(c);
}

static void init_cache_fields(gm_cache *c)
{
    for (int k = 0; k < GM_NUM_CLASSES; k++)
        c->cur[k] = &gm_empty_span;
}

gm_cache *cache_get(void)
{
    gm_alloc_ensure_init();
    gm_cache *c = gm_tls_cache;
    if (c)
        return c;
    gm_lock_nosusp(&pool_lock);
    c = pool_free;
    if (c) {
        pool_free = c->pool_next;
    } else {
        c = meta_alloc(sizeof *c);
        if (!c) {
            gm_unlock_nosusp(&pool_lock);
            return NULL;
        }
        init_cache_fields(c);
        c->all_next = all_caches;
        all_caches = c;
    }
    atomic_store_explicit(&c->in_use, true, memory_order_relaxed);
    c->thread = pthread_self();
    gm_unlock_nosusp(&pool_lock);
    /* TLS first: pthread_setspecific may allocate, and must find the cache */
    gm_tls_cache = c;
    pthread_setspecific(cache_key, c);
    gm_alloc_register_atfork();
    return c;
}

void cache_read_counts(uint64_t nmalloc[GM_NUM_CLASSES], uint64_t nfree[GM_NUM_CLASSES],
                       uint64_t *threads)
{
    *threads = 0;
    gm_lock_nosusp(&pool_lock);
    for (gm_cache *c = all_caches; c; c = c->all_next) {
        for (int k = 0; k < GM_NUM_CLASSES; k++) {
            nmalloc[k] += atomic_load_explicit(&c->nmalloc[k], memory_order_relaxed);
            nfree[k] += atomic_load_explicit(&c->nfree[k], memory_order_relaxed);
        }
        *threads += atomic_load_explicit(&c->in_use, memory_order_relaxed);
    }
    gm_unlock_nosusp(&pool_lock);
}

void cache_init(void)
{
    pthread_key_create(&cache_key, cache_thread_exit);
}

void cache_lock_for_fork(void)
{
    gm_lock_nosusp(&pool_lock);
}

void cache_unlock_after_fork(int child)
{
    if (!child) {
        gm_unlock_nosusp(&pool_lock);
        return;
    }
    pthread_mutex_init(&pool_lock, NULL);
    gc_nosuspend_end(); /* the child's lock is new: end the region taken at prefork */
    /* A remote freer that was notifying an owner at the fork is gone: its
     * span would stay NOTIFYING (and its owner spin) forever. Finish for it:
     * back to ACTIVE, unarmed, so polling finds its remote frees. */
    for (gm_cache *c = all_caches; c; c = c->all_next) {
        for (int k = 1; k < GM_NUM_CLASSES; k++) {
            gm_span *lists[2] = {c->full[k], c->partial[k]};
            for (int l = 0; l < 2; l++) {
                for (gm_span *s = lists[l]; s; s = s->next) {
                    uintptr_t x = atomic_load_explicit(&s->xfree, memory_order_relaxed);
                    if ((x & XF_STATE_MASK) == XF_NOTIFYING) {
                        atomic_store_explicit(&s->xfree,
                                              (x & ~(uintptr_t)XF_STATE_MASK) | XF_ACTIVE,
                                              memory_order_relaxed);
                        s->armed = 0;
                    }
                }
            }
        }
    }
    /* The other threads are gone in the child: their caches go back to the
     * pool as they are, spans and all, for the child's next threads. */
    for (gm_cache *c = all_caches; c; c = c->all_next) {
        if (c == gm_tls_cache || !atomic_load_explicit(&c->in_use, memory_order_relaxed))
            continue;
        atomic_store_explicit(&c->in_use, false, memory_order_relaxed);
        c->pool_next = pool_free;
        pool_free = c;
    }
}
