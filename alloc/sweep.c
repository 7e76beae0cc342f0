/*
 * alloc/sweep.c — sweeping: span by span, lazily and in the background.
 *
 * After mark termination every span of collected objects is unswept (the
 * lists flip generation, see gc.h). A span is swept by whoever takes it
 * off an unswept list: an allocator that needs a span of that class
 * (gc_sweep_for_class, on demand, as Go's mcentral.cacheSpan), the
 * background worker (gc_sweep_one, until none is left), or the thread that
 * starts the next cycle (gc_sweep_finish: every span must be swept before
 * marking starts again). Sweeping a span: its mark bits become its alloc
 * bits (the survivors), the mark bits are cleared, freeindex goes back to
 * 0; a span with no survivor goes back to the page heap at once (and from
 * there, idle, to the OS through the scavenger). Freed slots are poisoned
 * under AddressSanitizer. A large object's span is freed if unmarked.
 *
 * Invariants: a span is on at most one list and never on one while cached
 * or being swept; a swept span's mark bits are all clear; a span is swept
 * at most once per cycle. Mark bits were written before the stop that
 * ended marking, so the sweeper reads them (relaxed) after that stop.
 * Locking: each class's lock guards its lists; sweeping one span runs in a
 * no-suspend region (a stop never sees a half-swept span; the thread that
 * starts a cycle has emptied the lists, and sweeps in flight finish before
 * the world stops).
 */
#include <string.h>

#include "gc.h"

gc_class_lists gc_classes[GC_NSPC];
gc_class_lists gc_large;
_Atomic uint32_t gc_sweep_idx;
_Atomic uint64_t gc_sweep_freed_bytes, gc_sweep_freed_objects, gc_spans_in_use, gc_span_bytes;
static _Atomic uint32_t sweep_cursor; /* where gc_sweep_one looks first */

void gc_sweep_init(void)
{
    for (int i = 0; i < GC_NSPC; i++)
        pthread_mutex_init(&gc_classes[i].lock, NULL);
    pthread_mutex_init(&gc_large.lock, NULL);
}

static inline gc_class_lists *lists_of(const gc_span *g)
{
    return g->large ? &gc_large : &gc_classes[g->spc];
}

static inline uint32_t swept_idx(void)
{
    return atomic_load_explicit(&gc_sweep_idx, memory_order_relaxed);
}

static inline void push(gc_span **head, gc_span *g)
{
    g->next = *head;
    *head = g;
}

static inline gc_span *pop(gc_span **head)
{
    gc_span *g = *head;
    if (g)
        *head = g->next;
    return g;
}

void gc_span_put(gc_span *g, bool has_free)
{
    gc_class_lists *cl = lists_of(g);
    gm_lock_nosusp(&cl->lock);
    uint32_t s = swept_idx();
    push(has_free ? &cl->partial[s] : &cl->full[s], g);
    gm_unlock_nosusp(&cl->lock);
}

void gc_span_put_unswept_stw(gc_span *g)
{
    push(&lists_of(g)->full[!swept_idx()], g);
}

void gc_sweep_flip_stw(void)
{
    atomic_store_explicit(&gc_sweep_idx, !swept_idx(), memory_order_relaxed);
}

static void free_span(gc_span *g)
{
    gm_span *s = g->span;
    /* release: a marker that still finds s in the page map sees no gc_span
     * (none runs now; the next cycle's markers start after a stop) */
    atomic_store_explicit(&s->gc, NULL, memory_order_release);
    GC_UNPOISON(s->start, s->npages * GM_PAGE_SIZE);
    atomic_fetch_sub_explicit(&gc_span_bytes, s->npages * GM_PAGE_SIZE, memory_order_relaxed);
    heap_free_span(s);
    gc_span_desc_free(g);
    atomic_fetch_sub_explicit(&gc_spans_in_use, 1, memory_order_relaxed);
}

/* Sweep g (taken off its unswept list by the caller). Returns -1 if the
 * span was freed, else whether it has a free slot. No-suspend region. */
static int sweep_span(gc_span *g)
{
    if (g->large) {
        bool live = atomic_load_explicit(&g->mark_bits[0], memory_order_relaxed) & 1;
        if (!live) {
            uint64_t bytes = g->span->npages * GM_PAGE_SIZE;
            atomic_fetch_add_explicit(&gc_sweep_freed_bytes, bytes, memory_order_relaxed);
            atomic_fetch_add_explicit(&gc_sweep_freed_objects, 1, memory_order_relaxed);
            free_span(g);
            return -1;
        }
        atomic_store_explicit(&g->mark_bits[0], 0, memory_order_relaxed);
        g->alloc_bits[0] = 1;
        g->nalloc = 1;
        return 0;
    }
    uint32_t n = g->nelems, fi = atomic_load_explicit(&g->freeindex, memory_order_relaxed);
    uint32_t nlive = 0, nfreed = 0;
    for (uint32_t w = 0; w * 64 < n; w++) {
        uint64_t live = atomic_load_explicit(&g->mark_bits[w], memory_order_relaxed);
        /* allocated: below freeindex, or a survivor of the last sweep */
        uint64_t below = fi >= (w + 1) * 64 ? ~(uint64_t)0
                         : fi > w * 64      ? ((uint64_t)1 << (fi - w * 64)) - 1
                                            : 0;
        uint64_t alloc = g->alloc_bits[w] | below;
        uint64_t freed = alloc & ~live;
        nlive += (uint32_t)__builtin_popcountll(live);
        nfreed += (uint32_t)__builtin_popcountll(freed);
#ifdef GC_ASAN
        for (uint64_t f = freed; f; f &= f - 1) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(f);
            GC_POISON(g->start + (uintptr_t)i * g->elem_size, g->elem_size);
        }
#endif
        g->alloc_bits[w] = live;
        atomic_store_explicit(&g->mark_bits[w], 0, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&gc_sweep_freed_bytes, (uint64_t)nfreed * g->elem_size,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&gc_sweep_freed_objects, nfreed, memory_order_relaxed);
    if (nlive == 0) {
        free_span(g);
        return -1;
    }
    atomic_store_explicit(&g->freeindex, 0, memory_order_relaxed);
    g->nalloc = nlive;
    g->needzero = 1;
    return nlive < n;
}

/* Take one unswept span of cl, or NULL. */
static gc_span *take_unswept(gc_class_lists *cl)
{
    gm_lock_nosusp(&cl->lock);
    uint32_t u = !swept_idx();
    gc_span *g = pop(&cl->partial[u]);
    if (!g)
        g = pop(&cl->full[u]);
    gm_unlock_nosusp(&cl->lock);
    return g;
}

static bool has_unswept(gc_class_lists *cl)
{
    uint32_t u = !swept_idx();
    /* a racy peek: callers re-check under the lock */
    return cl->partial[u] || cl->full[u];
}

/* Sweep one span of cl; false if it had none. */
static bool sweep_one_of(gc_class_lists *cl)
{
    gc_nosuspend_begin();
    gc_span *g = take_unswept(cl);
    if (g) {
        int r = sweep_span(g);
        if (r >= 0)
            gc_span_put(g, r);
    }
    gc_nosuspend_end();
    return g != NULL;
}

bool gc_sweep_one(void)
{
    uint32_t start = atomic_load_explicit(&sweep_cursor, memory_order_relaxed);
    for (uint32_t k = 0; k <= GC_NSPC; k++) {
        uint32_t i = (start + k) % (GC_NSPC + 1);
        gc_class_lists *cl = i == GC_NSPC ? &gc_large : &gc_classes[i];
        gm_lock_nosusp(&cl->lock);
        bool any = has_unswept(cl);
        gm_unlock_nosusp(&cl->lock);
        if (any && sweep_one_of(cl)) {
            atomic_store_explicit(&sweep_cursor, i, memory_order_relaxed);
            return true;
        }
    }
    return false;
}

gc_span *gc_sweep_for_class(int spc)
{
    gc_class_lists *cl = &gc_classes[spc];
    gm_lock_nosusp(&cl->lock);
    gc_span *g = pop(&cl->partial[swept_idx()]);
    gm_unlock_nosusp(&cl->lock);
    if (g)
        return g;
    /* Go's budget: sweep up to 100 spans of this class looking for room */
    for (int budget = 100; budget > 0; budget--) {
        g = take_unswept(cl);
        if (!g)
            return NULL;
        int r = sweep_span(g);
        if (r > 0)
            return g;
        if (r == 0)
            gc_span_put(g, false);
    }
    return NULL;
}

void gc_sweep_finish(void)
{
    while (gc_sweep_one()) {
    }
}
