/*
 * alloc/malloc.c — the public allocation API (gomm/alloc.h) and memstats.
 *
 * Small requests (<= 32 KiB) go to the calling thread's cache (cache_alloc,
 * inline, no lock); larger ones get a span of their own from the page heap.
 * gm_free finds the span from the page map; a free to a span the calling
 * thread owns is private stores only, any other small free is one CAS on
 * the span's remote-free list, a large free takes the heap lock.
 *
 * Checks that are always on (cheap): the pointer must be in a page gomm
 * owns, at the start of an object, and not the object most recently freed
 * into its span (the common double free); a large block must still be in
 * use. With GOMM_DEBUG (the debug build) a local free also walks the span's
 * free lists, which catches any double free of an object its owner freed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "gc.h"
#include "internal.h"
#include "os.h"
#include "race_hooks.h"

static void *large_alloc(size_t n, size_t align, bool zero)
{
    gm_alloc_ensure_init();
    if (n > ((size_t)1 << GM_ADDR_BITS)) {
        errno = ENOMEM;
        return NULL;
    }
    size_t npages = (n + GM_PAGE_SIZE - 1) / GM_PAGE_SIZE;
    size_t align_pages = align > GM_PAGE_SIZE ? align / GM_PAGE_SIZE : 1;
    gm_span *s = heap_alloc_span(npages, align_pages, SPAN_LARGE, 0);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    gm_stack_scrub_if_grown();
    if (zero && s->needzero)
        memset((void *)s->start, 0, npages * GM_PAGE_SIZE);
    return (void *)s->start;
}

/* The usable size of the block starting at p; 0 if p starts no block. */
static size_t block_size_or0(const void *p)
{
    gm_span *s = span_of(p);
    if (s && s->kind == SPAN_SMALL) {
        if (span_is_object_start(s, (uintptr_t)p))
            return s->elem_size;
    } else if (s && s->kind == SPAN_LARGE && (uintptr_t)p == s->start) {
        return s->npages * GM_PAGE_SIZE;
    }
    return 0;
}

/* The block p starts and its usable size; fatal if p is not a gomm block. */
static size_t block_size(const void *p)
{
    size_t n = block_size_or0(p);
    if (n)
        return n;
    gm_span *s = span_of(p);
    if (!s)
        gm_fatal("pointer %p not allocated by gomm", p);
    gm_fatal("pointer %p is not the start of a live gomm block", p);
}

static inline void *malloc_impl(size_t n)
{
    if (GM_LIKELY(n <= GM_MAX_SMALL_SIZE))
        return cache_alloc(sizeclass_of(n ? n : 1));
    return large_alloc(n, 0, false);
}

void *gm_malloc(size_t n)
{
#ifdef GOMM_RACE
    void *p = malloc_impl(n);
    RACE_ALLOC(p, n, block_size(p));
    return p;
#else
    return malloc_impl(n);
#endif
}

void *gm_calloc(size_t count, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(count, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p;
    if (total > GM_MAX_SMALL_SIZE) {
        p = large_alloc(total, 0, true);
    } else {
        p = cache_alloc(sizeclass_of(total ? total : 1));
        if (p)
            memset(p, 0, total);
    }
    RACE_ALLOC(p, total, block_size(p));
    return p;
}

GM_NORETURN void free_invalid(const void *p, const gm_span *s)
{
    if (!s) {
        uintptr_t a = (uintptr_t)p;
        if (!(a >> GM_ADDR_BITS) &&
            atomic_load_explicit(&gm_arena_map[a >> GM_ARENA_SHIFT], memory_order_acquire))
            gm_fatal("double free of pointer %p (its memory is already free)", p);
        gm_fatal("free of pointer %p not allocated by gomm", p);
    }
    switch (s->kind) {
    case SPAN_SMALL: {
        if (!span_is_object_start(s, (uintptr_t)p))
            gm_fatal("free of pointer %p: not the start of an object (span of %u-byte "
                     "objects at %p)",
                     p, s->elem_size, (void *)s->start);
        gm_fatal("double free of pointer %p (%u-byte object)", p, s->elem_size);
    }
    case SPAN_LARGE:
        gm_fatal("free of pointer %p: not the start of a block (large block of %zu bytes "
                 "at %p)",
                 p, s->npages * GM_PAGE_SIZE, (void *)s->start);
    case SPAN_GC:
        gm_fatal("free of pointer %p: a collected object (gm_new) is freed by the collector", p);
    default:
        gm_fatal("double free of pointer %p (its memory is already free)", p);
    }
}

#ifdef GOMM_DEBUG
void debug_check_not_free(const gm_span *s, const gm_free_obj *o)
{
    for (const gm_free_obj *f = s->freelist; f; f = f->next)
        if (f == o)
            free_invalid(o, s);
    for (const gm_free_obj *f = s->local_free; f; f = f->next)
        if (f == o)
            free_invalid(o, s);
}
#endif

void free_slow(void *p, gm_span *s)
{
    if (!s) {
        if (!p)
            return;
        free_invalid(p, s);
    }
    if (s->kind == SPAN_SMALL) {
        if (!span_is_object_start(s, (uintptr_t)p))
            free_invalid(p, s);
        gm_cache *c = gm_tls_cache ? gm_tls_cache : cache_get();
        if (c)
            counter_inc(&c->nfree[s->size_class]);
        span_remote_free(s, (gm_free_obj *)p);
        return;
    }
    if (s->kind == SPAN_LARGE && (uintptr_t)p == s->start) {
        heap_free_span(s);
        return;
    }
    free_invalid(p, s);
}

/* gm_free with the race checker told that pc freed p. */
static inline void free_pc(void *p, uintptr_t pc)
{
    if (p) {
#ifdef GOMM_RACE
        size_t n = block_size_or0(p); /* 0: gm_free_inline reports it */
        if (n)
            RACE_FREE_PC(p, n, pc);
#else
        (void)pc;
#endif
        gm_free_inline(p);
    }
}

void gm_free(void *p)
{
    free_pc(p, (uintptr_t)__builtin_return_address(0));
}

size_t gm_usable_size(const void *p)
{
    return p ? block_size(p) : 0;
}

/* The allocation, copy and free that a moving gm_realloc does are its
 * caller's: the race checker is given the caller's pc for each, so
 * reports name the line that called gm_realloc. */
void *gm_realloc(void *p, size_t n)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    if (!p) {
        void *q = malloc_impl(n);
        RACE_ALLOC_PC(q, n, block_size(q), pc);
        return q;
    }
    if (n == 0) { /* glibc's behaviour: free, return NULL */
        free_pc(p, pc);
        return NULL;
    }
    size_t old = block_size(p);
    if (n <= old && n >= old / 2)
        return p; /* fits, and not so much smaller that shrinking pays */
    void *q = malloc_impl(n);
    if (!q)
        return NULL; /* p untouched, errno ENOMEM */
    RACE_ALLOC_PC(q, n, block_size(q), pc);
    RACE_READ_RANGE(p, n < old ? n : old); /* the copy reads the old block */
    memcpy(q, p, n < old ? n : old);
    free_pc(p, pc);
    return q;
}

void *gm_reallocarray(void *p, size_t count, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(count, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return gm_realloc(p, total);
}

static void *aligned_impl(size_t align, size_t n)
{
    if (align <= 8 || (align <= 16 && n >= 16))
        return malloc_impl(n); /* malloc already aligns this much */
    if (n < align)
        n = align;
    if (align <= GM_PAGE_SIZE && n <= GM_MAX_SMALL_SIZE) {
        /* An object is aligned iff its class size is a multiple of align
         * (spans start on a page boundary). */
        for (int k = sizeclass_of(n); k < GM_NUM_CLASSES; k++)
            if (gm_class_to_size[k] % align == 0)
                return cache_alloc(k);
    }
    return large_alloc(n, align, false);
}

void *gm_aligned_alloc(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    void *p = aligned_impl(align, n);
    RACE_ALLOC(p, n, block_size(p));
    return p;
}

int gm_posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    int saved = errno;
    void *p = gm_aligned_alloc(align, n);
    if (!p) {
        int e = errno;
        errno = saved;
        return e ? e : ENOMEM;
    }
    *out = p;
    return 0;
}

void gm_read_memstats(gm_memstats *out)
{
    memset(out, 0, sizeof *out);
    gm_alloc_ensure_init();
    uint64_t nm[GM_NUM_CLASSES] = {0}, nf[GM_NUM_CLASSES] = {0}, threads;
    cache_read_counts(nm, nf, &threads);
    heap_stats hs;
    heap_read_stats(&hs);
    for (int k = 1; k < GM_NUM_CLASSES; k++) {
        uint64_t size = gm_class_to_size[k];
        out->by_size[k].size = (uint32_t)size;
        out->by_size[k].mallocs = nm[k];
        out->by_size[k].frees = nf[k];
        out->mallocs += nm[k];
        out->frees += nf[k];
        out->total_alloc += nm[k] * size;
        if (nm[k] > nf[k]) /* a racing remote free may be counted first */
            out->heap_alloc += (nm[k] - nf[k]) * size;
    }
    out->by_size[0].mallocs = hs.large_mallocs;
    out->by_size[0].frees = hs.large_frees;
    out->mallocs += hs.large_mallocs;
    out->frees += hs.large_frees;
    out->total_alloc += hs.large_total;
    out->heap_alloc += hs.large_alloc;
    out->large_alloc = hs.large_alloc;
    out->large_objects = hs.large_objects;
    out->alloc = out->heap_alloc;
    out->heap_objects = out->mallocs > out->frees ? out->mallocs - out->frees : 0;
    out->heap_sys = hs.sys;
    out->heap_idle = hs.idle;
    out->heap_inuse = hs.sys - hs.idle;
    out->heap_released = hs.released;
    out->meta_sys = meta_sys_bytes() + hs.arena_meta;
    out->sys = out->heap_sys + out->meta_sys;
    out->num_threads = threads;
    gc_read_stats(out);
}

#ifdef GOMM_RACE
/* The block holding addr, for race reports (any address: not only starts).
 * Reads span fields without a lock: report time only, and a span that
 * changes under it gives at worst a wrong location line, never a crash
 * (span descriptors are never unmapped). */
static bool race_block_of(uintptr_t a, uintptr_t *start, size_t *size)
{
    gm_span *s = span_of((const void *)a);
    if (!s)
        return false;
    if (s->kind == SPAN_SMALL && s->elem_size) {
        uintptr_t off = a - s->start;
        if (off >= s->objs_bytes)
            return false;
        *start = s->start + off / s->elem_size * s->elem_size;
        *size = s->elem_size;
        return true;
    }
    if (s->kind == SPAN_LARGE) {
        *start = s->start;
        *size = s->npages * GM_PAGE_SIZE;
        return true;
    }
    return false;
}

__attribute__((constructor)) static void race_register_finder(void)
{
    gm_race_set_block_finder(race_block_of);
}
#endif
