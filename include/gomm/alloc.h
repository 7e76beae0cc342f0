/*
 * gomm/alloc.h — the explicit-free half of gomm's Go-style allocator.
 *
 * Size classes, per-thread caches and a page heap after Go's runtime
 * (mcache/mcentral/mheap). Every function is thread-safe. A pointer passed to
 * gm_free/gm_realloc/gm_usable_size must come from this allocator (or be
 * NULL); anything else stops the program with "gomm: fatal error: ...".
 */
#ifndef GOMM_ALLOC_H
#define GOMM_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of size classes, class 0 standing for large objects (> 32 KiB). */
#define GM_NUM_SIZE_CLASSES 68
/* Largest size served from a size class; larger requests get their own span. */
#define GM_MAX_SMALL_SIZE 32768
/* The page heap's page size. */
#define GM_PAGE_SIZE 8192

/* Like Go's runtime.MemStats. All byte counts are bytes; counts are totals
 * since the program started. Figures are read without stopping other
 * threads, so under concurrent allocation they may be off by the operations
 * in flight; with no allocation in progress they add up exactly:
 *   heap_alloc == sum over by_size of (mallocs - frees) * size  (class 0:
 *   large_alloc), heap_objects == mallocs - frees, heap_sys == heap_inuse +
 *   heap_idle, heap_released <= heap_idle. */
typedef struct gm_memstats {
    uint64_t alloc;       /* bytes of allocated heap objects (= heap_alloc) */
    uint64_t total_alloc; /* cumulative bytes allocated (never decreases) */
    uint64_t sys;         /* bytes obtained from the OS, heap and metadata */
    uint64_t mallocs;     /* cumulative count of objects allocated */
    uint64_t frees;       /* cumulative count of objects freed */

    uint64_t heap_alloc;    /* bytes in allocated objects (rounded to class size) */
    uint64_t heap_sys;      /* bytes of heap address space mapped from the OS */
    uint64_t heap_idle;     /* bytes in spans with no objects (free pages) */
    uint64_t heap_inuse;    /* bytes in spans that hold objects */
    uint64_t heap_released; /* bytes of idle pages returned to the OS */
    uint64_t heap_objects;  /* number of allocated objects */
    uint64_t large_alloc;   /* bytes in allocated large objects (> 32 KiB) */
    uint64_t large_objects; /* number of allocated large objects */
    uint64_t meta_sys;      /* bytes mapped for allocator metadata */
    uint64_t num_threads;   /* per-thread caches currently in use */

    /* GC figures (filled in by the collector; zero until it is used). */
    uint64_t next_gc;        /* heap_alloc target of the next cycle */
    uint64_t last_gc_ns;     /* end of the last cycle, ns since the epoch */
    uint64_t pause_total_ns; /* cumulative stop-the-world time */
    uint32_t num_gc;         /* completed cycles */
    uint32_t num_forced_gc;  /* cycles forced by gm_gc() */
    double gc_cpu_fraction;  /* fraction of CPU time used by the GC */
    uint64_t pause_ns[256];  /* recent pauses, circular, most recent at
                                (num_gc + 255) % 256 */

    struct {
        uint32_t size;    /* object size of the class (0 for class 0) */
        uint64_t mallocs; /* objects allocated in this class */
        uint64_t frees;   /* objects freed in this class */
    } by_size[GM_NUM_SIZE_CLASSES];

    /* The collector's figures (gomm/gc.h; docs/gc.md). The fields above
     * count gm_malloc memory only; collected objects are counted here.
     * pause_ns[] holds each cycle's total stop-the-world time; the
     * percentiles below are over the last 1024 individual stops. */
    uint64_t gc_heap_alloc;     /* bytes of the collected heap in use: live after the
                                   last mark plus what was allocated since (Go's
                                   heapLive: cached spans count whole) */
    uint64_t gc_heap_live;      /* bytes marked live by the last completed mark */
    uint64_t gc_heap_goal;      /* the heap size the next cycle aims to end at (= next_gc) */
    uint64_t gc_total_alloc;    /* cumulative bytes taken for collected objects */
    uint64_t gc_freed_bytes;    /* cumulative bytes freed by sweeping */
    uint64_t gc_freed_objects;  /* cumulative objects freed by sweeping */
    uint64_t gc_spans;          /* spans of collected objects in use */
    uint64_t pause_last_ns;     /* the most recent stop */
    uint64_t pause_max_ns;      /* the longest stop so far */
    uint64_t pause_p50_ns;      /* median stop */
    uint64_t pause_p99_ns;      /* 99th percentile stop */
    uint64_t assist_ns;         /* cumulative CPU time allocators spent assisting marking */
    uint64_t gc_mark_cpu_ns;    /* cumulative CPU time of the cycles' drivers */
    uint64_t finalizers_queued; /* finalizers handed to the finalizer thread */
    uint64_t finalizers_run;    /* finalizers that have returned */
} gm_memstats;

void *gm_malloc(size_t n);
void *gm_calloc(size_t count, size_t n); /* overflow -> NULL, errno ENOMEM */
void *gm_realloc(void *p, size_t n);
void *gm_aligned_alloc(size_t align, size_t n);
void gm_free(void *p); /* NULL is a no-op */
size_t gm_usable_size(const void *p);
void gm_read_memstats(gm_memstats *out);

/* Extensions beyond API.md's core. */

/* reallocarray: count*n overflow -> NULL, errno ENOMEM, p untouched. */
void *gm_reallocarray(void *p, size_t count, size_t n);
/* posix_memalign's contract: EINVAL unless align is a power of two multiple
 * of sizeof(void *); ENOMEM; *out untouched on error. */
int gm_posix_memalign(void **out, size_t align, size_t n);
/* Return every idle page to the OS now (Go's debug.FreeOSMemory). */
void gm_free_os_memory(void);
/* Flush the calling thread's cache back to the shared heap; the thread may
 * keep allocating (a new cache is made on demand). Called automatically at
 * thread exit. */
void gm_thread_cache_flush(void);
/* The size class that gm_malloc(n) uses (0 for large), and a class's size. */
int gm_size_class(size_t n);
size_t gm_class_size(int size_class);

#ifdef __cplusplus
}
#endif

#endif /* GOMM_ALLOC_H */
