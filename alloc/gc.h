/*
 * alloc/gc.h — the garbage collector's internal API and data structures.
 *
 * The collector is Go's: non-moving, non-generational, concurrent tri-color
 * mark-sweep with a write barrier, in four phases per cycle:
 *
 *   1. sweep termination + mark start   STW #1 (gc.c, roots.c): pool
 *      cleanup, every root (stacks and registers, data+bss, registered
 *      ranges, gm_malloc memory) is scanned: a snapshot. The barrier is
 *      switched on (GCS_MARKING) before the world restarts.
 *   2. mark                             concurrent (mark.c): the background
 *      worker and assisting allocators drain the gray queue; new objects
 *      are allocated black; gm_write_ptr shades old and new values.
 *   3. mark termination                 STW #2 (gc.c): marking is done iff
 *      the gray queue is empty with the world stopped; finalizers of
 *      unreachable objects are queued (finalizer.c), caches are flushed
 *      and every span becomes "unswept".
 *   4. sweep                            concurrent and lazy (sweep.c).
 *
 * The invariant that makes this correct (snapshot-at-the-beginning): every
 * object reachable at STW #1 is marked by the end of the cycle, and every
 * object allocated after it is marked (black) at allocation. An object
 * reachable at the end was one or the other. The only locations scanned
 * concurrently are collected objects, so only stores into collected
 * objects need the barrier (which shades the overwritten value: Yuasa's
 * deletion barrier; it also shades the new one, as Go's hybrid barrier).
 *
 * Stopping the world (gcstw.c): each thread the collector knows is either
 * blocked in gomm (it saved its registers and stack pointer and said so
 * with one atomic store: the collector takes it by CAS and it cannot leave
 * before the world restarts) or running: then it gets a signal (SIGPWR)
 * whose handler parks it, unless it is inside a no-suspend region (a
 * counter, or the gomm_nosusp code section), where it parks at the
 * region's end (or the collector re-signals). Allocation slow paths and
 * the barrier's slow path also park on their own when a stop is pending
 * (cooperative safe points; under ThreadSanitizer, which defers signals,
 * these are what stop a thread).
 *
 * No-suspend regions: code that holds a lock the collector takes during a
 * stop (every GC lock, and the allocator's own locks, see nosuspend.h)
 * runs in one, so a stopped thread never holds such a lock. A thread in a
 * no-suspend region never waits for the collector (never takes
 * threads_lock or the cycle lock).
 *
 * Lock order (outer first): cycle lock -> threads lock -> GC locks
 * (class, large, work queue, roots, finalizer table, type table) ->
 * allocator locks (internal.h's order).
 */
#ifndef GOMM_ALLOC_GC_H
#define GOMM_ALLOC_GC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "nosuspend.h"

#pragma GCC visibility push(hidden)

/* ---- global state word: one load decides every fast path ---- */
#define GCS_MARKING 1u /* barrier on, allocate black, assists */
#define GCS_STW     2u /* a stop is pending: slow paths park */
extern _Atomic uint32_t gm_gc_state;

static inline uint32_t gc_state(void)
{
    return atomic_load_explicit(&gm_gc_state, memory_order_relaxed);
}

/* The code section of functions in which a thread must not be stopped
 * (the allocation fast path and the barrier): the suspend handler checks
 * the interrupted PC against it. */
#define GC_NOSUSP_SECTION __attribute__((section("gomm_nosusp")))
extern const char __start_gomm_nosusp[], __stop_gomm_nosusp[];

/* ThreadSanitizer defers a signal to the thread's next interceptor call
 * and hands the handler the context of its arrival: the interrupted PC no
 * longer says where the thread is. Under TSan the section's functions
 * protect themselves with the no-suspend counter instead. */
#if defined(__SANITIZE_THREAD__)
#define GC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GC_TSAN 1
#endif
#endif
/* GC_PIN(v): v's value exists, whole, from here on. A new object's
 * address computed inside a no-suspend region must be kept whole across
 * the region's end, where the thread may park for a stop: the compiler
 * may otherwise keep the span's start and the slot's offset apart and add
 * them after the park, and the stop's conservative scan, which sees only
 * the start (slot 0), would miss the new object and free it. (Found under
 * ThreadSanitizer, where GC_FAST_END can park: gm_new kept start on the
 * stack and i * size in r14.) Costs nothing: an empty asm that "changes"
 * v, so v cannot be recomputed later. */
#define GC_PIN(v) __asm__ volatile("" : "+r"(v))

#ifdef GC_TSAN
#define GC_FAST_BEGIN() gc_nosuspend_begin()
#define GC_FAST_END()   gc_nosuspend_end()
#else
#define GC_FAST_BEGIN() ((void)0)
#define GC_FAST_END()   ((void)0)
#endif

/* Conservative scanning reads memory that other threads write without
 * synchronization (their stacks, collected objects, gm_malloc blocks): an
 * inherent race that no lock can order. Such readers are not instrumented
 * by ThreadSanitizer (they would report each of those reads) nor by
 * AddressSanitizer (stack redzones and poisoned free slots are read as
 * plain words). */
#define GC_NO_SANITIZE __attribute__((no_sanitize("thread", "address", "undefined")))

/* AddressSanitizer: free slots of collected spans are poisoned by the
 * sweeper and unpoisoned by the allocator, so a use of an object the
 * collector freed is reported. */
#if defined(__SANITIZE_ADDRESS__)
#define GC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GC_ASAN 1
#endif
#endif
#ifdef GC_ASAN
#pragma GCC visibility push(default) /* the ASan runtime's, not ours */
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#pragma GCC visibility pop
#define GC_POISON(p, n)   __asan_poison_memory_region((const void *)(p), (n))
#define GC_UNPOISON(p, n) __asan_unpoison_memory_region((const void *)(p), (n))
#else
#define GC_POISON(p, n)   ((void)(p), (void)(n))
#define GC_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* ---- span flavors and span classes ---- */
enum { GC_SCAN = 0, GC_NOSCAN = 1, GC_TYPED = 2, GC_FLAVORS = 3 };
#define GC_NSPC        (GM_NUM_CLASSES * GC_FLAVORS)
#define GC_MAX_ELEMS   1024 /* 8 KiB / 8 B */
#define GC_BITS_WORDS  (GC_MAX_ELEMS / 64)
#define GC_TYPE_HDR    8            /* typed objects: the type pointer before the object */
#define GC_OBLET_BYTES (128u << 10) /* large objects are scanned in oblets */
#define GC_MIN_HEAP    ((uint64_t)4 << 20)

/* A pointer layout for gm_new_typed: bit i of bits set iff word i of the
 * object may hold a pointer. Interned, never freed. */
typedef struct gc_type {
    uint64_t magic;  /* GC_TYPE_MAGIC: the marker checks a header with it */
    uint32_t nwords; /* words the mask covers */
    uint32_t hash;
    struct gc_type *next; /* intern table chain */
    uint64_t bits[];
} gc_type;
#define GC_TYPE_MAGIC 0x67635f7479706521ull

/* A span of collected objects (Go's mspan, GC half). Descriptors live in
 * metadata memory and are recycled, never unmapped. Immutable while the
 * span is in use: start, limit, elem_size, nelems, spc, flavor, large.
 * alloc_bits change only in sweep (never while marking); freeindex is
 * advanced by the owning cache (relaxed store; the marker's relaxed load
 * may be stale, which only matters for objects allocated black). */
typedef struct gc_span {
    uintptr_t start;    /* first object */
    uintptr_t limit;    /* end of the last object (large: of the request) */
    gm_span *span;      /* the page heap's span */
    uint32_t elem_size; /* object slot size (large: limit - start) */
    uint32_t nelems;
    uint16_t spc;               /* span class: size class * 3 + flavor */
    uint8_t flavor;             /* GC_SCAN / GC_NOSCAN / GC_TYPED */
    uint8_t large;              /* one object, its own span */
    uint8_t needzero;           /* free slots may hold old data */
    uint8_t cached;             /* owned by a thread's cache (class lock) */
    _Atomic uint32_t freeindex; /* slots below are allocated (owner) */
    uint32_t nalloc;            /* live objects after the last sweep */
    struct gc_span *next;       /* class lists (class lock) */
    uint64_t alloc_bits[GC_BITS_WORDS];
    _Atomic uint64_t mark_bits[GC_BITS_WORDS];
} gc_span;

/* The collected-object half of a thread's cache. */
typedef struct gc_cache {
    gc_span *cur[GC_NSPC]; /* never NULL: gc_empty_span stands in */
} gc_cache;
extern gc_span gc_empty_span;

/* ---- the threads the collector knows (gcstw.c) ---- */
enum { TS_RUN = 0, TS_BLOCK = 1, TS_CAPTURED = 2 };

typedef struct gc_thread {
    pthread_t tid;
    uintptr_t stack_hi;         /* highest stack address (exclusive) */
    uintptr_t stack_lo;         /* lowest mapped stack address */
    _Atomic uint32_t status;    /* TS_*: CAS by the collector */
    uint32_t block_depth;       /* nesting of gc_block_enter (own) */
    uintptr_t block_sp;         /* stack pointer saved at block entry */
    uintptr_t block_regs[8];    /* callee-saved registers at block entry */
    _Atomic uintptr_t susp_sp;  /* stack pointer while stopped */
    _Atomic uint32_t ack_epoch; /* stop epoch this thread parked for */
    bool signaled;              /* collector: signalled this stop */
    bool no_stack_scan;         /* runtime thread holding no user pointers */
    bool dead;                  /* unregistered: record on the free list */
    int index;                  /* small unique id among live threads */
    uintptr_t scan_from;        /* the cycle's driver: scan from here */
    uintptr_t driver_regs[8];   /* the driver's registers at its gomm entry */
    gc_cache cache;
    /* counters, written by the thread (relaxed), summed at STW #2 */
    _Atomic uint64_t alloc_bytes;  /* bytes of collected objects allocated */
    _Atomic uint64_t marked_bytes; /* bytes it marked (shade, assist, black) */
    _Atomic uint64_t assist_ns;    /* time spent assisting */
    int64_t assist_debt;           /* bytes allocated during marking, unpaid */
    struct gc_thread *next, *prev; /* registry (threads lock) */
    struct gc_thread *free_next;
} gc_thread;

extern __thread gc_thread *gc_tls __attribute__((tls_model("initial-exec")));

/* The calling thread's record, registering it on first use (not inside a
 * no-suspend region). */
gc_thread *gc_thread_get(void);
static inline gc_thread *gc_thread_cur(void)
{
    gc_thread *t = gc_tls;
    return t ? t : gc_thread_get();
}
void gc_runtime_thread_started(void); /* counted for the deadlock detector */

/* Park here if a stop is pending (a cooperative safe point). */
void gc_safepoint_slow(void);
static inline void gc_safepoint(void)
{
    if (GM_UNLIKELY(gc_state() & GCS_STW))
        gc_safepoint_slow();
}

/* Stop every other known thread / restart them. Caller holds the cycle
 * lock; stop takes the threads lock, start releases it. Returns ns spent
 * stopping. */
void gc_stop_the_world(void);
void gc_start_the_world(void);
/* Iterate the registry (world stopped, threads lock held). */
gc_thread *gc_threads_first(void);
/* Sum and reset every record's marked_bytes (world stopped). */
uint64_t gc_threads_take_marked_stw(void);
/* Cumulative counters of every record (takes the threads lock). */
void gc_threads_sum(uint64_t *alloc_bytes, uint64_t *assist_ns);
void gc_stw_init(void);
int64_t gc_nanotime(void);
int64_t gc_thread_cpu_ns(void);

/* ---- cycle control, pacing, stats (gc.c) ---- */
typedef struct gc_params {
    int gogc;          /* GOMM_GOGC; -1: off */
    uint64_t memlimit; /* GOMM_MEMLIMIT bytes; 0: none */
    bool stw_mode;     /* GOMM_GC=stw */
    bool trace;        /* GOMM_GCTRACE=1 */
} gc_params;
extern gc_params gc_cfg;
extern _Atomic uint64_t gc_heap_live;     /* bytes of collected objects in use (estimate) */
extern _Atomic uint64_t gc_trigger_bytes; /* start a cycle when heap_live passes it */
void gc_init(void);                       /* once; needs no cache */
void gc_maybe_trigger(void);              /* heap_live passed the trigger? */
double gc_assist_ratio(void);             /* scan bytes owed per byte allocated */
void gc_assist(gc_thread *t);             /* pay t's assist debt (mark.c) */

/* ---- allocation (gcalloc.c) ---- */
void *gc_alloc_slow(size_t n, int flavor, const gc_type *ty);
/* Set slot i's mark bit (allocate black). */
static inline void gc_mark_slot(gc_span *g, uint32_t i)
{
    atomic_fetch_or_explicit(&g->mark_bits[i >> 6], (uint64_t)1 << (i & 63), memory_order_relaxed);
}
/* Owner-only counter bump (relaxed load+store; summed by the collector). */
static inline void gc_counter_add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}
/* Flush t's cached spans into the unswept lists (world stopped). */
void gc_cache_flush_stw(gc_thread *t);
/* Return t's cached spans to their lists (thread exit). */
void gc_cache_release(gc_thread *t);
gc_span *gc_span_desc_new(void);
void gc_span_desc_free(gc_span *g);

/* ---- marking (mark.c) ---- */
void gc_mark_init(void);
/* Conservatively scan [lo, hi) (word aligned inside) as a root: shade what
 * it points to. World stopped or range owned by the caller. */
void gc_scan_root_range(uintptr_t lo, uintptr_t hi);
uint64_t gc_roots_done(void); /* flush the root scan; bytes it marked */
/* Shade p if it points into a live collected object (barrier, roots). */
void gc_shade(uintptr_t p);
/* Queue obj for scanning without marking it (finalizer referents). */
void gc_push_unmarked(uintptr_t obj);
/* Drain up to budget scan bytes (0: all); returns bytes scanned. */
uint64_t gc_drain(uint64_t budget);
bool gc_work_empty(void);
/* Whether obj (the start of a collected object) is marked; set it. */
bool gc_is_marked(uintptr_t obj);
void gc_set_marked(uintptr_t obj);
/* The object holding p: its start, its span; false if none (live). */
bool gc_find_object(uintptr_t p, uintptr_t *start, gc_span **span);

/* ---- roots (roots.c) ---- */
void gc_roots_refresh(void); /* before a stop: the loaded segments */
void gc_scan_roots(void);    /* world stopped */
/* The driver's stack: gc_scan_roots scans it from sp up, and its saved
 * registers (gc_save_regs into t->driver_regs, which returned sp). */
void gc_roots_note_driver(gc_thread *t, uintptr_t sp);
/* Save the caller's callee-saved registers into buf[0..5]; returns the
 * caller's stack pointer (gcstw.c, naked). */
uintptr_t gc_save_regs(uintptr_t *buf);

/* ---- sweeping (sweep.c) ---- */
/* Per span class (and one for large spans): singly linked lists, two
 * generations as Go's mcentral: lists [gc_sweep_idx] hold spans swept in
 * this cycle, lists [!gc_sweep_idx] spans still to sweep. Mark termination
 * flips gc_sweep_idx (world stopped), which makes every span unswept in
 * O(1). partial: some free slot; full: none (as of its last sweep). */
typedef struct gc_class_lists {
    pthread_mutex_t lock;
    gc_span *partial[2];
    gc_span *full[2];
    char pad[24];
} gc_class_lists;
extern gc_class_lists gc_classes[GC_NSPC];
extern gc_class_lists gc_large;
extern _Atomic uint32_t gc_sweep_idx; /* changed only with the world stopped */
void gc_sweep_init(void);
/* World stopped: every span becomes unswept (mark termination). */
void gc_sweep_flip_stw(void);
/* Put an uncached, swept span on its swept list (takes the class lock). */
void gc_span_put(gc_span *g, bool has_free);
/* World stopped: put a span flushed from a cache on its unswept list. */
void gc_span_put_unswept_stw(gc_span *g);
/* Sweep one unswept span of any class; false when none was left. */
bool gc_sweep_one(void);
/* A swept, uncached span of class spc with a free slot, or NULL. */
gc_span *gc_sweep_for_class(int spc);
/* Sweep everything left (before a cycle starts). */
void gc_sweep_finish(void);
extern _Atomic uint64_t gc_sweep_freed_bytes, gc_sweep_freed_objects, gc_spans_in_use;
extern _Atomic uint64_t gc_span_bytes; /* page bytes of collected spans */

/* ---- finalizers (finalizer.c) ---- */
void gc_fin_push_roots(void);  /* world stopped, mark start */
void gc_fin_collect_stw(void); /* world stopped, mark termination */
void gc_fin_after_cycle(void); /* world running: hand them to the thread */
extern _Atomic uint64_t gc_finalizers_run, gc_finalizers_queued;

/* ---- stats (gc.c): gm_read_memstats fills the GC fields ---- */
void gc_read_stats(gm_memstats *out);
void gc_stw_atfork_prepare(void);
void gc_stw_atfork_parent(void);
void gc_stw_atfork_child(void);

/* ---- hooks run during STW #1 (sync's pool cleanup) ---- */
void gc_register_stw_hook(void (*fn)(void));
void gc_run_stw_hooks(void);

/* ---- blocking (called by sync/ around parks and syscalls) ---- */
void gc_block_enter(void);
void gc_block_exit(void);
int gc_thread_index(void); /* small id of the calling thread (pool) */
int64_t gc_runtime_thread_count(void);

/* Shade p when marking: for stores into collected memory that do not go
 * through gm_write_ptr (sync/pool.c). */
static inline void gc_shade_if_marking(const void *p)
{
    if (GM_UNLIKELY(gc_state() & GCS_MARKING) && p)
        gc_shade((uintptr_t)p);
}

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_GC_H */
