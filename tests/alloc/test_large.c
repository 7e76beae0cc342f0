/*
 * tests/alloc/test_large.c — large objects (> 32 KiB): each gets a span of
 * its own, a whole number of 8 KiB pages, up to and beyond one 64 MiB arena.
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

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static const size_t large_sizes[] = {
    GM_MAX_SMALL_SIZE + 1, 33 * KIB,      40000,    64 * KIB,
    64 * KIB + 1,          100 * KIB + 7, MIB,      MIB + 1,
    8 * MIB + 1,           63 * MIB,      64 * MIB, 64 * MIB + 1,
    100 * MIB + 123,       129 * MIB,
};
#define NLARGE (sizeof large_sizes / sizeof large_sizes[0])

/* Touching every 4 KiB page of all of that would be slow under sanitizers
 * and pointless: write one word per page, plus the ends. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t off = 0; off < n; off += 4096)
        p[off] = (uint8_t)(seed + off / 4096 * 31);
    memset(p + n - (n < 64 ? n : 64), (int)(seed & 0xff), n < 64 ? n : 64);
}

static void check(const uint8_t *p, size_t n, uint32_t seed)
{
    size_t tail = n < 64 ? n : 64;
    for (size_t off = 0; off < n - tail; off += 4096)
        if (p[off] != (uint8_t)(seed + off / 4096 * 31))
            fail_msg("block %p (%zu bytes): byte %zu changed", (const void *)p, n, off);
    for (size_t i = n - tail; i < n; i++)
        if (p[i] != (uint8_t)(seed & 0xff))
            fail_msg("block %p (%zu bytes): tail byte %zu changed", (const void *)p, n, i);
}

static void test_large_usable_size_is_a_page_multiple_at_least_n(void **state)
{
    (void)state;
    for (size_t i = 0; i < NLARGE; i++) {
        size_t n = large_sizes[i];
        void *p = gm_malloc(n);
        if (!p)
            fail_msg("gm_malloc(%zu) = NULL", n);
        size_t us = gm_usable_size(p);
        assert_true(us >= n);
        assert_int_equal(us % GM_PAGE_SIZE, 0);
        assert_true(us - n < GM_PAGE_SIZE); /* rounded up to a page, no more */
        assert_int_equal((uintptr_t)p % GM_PAGE_SIZE, 0);
        assert_int_equal(gm_size_class(n), 0);
        gm_free(p);
    }
}

static void test_large_content_survives_while_others_come_and_go(void **state)
{
    (void)state;
    void *p[NLARGE];
    for (size_t i = 0; i < NLARGE; i++) {
        p[i] = gm_malloc(large_sizes[i]);
        assert_non_null(p[i]);
        fill(p[i], large_sizes[i], (uint32_t)i * 7 + 1);
    }
    /* churn in between: small and large blocks allocated, written, freed */
    for (int r = 0; r < 200; r++) {
        size_t n = (size_t)(r % 5 == 0 ? 3 * MIB : 50 * KIB) + (size_t)r * 8;
        uint8_t *q = gm_malloc(n);
        memset(q, 0xee, n < 8192 ? n : 8192);
        void *s = gm_malloc((size_t)r + 1);
        memset(s, 0xdd, (size_t)r + 1);
        gm_free(q);
        gm_free(s);
    }
    for (size_t i = 0; i < NLARGE; i++)
        check(p[i], large_sizes[i], (uint32_t)i * 7 + 1);
    /* free every other one, then check the rest still hold */
    for (size_t i = 0; i < NLARGE; i += 2)
        gm_free(p[i]);
    for (size_t i = 1; i < NLARGE; i += 2)
        check(p[i], large_sizes[i], (uint32_t)i * 7 + 1);
    for (size_t i = 1; i < NLARGE; i += 2)
        gm_free(p[i]);
}

static void test_a_whole_large_block_is_writable(void **state)
{
    (void)state;
    const size_t n = 3 * MIB + 5;
    uint8_t *p = gm_malloc(n);
    assert_non_null(p);
    size_t us = gm_usable_size(p);
    memset(p, 0x3c, us);
    for (size_t i = 0; i < us; i += 1021)
        assert_int_equal(p[i], 0x3c);
    assert_int_equal(p[us - 1], 0x3c);
    gm_free(p);
}

static void test_large_stats_count_the_block_in_pages(void **state)
{
    (void)state;
    gm_memstats before, during, after;
    gm_read_memstats(&before);
    void *p = gm_malloc(200 * KIB + 1); /* 26 pages */
    gm_read_memstats(&during);
    assert_int_equal(during.large_objects - before.large_objects, 1);
    assert_int_equal(during.large_alloc - before.large_alloc, 26 * GM_PAGE_SIZE);
    assert_int_equal(during.by_size[0].mallocs - before.by_size[0].mallocs, 1);
    gm_free(p);
    gm_read_memstats(&after);
    assert_int_equal(after.large_objects, before.large_objects);
    assert_int_equal(after.large_alloc, before.large_alloc);
    assert_int_equal(after.by_size[0].frees - before.by_size[0].frees, 1);
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void test_calloc_large_is_zeroed_even_on_reused_dirty_pages(void **state)
{
    (void)state;
    static const size_t sizes[] = {40 * KIB, 256 * KIB + 3, 2 * MIB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        uint8_t *d = gm_malloc(n);
        memset(d, 0xab, gm_usable_size(d));
        gm_free(d); /* resident and dirty: far below the 16 MiB kept idle */
        uint8_t *z = gm_calloc(1, n);
        assert_non_null(z);
        /* best fit, lowest address first, on a heap with one free span:
         * the dirty block comes back (this test runs first) */
        assert_ptr_equal(z, d);
        if (!all_zero(z, n))
            fail_msg("gm_calloc(1, %zu) on reused pages is not zeroed", n);
        gm_free(z);
    }
}

static void test_calloc_large_spanning_dirty_and_fresh_pages_is_zeroed(void **state)
{
    (void)state;
    /* A dirty 1 MiB block followed by free pages: a 3 MiB calloc that
     * starts on the dirty block covers both kinds. */
    uint8_t *d = gm_malloc(MIB);
    uint8_t *after = gm_malloc(MIB);
    memset(d, 0x77, MIB);
    memset(after, 0x66, MIB);
    gm_free(d);
    gm_free(after);
    uint8_t *z = gm_calloc(3, MIB);
    assert_non_null(z);
    assert_true(all_zero(z, 3 * MIB));
    gm_free(z);
}

static void test_huge_request_is_null_enomem(void **state)
{
    (void)state;
    errno = 0;
    assert_null(gm_malloc(SIZE_MAX));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(gm_malloc((size_t)1 << 60));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(gm_calloc(1, SIZE_MAX - 4096));
    assert_int_equal(errno, ENOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first, on a fresh heap: the dirty block is the only fit at its
         * address, so the calloc must come back on it */
        cmocka_unit_test(test_calloc_large_is_zeroed_even_on_reused_dirty_pages),
        cmocka_unit_test(test_calloc_large_spanning_dirty_and_fresh_pages_is_zeroed),
        cmocka_unit_test(test_large_usable_size_is_a_page_multiple_at_least_n),
        cmocka_unit_test(test_large_content_survives_while_others_come_and_go),
        cmocka_unit_test(test_a_whole_large_block_is_writable),
        cmocka_unit_test(test_large_stats_count_the_block_in_pages),
        cmocka_unit_test(test_huge_request_is_null_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
