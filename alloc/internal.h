/*
 * alloc/internal.h — the allocator's internal API and its inline fast paths.
 *
 * Lock order (outer first): cache pool lock -> central[c].lock -> heap lock
 * -> meta lock. Every one of them is taken in a no-suspend region
 * (gm_lock_nosusp, nosuspend.h): the collector's stop-the-world never
 * catches a thread holding one. The fast paths below take no lock and do no atomic
 * read-modify-write: they touch only the calling thread's cache and spans it
 * owns (see types.h for the ownership rules).
 */
#ifndef GOMM_ALLOC_INTERNAL_H
#define GOMM_ALLOC_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "fatal.h"
#include "nosuspend.h"
#include "sizeclass.h"
#include "types.h"

/* Everything declared here is internal to the library: hidden, so the fast
 * paths reach tables and TLS without a GOT load and calls skip the PLT. */
#pragma GCC visibility push(hidden)

#define GM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define GM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define GM_NOINLINE    __attribute__((noinline))

/* ---- init (init.c) ---- */
extern _Atomic bool gm_alloc_ready; /* release: set after every table is built */
void gm_alloc_init_slow(void);
/* Register the fork handlers (once; needs a cache: pthread_atfork may
 * allocate). */
void gm_alloc_register_atfork(void);
static inline void gm_alloc_ensure_init(void)
{
    if (GM_UNLIKELY(!atomic_load_explicit(&gm_alloc_ready, memory_order_acquire)))
        gm_alloc_init_slow();
}

/* ---- arena map (heap.c) ---- */
/* One entry per 64 MiB of address space; published with release under the
 * heap lock, read with acquire (pairs with the store in heap_grow). */
extern _Atomic(gm_arena *) gm_arena_map[GM_ARENA_MAP_LEN];

/* Every arena's base address, in the order they were mapped: entries below
 * gm_arena_count (acquire: pairs with the release increment in heap_grow)
 * are set. gm_heap_lo/gm_heap_hi bound all arenas (relaxed: a word outside
 * them is certainly not a heap pointer; they only widen). The collector
 * walks these to find gm_malloc spans and to filter candidate pointers. */
#define GM_MAX_ARENAS 4096 /* 256 GiB */
/* gomm globals that hold heap addresses but are no roots (roots.c skips
 * the section when it scans the data segments) */
#define GM_NOSCAN_DATA __attribute__((section("gomm_noscan")))
extern char __start_gomm_noscan[], __stop_gomm_noscan[];
extern uintptr_t gm_arena_bases[GM_MAX_ARENAS];
extern _Atomic size_t gm_arena_count;
extern _Atomic uintptr_t gm_heap_lo, gm_heap_hi;

/* The span holding address p, or NULL if gomm does not own p's page. */
static inline gm_span *span_of(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (GM_UNLIKELY(a >> GM_ADDR_BITS))
        return NULL;
    gm_arena *ar = atomic_load_explicit(&gm_arena_map[a >> GM_ARENA_SHIFT], memory_order_acquire);
    if (GM_UNLIKELY(ar == NULL))
        return NULL;
    return atomic_load_explicit(&ar->spans[(a >> GM_PAGE_SHIFT) & (GM_ARENA_PAGES - 1)],
                                memory_order_relaxed);
}

/* ---- page heap (heap.c) ---- */
/* Allocate a span of npages, aligned to align_pages pages (power of two, 1
 * for none), of the given kind; page map set for every page. NULL if the OS
 * refuses memory. Takes the heap lock. */
gm_span *heap_alloc_span(size_t npages, size_t align_pages, int kind, int size_class);
/* Give a span's pages back to the heap; coalesces and may scavenge. Takes
 * the heap lock. The descriptor is recycled: s must not be used after. */
void heap_free_span(gm_span *s);
/* Return idle pages to the OS until at most keep bytes of idle pages stay
 * resident. Takes the heap lock. */
void heap_scavenge(uint64_t keep);
/* Figures for gm_read_memstats, read under the heap lock. */
typedef struct heap_stats {
    uint64_t sys, idle, released, large_alloc, large_objects;
    uint64_t large_mallocs, large_frees, large_total, arena_meta;
} heap_stats;
void heap_read_stats(heap_stats *out);
/* Check the page heap's invariants (tests): returns NULL or what is broken. */
const char *heap_check(void);
void heap_init(void);
void heap_lock_for_fork(void);
void heap_unlock_after_fork(int child);

/* ---- spans (span.c) ---- */
/* Dummy empty span: every cache class points at it until it has a span. */
extern gm_span gm_empty_span;
/* Make s a span of objects of class c, all free, on s->freelist. */
void span_init_small(gm_span *s, int c);
/* Whether p, an address in small span s's pages, is the start of one of
 * its objects (not inside one, not in the tail waste). */
static inline bool span_is_object_start(const gm_span *s, uintptr_t p)
{
    uint64_t off = p - s->start; /* < 2^32: spans are small */
    return off < s->objs_bytes && off * s->divmagic <= s->divmagic - 1;
}
/* Push o on s's remote-free list: free from a thread that does not own s. */
void span_remote_free(gm_span *s, gm_free_obj *o);
/* Owner: take the remote-free list, keeping the state bits. Returns the list
 * and stores its length in *n. */
gm_free_obj *span_collect_xfree(gm_span *s, uint32_t *n);
/* Move every object of list onto s->freelist; returns how many. The caller
 * owns s's private fields (owner, or central lock while listed). */
uint32_t span_freelist_prepend(gm_span *s, gm_free_obj *list);

/* ---- central lists (central.c) ---- */
void central_init(void);
/* Put an XF_LISTED orphan on its class's list. Takes the central lock. */
void central_list(gm_span *s);
/* Adopt an orphan with free objects for cache c, or NULL. Takes the lock. */
gm_span *central_adopt(int size_class, gm_cache *c);
/* Free every listed orphan whose objects are all free (scavenging). */
void central_reclaim(void);
void central_lock_for_fork(void);
void central_unlock_after_fork(int child);

/* ---- stale heap addresses on the stack (heap.c) ----
 * heap_grow leaves the new arena's base address in dead stack frames, and
 * the base is where the arena's first span, and object, will be: a caller
 * frame that later reuses those bytes without writing them (padding, an
 * uninitialized array) then pins that object for the conservative
 * collector. Slow paths that may have grown the heap wipe the stack below
 * their own frame when it did (Boehm GC's GC_clear_stack, narrowed). */
extern __thread bool gm_heap_grew __attribute__((tls_model("initial-exec")));
void gm_stack_scrub(void); /* zero 4 KiB of the stack below the caller's frame */
static inline void gm_stack_scrub_if_grown(void)
{
    if (GM_UNLIKELY(gm_heap_grew)) {
        gm_heap_grew = false;
        gm_stack_scrub();
    }
}

/* ---- caches (cache.c) ---- */
extern __thread gm_cache *gm_tls_cache __attribute__((tls_model("initial-exec")));
void *cache_alloc_slow(int size_class);
void cache_free_local_slow(gm_cache *c, gm_span *s);
gm_cache *cache_get(void); /* the calling thread's cache, made on demand */
void cache_release(gm_cache *c);
void cache_init(void);
/* Sum of the per-class counters of every cache (stats). */
void cache_read_counts(uint64_t nmalloc[GM_NUM_CLASSES], uint64_t nfree[GM_NUM_CLASSES],
                       uint64_t *threads);
void cache_lock_for_fork(void);
void cache_unlock_after_fork(int child);

/* Owner-only counter bump: a relaxed load and store, no RMW (only the owner
 * writes; readers tolerate a stale value). */
static inline void counter_inc(_Atomic uint64_t *ctr)
{
    atomic_store_explicit(ctr, atomic_load_explicit(ctr, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Fast path: a small object of class c from the calling thread's cache. */
static inline void *cache_alloc(int c)
{
    gm_cache *cache = gm_tls_cache;
    if (GM_LIKELY(cache != NULL)) {
        gm_span *s = cache->cur[c];
        gm_free_obj *o = s->freelist;
        if (GM_LIKELY(o != NULL)) {
            s->freelist = o->next;
            s->used++;
            counter_inc(&cache->nmalloc[c]);
            return o;
        }
    }
    return cache_alloc_slow(c);
}

/* ---- free paths (malloc.c) ---- */
void free_slow(void *p, gm_span *s);
GM_NORETURN void free_invalid(const void *p, const gm_span *s);
#ifdef GOMM_DEBUG
/* Debug build: fatal error if o is on s's owner-side free lists. */
void debug_check_not_free(const gm_span *s, const gm_free_obj *o);
#endif

/* Fast path: free p (not NULL). Local free to an owned span is three
 * private stores; everything else goes to free_slow. */
static inline void gm_free_inline(void *p)
{
    gm_span *s = span_of(p);
    gm_cache *cache = gm_tls_cache;
    if (GM_LIKELY(s != NULL && cache != NULL &&
                  atomic_load_explicit(&s->owner, memory_order_relaxed) == cache)) {
        /* cache owns s, so s is SPAN_SMALL and its private fields are ours. */
        gm_free_obj *o = (gm_free_obj *)p;
        if (GM_UNLIKELY(o == s->local_free || o == s->freelist ||
                        !span_is_object_start(s, (uintptr_t)p)))
            free_invalid(p, s); /* double free or not an object start */
#ifdef GOMM_DEBUG
        debug_check_not_free(s, o);
#endif
        o->next = s->local_free;
        s->local_free = o;
        counter_inc(&cache->nfree[s->size_class]);
        /* Slow only when s just became empty (and is not cur, which stays
         * to spare a lone malloc/free pair a trip to the heap) or was full. */
        if (GM_UNLIKELY(--s->used == 0)) {
            if (s != cache->cur[s->size_class])
                cache_free_local_slow(cache, s);
        } else if (GM_UNLIKELY(s->in_full)) {
            cache_free_local_slow(cache, s);
        }
        return;
    }
    free_slow(p, s);
}

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_INTERNAL_H */
