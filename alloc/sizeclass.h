/*
 * alloc/sizeclass.h — Go's small size classes and the size -> class lookup.
 *
 * The table is Go 1.19's (runtime/sizeclasses.go), so object sizes, span
 * sizes and the tail waste are Go's. Lookup is two byte tables as in Go:
 * class8 for n <= 1024 by (n+7)/8, class128 above by (n-1024+127)/128.
 * malloc needs 16-byte alignment for n >= 16, which Go's 24-byte class does
 * not give, so the malloc tables map 17..24 to the 32-byte class; the Go
 * mapping is kept beside it (gm_go_size_class) for collected objects.
 * All tables are constant.
 */
#ifndef GOMM_ALLOC_SIZECLASS_H
#define GOMM_ALLOC_SIZECLASS_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

#pragma GCC visibility push(hidden) /* internal to the library */

extern const uint32_t gm_class_to_size[GM_NUM_CLASSES];
extern const uint8_t gm_class_to_npages[GM_NUM_CLASSES];
extern const uint8_t gm_malloc_class8[1024 / 8 + 1];
extern const uint8_t gm_malloc_class128[(GM_MAX_SMALL_SIZE - 1024) / 128 + 1];

/* Smallest class of size >= n; skip_unaligned: only 16-byte multiples >= 16. */
int smallest_class_at_least(size_t n, int skip_unaligned);

/* The class gm_malloc uses for 0 < n <= GM_MAX_SMALL_SIZE. */
static inline int sizeclass_of(size_t n)
{
    if (n <= 1024)
        return gm_malloc_class8[(n + 7) >> 3];
    return gm_malloc_class128[(n - 1024 + 127) >> 7];
}

/* Go's own mapping (class 3, 24 bytes, included). */
int gm_go_size_class(size_t n);

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_SIZECLASS_H */
