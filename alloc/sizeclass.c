/*
 * alloc/sizeclass.c — Go 1.19's size-class table and the lookup tables.
 *
 * Invariants (checked by tests/alloc/test_sizeclass.c for every size):
 * class sizes increase; each class's span holds at least one object; round-up
 * waste and tail waste are Go's; for n >= 16 the malloc class size is a
 * multiple of 16. No locking: the lookup tables are written once, before the
 * first cache is made (sizeclass_init under the init once), read-only after.
 */
#include "sizeclass.h"

/* class -> object size, class 0 = large (Go: class_to_size). */
const uint32_t gm_class_to_size[GM_NUM_CLASSES] = {
    0,     8,     16,    24,    32,    48,    64,    80,    96,    112,   128,   144,
    160,   176,   192,   208,   224,   240,   256,   288,   320,   352,   384,   416,
    448,   480,   512,   576,   640,   704,   768,   896,   1024,  1152,  1280,  1408,
    1536,  1792,  2048,  2304,  2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,
    6528,  6784,  6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
    18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

/* class -> pages per span (Go: class_to_allocnpages). */
const uint8_t gm_class_to_npages[GM_NUM_CLASSES] = {
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2,  3, 1, 3,
    2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
};

/* malloc's size -> class tables, generated from the two tables above by
 * smallest_class_at_least(n, 1) (tests/alloc/test_sizeclass.c regenerates
 * and compares them): n <= 1024 by (n + 7) / 8, above by (n - 1024 + 127) / 128. */
const uint8_t gm_malloc_class8[1024 / 8 + 1] = {
    1,  1,  2,  4,  4,  5,  5,  6,  6,  7,  7,  8,  8,  9,  9,  10, 10, 11, 11, 12, 12, 13,
    13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18, 19, 19, 19, 19, 20, 20, 20, 20, 21, 21, 21,
    21, 22, 22, 22, 22, 23, 23, 23, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 27,
    27, 27, 27, 27, 27, 27, 27, 28, 28, 28, 28, 28, 28, 28, 28, 29, 29, 29, 29, 29, 29, 29,
    29, 30, 30, 30, 30, 30, 30, 30, 30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
    31, 31, 31, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
};
const uint8_t gm_malloc_class128[(GM_MAX_SMALL_SIZE - 1024) / 128 + 1] = {
    32, 33, 34, 35, 36, 37, 37, 38, 38, 39, 39, 40, 40, 40, 41, 41, 41, 42, 43, 43, 44, 44, 44,
    44, 44, 45, 45, 45, 45, 45, 45, 46, 46, 46, 46, 47, 47, 47, 47, 47, 47, 48, 48, 48, 49, 49,
    50, 51, 51, 51, 51, 51, 51, 51, 51, 51, 51, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 53, 53,
    54, 54, 54, 54, 55, 55, 55, 55, 55, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 57, 57, 57,
    57, 57, 57, 57, 57, 57, 57, 58, 58, 58, 58, 58, 58, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59,
    59, 59, 59, 59, 59, 59, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 61,
    61, 61, 61, 61, 62, 62, 62, 62, 62, 62, 62, 62, 62, 62, 62, 63, 63, 63, 63, 63, 63, 63, 63,
    63, 63, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 66,
    66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67,
    67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67,
};

/* Smallest class whose size is >= n, skipping classes that are not 16-byte
 * multiples when skip_unaligned (linear: for tables, tests and gm_new). */
int smallest_class_at_least(size_t n, int skip_unaligned)
{
    for (int c = 1; c < GM_NUM_CLASSES; c++) {
        size_t sz = gm_class_to_size[c];
        if (sz < n)
            continue;
        if (skip_unaligned && sz >= 16 && sz % 16 != 0)
            continue;
        return c;
    }
    return 0;
}

int gm_go_size_class(size_t n)
{
    if (n == 0 || n > GM_MAX_SMALL_SIZE)
        return 0;
    return smallest_class_at_least(n, 0);
}

int gm_size_class(size_t n)
{
    if (n > GM_MAX_SMALL_SIZE)
        return 0;
    return sizeclass_of(n ? n : 1);
}

size_t gm_class_size(int size_class)
{
    if (size_class <= 0 || size_class >= GM_NUM_CLASSES)
        return 0;
    return gm_class_to_size[size_class];
}
