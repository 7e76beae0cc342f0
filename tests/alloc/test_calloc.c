/*
 * tests/alloc/test_calloc.c — gm_calloc: overflow is refused, memory is
 * zeroed even when it reuses objects that held data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <gomm/alloc.h>

#include "test_util.h"

static uint64_t live_objects(void)
{
    gm_memstats ms;
    gm_read_memstats(&ms);
    return ms.heap_objects;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void test_calloc_overflow_returns_null_enomem(void **state)
{
    (void)state;
    static const size_t pairs[][2] = {
        {SIZE_MAX, 2},         {2, SIZE_MAX},
        {SIZE_MAX / 2 + 1, 2}, {(size_t)1 << 32, (size_t)1 << 32},
        {SIZE_MAX, SIZE_MAX},  {(SIZE_MAX / 16) + 1, 16},
    };
    uint64_t before = live_objects();
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        errno = 0;
        void *p = gm_calloc(pairs[i][0], pairs[i][1]);
        if (p)
            fail_msg("gm_calloc(%zu, %zu) = %p, want NULL", pairs[i][0], pairs[i][1], p);
        assert_int_equal(errno, ENOMEM);
    }
    assert_int_equal(live_objects(), before);
}

static void test_calloc_of_zero_returns_a_unique_freeable_pointer(void **state)
{
    (void)state;
    void *a = gm_calloc(0, 16), *b = gm_calloc(16, 0), *c = gm_calloc(0, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(b, c);
    assert_ptr_not_equal(a, c);
    gm_free(a);
    gm_free(b);
    gm_free(c);
}

/* Dirty every object of a few spans of each class, free them all, calloc as
 * many again: the allocator hands back the same objects (its freelists),
 * and every one must read as zero. */
static void test_calloc_zeroes_reused_dirty_small_objects_of_every_class(void **state)
{
    (void)state;
    enum { N = 600 };
    static uint8_t *dirty[N], *clean[N];
    for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
        size_t sz = gm_class_size(c);
        if (sz >= 16 && sz % 16 != 0)
            continue;
        int n = sz <= 1024 ? N : 40;
        for (int i = 0; i < n; i++) {
            dirty[i] = gm_malloc(sz);
            memset(dirty[i], 0xc3, sz);
        }
        for (int i = 0; i < n; i++)
            gm_free(dirty[i]);
        int reused = 0;
        for (int i = 0; i < n; i++) {
            clean[i] = gm_calloc(1, sz);
            assert_non_null(clean[i]);
            if (!all_zero(clean[i], sz))
                fail_msg("gm_calloc(1, %zu) (class %d) is not zeroed", sz, c);
            for (int j = 0; j < n && !reused; j++)
                reused = clean[i] == dirty[j];
        }
        if (!reused)
            fail_msg("class %d: no dirty object was reused, the test proves nothing", c);
        for (int i = 0; i < n; i++)
            gm_free(clean[i]);
    }
}

/* calloc(count, size) zeroes count*size bytes even where that is not the
 * class size (the object may be bigger: the rest is not promised, the
 * requested part is). */
static void test_calloc_zeroes_the_requested_bytes_for_odd_shapes(void **state)
{
    (void)state;
    for (size_t count = 1; count <= 33; count += 4) {
        for (size_t size = 1; size <= 1000; size = size * 2 + 3) {
            size_t n = count * size;
            uint8_t *d = gm_malloc(n);
            memset(d, 0xff, gm_usable_size(d));
            gm_free(d);
            uint8_t *z = gm_calloc(count, size);
            assert_non_null(z);
            assert_true(gm_usable_size(z) >= n);
            if (!all_zero(z, n))
                fail_msg("gm_calloc(%zu, %zu) is not zeroed", count, size);
            gm_free(z);
        }
    }
}

static void test_calloc_just_above_the_small_limit_is_large_and_zeroed(void **state)
{
    (void)state;
    uint8_t *d = gm_malloc(GM_MAX_SMALL_SIZE + 1);
    memset(d, 0x9, GM_MAX_SMALL_SIZE + 1);
    gm_free(d);
    uint8_t *z = gm_calloc(GM_MAX_SMALL_SIZE + 1, 1);
    assert_non_null(z);
    assert_true(all_zero(z, GM_MAX_SMALL_SIZE + 1));
    assert_int_equal(gm_usable_size(z) % GM_PAGE_SIZE, 0);
    gm_free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calloc_overflow_returns_null_enomem),
        cmocka_unit_test(test_calloc_of_zero_returns_a_unique_freeable_pointer),
        cmocka_unit_test(test_calloc_zeroes_reused_dirty_small_objects_of_every_class),
        cmocka_unit_test(test_calloc_zeroes_the_requested_bytes_for_odd_shapes),
        cmocka_unit_test(test_calloc_just_above_the_small_limit_is_large_and_zeroed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
