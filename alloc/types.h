/*
 * alloc/types.h — every data structure of the allocator, one comment a field.
 *
 * The hierarchy is Go's (mallocgc -> mcache -> mcentral -> mheap -> OS) with
 * mimalloc's answer to what Go does not have, an explicit cross-thread free:
 *
 *   gm_cache   per thread (TLS). Owns spans; allocates from and frees to its
 *              own spans with plain loads and stores.
 *   gm_central per size class. Holds orphaned spans (their owner exited or
 *              gave them up full) that other threads have freed into.
 *   gm_heap    one. 8 KiB pages grouped into spans, free spans coalesced,
 *              idle pages returned to the OS by the scavenger.
 *   arena map  addr -> arena -> span for every page, so a pointer's span is
 *              two dependent loads (O(1)).
 *
 * Ownership of a small span (the invariant everything else relies on):
 * a span in use for small objects is either owned by exactly one cache or
 * orphaned. Only the owner touches the span's private fields (freelist,
 * local_free, used, list links). Any thread may push onto xfree, the atomic
 * remote-free list, whose low 3 bits carry the span's ownership state:
 *
 *   XF_ACTIVE     owned, in the owner's per-class span list
 *   XF_FULL       owned, in the owner's full list, "armed": the next remote
 *                 free must tell the owner (push the span on cache->delayed).
 *                 A full span is parked unarmed (still XF_ACTIVE) first and
 *                 armed only when the owner is about to take fresh memory
 *                 for its class, so local alloc/free churn never pays for a
 *                 CAS; unarmed full spans are polled (one load) instead.
 *   XF_NOTIFYING  a remote freer is telling the owner; the owner may not
 *                 orphan the span until it is done (spins: a few stores)
 *   XF_ORPHAN     no owner, no free objects anywhere, in no list; the next
 *                 remote free lists it in its gm_central
 *   XF_LISTED     no owner, in (or being put in) its gm_central's list; the
 *                 central lock protects the private fields
 *
 * Caches are immortal (recycled through a free list, never unmapped) so that
 * a remote freer holding XF_NOTIFYING may always dereference span->owner.
 */
#ifndef GOMM_ALLOC_TYPES_H
#define GOMM_ALLOC_TYPES_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gomm/alloc.h>

#define GM_PAGE_SHIFT       13 /* 8 KiB pages, as Go */
#define GM_ARENA_SHIFT      26 /* 64 MiB arenas, as Go on amd64 */
#define GM_ARENA_SIZE       ((size_t)1 << GM_ARENA_SHIFT)
#define GM_ARENA_PAGES      (GM_ARENA_SIZE >> GM_PAGE_SHIFT)
#define GM_ADDR_BITS        48 /* user address space on x86-64 */
#define GM_ARENA_MAP_LEN    ((size_t)1 << (GM_ADDR_BITS - GM_ARENA_SHIFT))
#define GM_NUM_CLASSES      GM_NUM_SIZE_CLASSES /* class 0 = large */
#define GM_HEAP_EXACT_LISTS 128                 /* free spans of 1..127 pages */

/* An object on a free list: its first word links to the next. */
typedef struct gm_free_obj {
    struct gm_free_obj *next;
} gm_free_obj;

/* The ownership state in xfree's low bits (see the top of this file). */
enum {
    XF_ACTIVE = 0,
    XF_FULL = 1,
    XF_NOTIFYING = 2,
    XF_ORPHAN = 3,
    XF_LISTED = 4,
    XF_STATE_MASK = 7,
};

/* What a span is used for (span->kind). */
enum {
    SPAN_FREE = 0,  /* idle pages owned by the page heap */
    SPAN_SMALL = 1, /* objects of one size class */
    SPAN_LARGE = 2, /* one large object */
    SPAN_META = 3,  /* never in the page map: a recycled descriptor */
    SPAN_GC = 4,    /* collected objects (gm_new): see gc.h, s->gc */
};

typedef struct gm_cache gm_cache;

/* A run of pages (Go's mspan). Descriptors are recycled, never unmapped.
 * Three cache lines, so that remote frees (which read line 1 and write
 * line 3) do not keep stealing line 2, which the owner writes on every
 * allocation. */
typedef struct gm_span {
    /* --- line 1: read by every free; written only on ownership changes --- */
    alignas(64) uintptr_t start;  /* first byte (page aligned) */
    size_t npages;                /* number of pages */
    uint8_t kind;                 /* SPAN_FREE / SPAN_SMALL / SPAN_LARGE */
    uint8_t size_class;           /* 1..67 for SPAN_SMALL, 0 otherwise */
    uint8_t needzero;             /* in use: pages may hold old data (else all zero) */
    uint32_t elem_size;           /* object size (SPAN_SMALL) */
    uint32_t nelems;              /* objects in the span (SPAN_SMALL) */
    uint32_t objs_bytes;          /* nelems * elem_size: offsets from there on are
                                     the span's tail waste, not objects */
    _Atomic(gm_cache *) owner;    /* owning cache or NULL. Written by the owner
                                     (or adopter under the central lock);
                                     relaxed: a thread only compares it to its
                                     own cache, and sees its own writes. */
    uint64_t divmagic;            /* UINT64_MAX / elem_size + 1: off is a multiple
                                     of elem_size iff off * divmagic <= divmagic - 1
                                     (Lemire's divisibility test, off < 2^32) */
    _Atomic(struct gc_span *) gc; /* SPAN_GC: the collector's descriptor, published
                                    (release) after it is set up, cleared before
                                    the span is freed; NULL for every other span */

    /* --- line 2: owner-private (central-lock-protected while XF_LISTED) --- */
    alignas(64) gm_free_obj *freelist; /* objects ready to allocate: the fast path */
    gm_free_obj *local_free;           /* objects freed by the owner since the last refill */
    uint32_t used;                     /* objects not on freelist/local_free (includes
                                          those pushed on xfree and not yet collected) */
    uint8_t in_full;                   /* owner: span is on cache->full[c], not partial[c] */
    uint8_t armed;                     /* owner: xfree state is XF_FULL (or was, until a
                                          remote freer notified us): see cache.c */
    struct gm_span *next;              /* list links: cache class/full list, central
                                          list, or the heap's free lists */
    struct gm_span *prev;

    /* --- line 3: written by remote freers --- */
    alignas(64) _Atomic uintptr_t xfree;  /* remote-free list | XF_* state */
    struct gm_span *_Atomic delayed_next; /* link on the owner's delayed list */

    /* page heap, SPAN_FREE only (heap lock): shares line 3, which is hot
     * only while the span is in use */
    size_t released_pages;    /* pages returned to the OS (their bits set
                                 in the arena's released bitmap) */
    int64_t idle_since;       /* when the span became idle (ns, monotonic) */
    struct gm_span *lru_next; /* free spans with resident pages: the idle
                                 list, oldest first, the scavenger's order */
    struct gm_span *lru_prev;
} gm_span;

/* One 64 MiB arena's metadata (Go's heapArena). */
typedef struct gm_arena {
    _Atomic(gm_span *) spans[GM_ARENA_PAGES];    /* span of each page; NULL for
           the interior pages of a free span. Written under the heap lock;
           relaxed: a thread looks up only pointers it was given, which carry
           happens-before from the allocation that wrote the entry */
    uint64_t released[GM_ARENA_PAGES / 64];      /* heap lock: page is idle and
           its memory returned to the OS (reads as zero) */
    uint64_t malloc_starts[GM_ARENA_PAGES / 64]; /* heap lock: page starts a
        gm_malloc span (small or large), which the collector scans as a root
        (it reads the bits with the world stopped) */
} gm_arena;

/* The per-thread cache (Go's mcache). Owned by one thread at a time. */
struct gm_cache {
    /* Fast path: the span each class allocates from; never NULL (an empty
     * dummy span stands in) so the fast path needs one test. */
    gm_span *cur[GM_NUM_CLASSES];
    /* Per-class counters, written by the owner only (relaxed load+store, no
     * RMW), read by gm_read_memstats from any thread (relaxed). */
    _Atomic uint64_t nmalloc[GM_NUM_CLASSES];
    _Atomic uint64_t nfree[GM_NUM_CLASSES];
    /* Owned spans with objects (cur[c] is the head), doubly linked. */
    gm_span *partial[GM_NUM_CLASSES];
    /* Owned spans of each class that were full when last looked at:
     * unarmed ones (still XF_ACTIVE) at the head, armed (XF_FULL) at the
     * tail, from full_armed[c] on (NULL: none armed). */
    gm_span *full[GM_NUM_CLASSES];
    gm_span *full_tail[GM_NUM_CLASSES];
    /* Full spans that other threads freed into since (Treiber stack linked
     * through span->delayed_next). Pushed by remote freers holding
     * XF_NOTIFYING on the span; taken whole by the owner (exchange,
     * acquire: pairs with the release CAS in cache_notify_owner). */
    alignas(64) gm_span *_Atomic delayed; /* own line: remote freers write it */
    /* Registry of all caches ever made (append-only, immortal). */
    alignas(64) gm_cache *all_next;
    /* Free-cache list link (cache pool lock). */
    gm_cache *pool_next;
    /* In use by a live thread (cache pool lock; relaxed reads by stats). */
    _Atomic bool in_use;
    /* The thread that owns it (for fork: the child keeps only its own). */
    pthread_t thread;
};

/* A size class's central list (Go's mcentral). */
typedef struct gm_central {
    pthread_mutex_t lock;
    gm_span *partial; /* orphaned spans with free objects (XF_LISTED) */
    char pad[64];     /* keep classes on separate cache lines */
} gm_central;

#endif /* GOMM_ALLOC_TYPES_H */
