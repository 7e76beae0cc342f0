/*
 * alloc/gcalloc.c — allocating collected objects: gm_new, gm_new_noscan,
 * gm_new_typed, span classes, per-thread caches of collected spans.
 *
 * Collected objects use the allocator's size classes and page heap but
 * spans of their own (kind SPAN_GC), three per size class as Go separates
 * scan and noscan spans: conservative, noscan and typed (a typed object's
 * slot starts with its interned pointer mask). A span allocates in address
 * order through freeindex and its alloc bits, as Go's mspan: slots below
 * freeindex are allocated, and so are those whose alloc bit is set (the
 * survivors of the last sweep). Objects larger than 32 KiB get a span
 * each.
 *
 * Invariants:
 *  - a span is cached by at most one thread (gc_thread.cache.cur), which
 *    alone advances its freeindex (release store: the marker's acquire
 *    load then sees a typed slot's header and, while marking, its mark
 *    bit, both written first);
 *  - during marking every new object's mark bit is set before it is
 *    visible (allocate black); the decision to do so and the slot taken
 *    are one step the world cannot stop in the middle of: the fast path is
 *    in the gomm_nosusp section and runs only with gm_gc_state == 0, the
 *    slow path in a no-suspend region;
 *  - a cached span was swept in the current cycle (mark termination
 *    flushes every cache, world stopped).
 * Locking: class lists (sweep.c) and the type table under their locks, in
 * no-suspend regions. Counters are per thread, summed at mark termination.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <gomm/gc.h>

#include "gc.h"
#include "os.h"
#include "race_hooks.h"

gc_span gc_empty_span; /* nelems 0: every fast path misses */

/* ---------- span descriptors ---------- */

static pthread_mutex_t desc_lock = PTHREAD_MUTEX_INITIALIZER;
static gc_span *desc_free;

gc_span *gc_span_desc_new(void)
{
    gm_lock_nosusp(&desc_lock);
    gc_span *g = desc_free;
    if (g)
        desc_free = g->next;
    gm_unlock_nosusp(&desc_lock);
    if (!g && !(g = meta_alloc(sizeof *g)))
        return NULL;
    memset(g, 0, sizeof *g);
    return g;
}

void gc_span_desc_free(gc_span *g)
{
    gm_lock_nosusp(&desc_lock);
    g->next = desc_free;
    desc_free = g;
    gm_unlock_nosusp(&desc_lock);
}

/* A fresh span of class spc from the page heap (no-suspend region). */
static gc_span *span_new(int spc)
{
    int k = spc / GC_FLAVORS;
    gm_span *s = heap_alloc_span(gm_class_to_npages[k], 1, SPAN_GC, k);
    if (!s)
        return NULL;
    gc_span *g = gc_span_desc_new();
    if (!g) {
        heap_free_span(s);
        return NULL;
    }
    uint32_t size = gm_class_to_size[k];
    g->span = s;
    g->start = s->start;
    g->elem_size = size;
    g->nelems = (uint32_t)(s->npages * GM_PAGE_SIZE / size);
    g->limit = g->start + (uintptr_t)g->nelems * size;
    g->spc = (uint16_t)spc;
    g->flavor = (uint8_t)(spc % GC_FLAVORS);
    g->needzero = s->needzero;
    GC_UNPOISON(g->start, s->npages * GM_PAGE_SIZE);
    atomic_fetch_add_explicit(&gc_spans_in_use, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&gc_span_bytes, s->npages * GM_PAGE_SIZE, memory_order_relaxed);
    /* release: pairs with the marker's acquire load of s->gc */
    atomic_store_explicit(&s->gc, g, memory_order_release);
    return g;
}

/* The next free slot at or after freeindex, or -1 (owner only). */
static inline __attribute__((always_inline)) int64_t span_next_free(const gc_span *g)
{
    uint32_t i = atomic_load_explicit(&g->freeindex, memory_order_relaxed);
    while (i < g->nelems) {
        uint64_t free = ~g->alloc_bits[i >> 6] & (~(uint64_t)0 << (i & 63));
        if (free) {
            uint32_t j = (i & ~63u) + (uint32_t)__builtin_ctzll(free);
            return j < g->nelems ? (int64_t)j : -1;
        }
        i = (i & ~63u) + 64;
    }
    return -1;
}

/* cur[spc] is exhausted: park it on its full list and cache a span with a
 * free slot (swept on demand, or fresh). No-suspend region. */
static gc_span *refill(gc_thread *t, int spc)
{
    gc_span *old = t->cache.cur[spc];
    if (old != &gc_empty_span) {
        old->cached = 0;
        gc_span_put(old, false);
        t->cache.cur[spc] = &gc_empty_span;
    }
    gc_span *g = gc_sweep_for_class(spc);
    if (!g)
        g = span_new(spc);
    if (!g)
        return NULL;
    g->cached = 1;
    t->cache.cur[spc] = g;
    /* Go's accounting: a cached span's free slots count as in use (an
     * over-estimate until mark termination recounts) */
    uint64_t charge = (uint64_t)(g->nelems - g->nalloc) * g->elem_size;
    atomic_fetch_add_explicit(&gc_heap_live, charge, memory_order_relaxed);
    gc_counter_add(&t->alloc_bytes, charge);
    return g;
}

static void *alloc_large(gc_thread *t, size_t n, size_t need, int flavor, const gc_type *ty)
{
    size_t npages = (need + GM_PAGE_SIZE - 1) / GM_PAGE_SIZE;
    if (need > ((size_t)1 << 46)) {
        errno = ENOMEM;
        return NULL;
    }
    gc_nosuspend_begin();
    gm_span *s = heap_alloc_span(npages, 1, SPAN_GC, 0);
    gc_span *g = s ? gc_span_desc_new() : NULL;
    if (!g) {
        if (s)
            heap_free_span(s);
        gc_nosuspend_end();
        errno = ENOMEM;
        return NULL;
    }
    g->span = s;
    g->start = s->start;
    g->limit = s->start + ((need + 7) & ~(size_t)7);
    g->elem_size = (uint32_t)(g->limit - g->start <= UINT32_MAX ? g->limit - g->start : 0);
    g->nelems = 1;
    g->large = 1;
    g->flavor = (uint8_t)flavor;
    g->needzero = s->needzero;
    GC_UNPOISON(g->start, npages * GM_PAGE_SIZE);
    if (flavor == GC_TYPED)
        *(const gc_type **)g->start = ty;
    uint64_t bytes = npages * GM_PAGE_SIZE;
    bool marking = gc_state() & GCS_MARKING;
    if (marking) {
        gc_mark_slot(g, 0);
        gc_counter_add(&t->marked_bytes, g->limit - g->start);
        t->assist_debt += (int64_t)bytes;
    }
    /* release: the header and mark bit before the slot counts as allocated */
    atomic_store_explicit(&g->freeindex, 1, memory_order_release);
    gc_span_put(g, false);
    atomic_fetch_add_explicit(&gc_spans_in_use, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&gc_span_bytes, bytes, memory_order_relaxed);
    /* release: pairs with the marker's acquire load of s->gc */
    atomic_store_explicit(&s->gc, g, memory_order_release);
    /* The object's own address must be on this stack before the region
     * ends: from there on a stop may come (a signal, or under TSan the
     * handler it defers to any atomic below), and g is only the
     * descriptor, which no scan follows. */
    size_t hdr = flavor == GC_TYPED ? GC_TYPE_HDR : 0;
    void *volatile p = (void *)(g->start + hdr);
    gc_nosuspend_end();
    atomic_fetch_add_explicit(&gc_heap_live, bytes, memory_order_relaxed);
    gc_counter_add(&t->alloc_bytes, bytes);
    if (g->needzero)
        memset(p, 0, n);
    gc_maybe_trigger();
    if (marking && t->assist_debt > 0)
        gc_assist(t);
    return p;
}

GM_NOINLINE void *gc_alloc_slow(size_t n, int flavor, const gc_type *ty)
{
    gc_init();
    gc_thread *t = gc_thread_cur();
    gc_safepoint();
    size_t hdr = flavor == GC_TYPED ? GC_TYPE_HDR : 0;
    size_t need = n + hdr;
    if (need < n) {
        errno = ENOMEM;
        return NULL;
    }
    if (need == 0)
        need = 1;
    void *p;
    if (need > GM_MAX_SMALL_SIZE) {
        p = alloc_large(t, n, need, flavor, ty);
        gm_stack_scrub_if_grown();
    } else {
        int spc = sizeclass_of(need) * GC_FLAVORS + flavor;
        bool refilled = false;
        gc_nosuspend_begin();
        gc_span *g = t->cache.cur[spc];
        int64_t i = span_next_free(g);
        if (i < 0) {
            g = refill(t, spc);
            refilled = true;
            if (!g) {
                gc_nosuspend_end();
                errno = ENOMEM;
                return NULL;
            }
            i = span_next_free(g);
        }
        uintptr_t slot = g->start + (uintptr_t)i * g->elem_size;
        uint32_t size = g->elem_size;
        GC_UNPOISON(slot, size);
        if (flavor == GC_TYPED)
            *(const gc_type **)slot = ty;
        bool marking = gc_state() & GCS_MARKING;
        if (marking) {
            gc_mark_slot(g, (uint32_t)i);
            gc_counter_add(&t->marked_bytes, size);
            t->assist_debt += size;
        }
        /* release: the header and mark bit before the slot counts as
         * allocated (pairs with the marker's acquire load) */
        atomic_store_explicit(&g->freeindex, (uint32_t)i + 1, memory_order_release);
        bool zero = g->needzero;
        GC_PIN(slot); /* whole before a park at the region's end */
        gc_nosuspend_end();
        if (zero)
            memset((void *)(slot + hdr), 0, size - hdr);
        if (refilled) {
            gm_stack_scrub_if_grown();
            gc_maybe_trigger();
        }
        if (marking && t->assist_debt > (64 << 10))
            gc_assist(t);
        p = (void *)(slot + hdr);
    }
    if (p)
        RACE_ALLOC(p, n ? n : 1, n ? n : 1);
    return p;
}

/* The fast path: a small object from the cached span's next slot, only
 * when no collection is marking or stopping (gm_gc_state == 0). It lives
 * in the gomm_nosusp section: the suspend handler never stops a thread
 * between reading the state and advancing freeindex. The zeroing that
 * follows may be stopped (the slot is already ours). */
static inline __attribute__((always_inline)) void *new_fast(size_t n, int flavor)
{
    gc_thread *t = gc_tls;
    GC_FAST_BEGIN();
    if (GM_LIKELY(t != NULL && n - 1 < GM_MAX_SMALL_SIZE && gc_state() == 0)) {
        gc_span *g = t->cache.cur[sizeclass_of(n) * GC_FLAVORS + flavor];
        uint32_t i = atomic_load_explicit(&g->freeindex, memory_order_relaxed);
        if (GM_LIKELY(i < g->nelems && !((g->alloc_bits[i >> 6] >> (i & 63)) & 1))) {
            atomic_store_explicit(&g->freeindex, i + 1, memory_order_release);
            void *p = (void *)(g->start + (uintptr_t)i * g->elem_size);
            uint32_t size = g->elem_size;
            bool zero = g->needzero;
            GC_PIN(p); /* whole before a park in GC_FAST_END */
            /* --- end of the part that must not be stopped --- */
            GC_FAST_END();
            GC_UNPOISON(p, size);
            if (zero)
                memset(p, 0, size);
            RACE_ALLOC(p, n, n);
            return p;
        }
    }
    GC_FAST_END();
    return gc_alloc_slow(n, flavor, NULL);
}

GC_NOSUSP_SECTION void *gm_new(size_t n)
{
    return new_fast(n, GC_SCAN);
}

GC_NOSUSP_SECTION void *gm_new_noscan(size_t n)
{
    return new_fast(n, GC_NOSCAN);
}

/* ---------- typed objects: interned pointer masks ---------- */

#define TYPE_BUCKETS 256
static pthread_mutex_t type_lock = PTHREAD_MUTEX_INITIALIZER;
static gc_type *type_table[TYPE_BUCKETS];

static __thread const gc_type *last_type;

static uint32_t mask_hash(const uint64_t *bits, size_t nw64, size_t nwords)
{
    uint64_t h = nwords * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < nw64; i++)
        h = (h ^ bits[i]) * 0x100000001B3ull;
    return (uint32_t)(h ^ (h >> 32));
}

static const gc_type *type_intern(const uint64_t *mask, size_t nwords)
{
    size_t nw64 = (nwords + 63) / 64;
    const gc_type *lt = last_type;
    if (lt && lt->nwords == nwords && memcmp(lt->bits, mask, nw64 * 8) == 0)
        return lt;
    uint64_t local[8];
    uint64_t *bits = nw64 <= 8 ? local : NULL;
    gc_type *ty = NULL;
    if (!bits) {
        ty = meta_alloc(sizeof(gc_type) + nw64 * 8);
        if (!ty)
            return NULL;
        bits = ty->bits;
    }
    memcpy(bits, mask, nw64 * 8);
    if (nwords % 64) /* ignore bits past the object */
        bits[nw64 - 1] &= ((uint64_t)1 << (nwords % 64)) - 1;
    uint32_t h = mask_hash(bits, nw64, nwords);
    gm_lock_nosusp(&type_lock);
    gc_type *found = type_table[h % TYPE_BUCKETS];
    for (; found; found = found->next)
        if (found->hash == h && found->nwords == nwords && !memcmp(found->bits, bits, nw64 * 8))
            break;
    if (!found) {
        if (!ty) {
            ty = meta_alloc(sizeof(gc_type) + nw64 * 8);
            if (!ty) {
                gm_unlock_nosusp(&type_lock);
                return NULL;
            }
            memcpy(ty->bits, bits, nw64 * 8);
        }
        ty->magic = GC_TYPE_MAGIC;
        ty->nwords = (uint32_t)nwords;
        ty->hash = h;
        ty->next = type_table[h % TYPE_BUCKETS];
        type_table[h % TYPE_BUCKETS] = ty;
        found = ty;
    }
    gm_unlock_nosusp(&type_lock);
    last_type = found;
    return found;
}

void *gm_new_typed(size_t n, const uint64_t *ptrmask)
{
    if (!ptrmask)
        return gm_new_noscan(n);
    size_t nwords = (n + 7) / 8;
    if (nwords == 0 || nwords > UINT32_MAX)
        return gm_new_noscan(n);
    gc_init();
    const gc_type *ty = type_intern(ptrmask, nwords);
    if (!ty) {
        errno = ENOMEM;
        return NULL;
    }
    return gc_alloc_slow(n, GC_TYPED, ty);
}

/* ---------- caches: flush at mark termination, release at exit ---------- */

void gc_cache_flush_stw(gc_thread *t)
{
    for (int spc = 0; spc < GC_NSPC; spc++) {
        gc_span *g = t->cache.cur[spc];
        if (g == &gc_empty_span)
            continue;
        g->cached = 0;
        gc_span_put_unswept_stw(g);
        t->cache.cur[spc] = &gc_empty_span;
    }
}

void gc_cache_release(gc_thread *t)
{
    for (int spc = 0; spc < GC_NSPC; spc++) {
        gc_nosuspend_begin(); /* a stop must not find the span in neither place */
        gc_span *g = t->cache.cur[spc];
        if (g != &gc_empty_span) {
            g->cached = 0;
            t->cache.cur[spc] = &gc_empty_span;
            gc_span_put(g, span_next_free(g) >= 0);
        }
        gc_nosuspend_end();
    }
}
