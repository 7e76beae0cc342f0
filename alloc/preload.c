/*
 * alloc/preload.c — libgomm_malloc.so: the malloc family on gomm's heap.
 *
 * LD_PRELOAD=libgomm_malloc.so puts these definitions ahead of glibc's, so
 * every malloc/free of the program (and of the libraries it loads) goes
 * through gomm. Each is a thin wrapper with glibc's contract where C leaves
 * room: malloc(0) returns a unique pointer, realloc(p, 0) frees and returns
 * NULL, memalign rounds a non-power-of-two alignment up, valloc/pvalloc
 * align to the system page. No state of its own.
 *
 * Only the names below are exported: the library is built with hidden
 * visibility except for the malloc family and the gm_ API.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include <gomm/alloc.h>

#include "internal.h"

#define EXPORT __attribute__((visibility("default")))

/* malloc and free carry the inline fast paths themselves (one call less
 * than going through gm_malloc/gm_free). */
EXPORT void *malloc(size_t n)
{
    if (GM_LIKELY(n <= GM_MAX_SMALL_SIZE))
        return cache_alloc(sizeclass_of(n ? n : 1));
    return gm_malloc(n);
}

EXPORT void free(void *p)
{
    if (p)
        gm_free_inline(p);
}

EXPORT void *calloc(size_t count, size_t n)
{
    return gm_calloc(count, n);
}

EXPORT void *realloc(void *p, size_t n)
{
    return gm_realloc(p, n);
}

EXPORT void *reallocarray(void *p, size_t count, size_t n)
{
    return gm_reallocarray(p, count, n);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    return gm_posix_memalign(out, align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    return gm_aligned_alloc(align, n);
}

static size_t round_pow2(size_t a)
{
    size_t p = 1;
    while (p < a && p != 0)
        p <<= 1;
    return p;
}

EXPORT void *memalign(size_t align, size_t n)
{
    if (align == 0)
        align = 1;
    size_t p2 = round_pow2(align);
    if (p2 == 0) {
        errno = EINVAL;
        return NULL;
    }
    return gm_aligned_alloc(p2, n);
}

static size_t sys_page(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

EXPORT void *valloc(size_t n)
{
    return gm_aligned_alloc(sys_page(), n);
}

EXPORT void *pvalloc(size_t n)
{
    size_t pg = sys_page();
    size_t rounded = (n + pg - 1) & ~(pg - 1);
    if (rounded < n) {
        errno = ENOMEM;
        return NULL;
    }
    return gm_aligned_alloc(pg, rounded ? rounded : pg);
}

EXPORT size_t malloc_usable_size(void *p)
{
    return gm_usable_size(p);
}

EXPORT int malloc_trim(size_t pad)
{
    (void)pad;
    gm_free_os_memory();
    return 1;
}
