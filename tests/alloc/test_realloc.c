/*
 * tests/alloc/test_realloc.c — gm_realloc and gm_reallocarray: content is
 * kept across every small/large combination, glibc's edge cases.
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

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 13 + (i >> 8));
}

static void expect_kept(const uint8_t *p, size_t n, uint8_t seed, size_t from, size_t to)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed + i * 13 + (i >> 8)))
            fail_msg("realloc %zu -> %zu: byte %zu lost", from, to, i);
}

static uint64_t live_objects(void)
{
    gm_memstats ms;
    gm_read_memstats(&ms);
    return ms.heap_objects;
}

/* Every pair from this list: small->small up and down, small->large,
 * large->small, large->large up and down. */
static const size_t sizes[] = {
    1,         8,   16,         17, 100, 1024, 1025, 5000, GM_MAX_SMALL_SIZE, GM_MAX_SMALL_SIZE + 1,
    100 * KIB, MIB, 3 * MIB + 7};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void test_realloc_keeps_content_between_every_pair_of_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSIZES; i++) {
        for (size_t j = 0; j < NSIZES; j++) {
            size_t from = sizes[i], to = sizes[j];
            uint8_t seed = (uint8_t)(i * 16 + j);
            uint8_t *p = gm_malloc(from);
            assert_non_null(p);
            fill(p, from, seed);
            uint8_t *q = gm_realloc(p, to);
            if (!q)
                fail_msg("gm_realloc(%zu -> %zu) = NULL", from, to);
            assert_true(gm_usable_size(q) >= to);
            expect_kept(q, from < to ? from : to, seed, from, to);
            /* the new block is writable over its whole requested size */
            memset(q, 0x11, to);
            gm_free(q);
        }
    }
}

static void test_realloc_growth_chain_keeps_content(void **state)
{
    (void)state;
    /* 1 byte to 8 MiB by a factor of ~1.5, as a growing buffer does */
    size_t n = 1;
    uint8_t *p = gm_malloc(n);
    fill(p, n, 3);
    while (n < 8 * MIB) {
        size_t m = n + n / 2 + 1;
        uint8_t *q = gm_realloc(p, m);
        assert_non_null(q);
        expect_kept(q, n, 3, n, m);
        fill(q, m, 3);
        p = q;
        n = m;
    }
    /* and back down */
    while (n > 1) {
        size_t m = n / 3;
        uint8_t *q = gm_realloc(p, m ? m : 1);
        assert_non_null(q);
        m = m ? m : 1;
        expect_kept(q, m, 3, n, m);
        p = q;
        n = m;
    }
    gm_free(p);
}

static void test_realloc_of_null_is_malloc(void **state)
{
    (void)state;
    uint64_t before = live_objects();
    void *p = gm_realloc(NULL, 100);
    assert_non_null(p);
    assert_true(gm_usable_size(p) >= 100);
    assert_int_equal(live_objects(), before + 1);
    void *q = gm_realloc(NULL, 100 * KIB);
    assert_non_null(q);
    assert_true(gm_usable_size(q) >= 100 * KIB);
    void *z = gm_realloc(NULL, 0);
    assert_non_null(z); /* like malloc(0): a unique pointer */
    gm_free(p);
    gm_free(q);
    gm_free(z);
    assert_int_equal(live_objects(), before);
}

static void test_realloc_to_zero_frees_and_returns_null(void **state)
{
    (void)state;
    static const size_t from[] = {10, 5000, 100 * KIB};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        uint64_t before = live_objects();
        void *p = gm_malloc(from[i]);
        assert_int_equal(live_objects(), before + 1);
        assert_null(gm_realloc(p, 0));
        assert_int_equal(live_objects(), before);
    }
}

static void test_realloc_within_usable_size_keeps_the_pointer(void **state)
{
    (void)state;
    static const size_t from[] = {100, 3000, 50 * KIB};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        uint8_t *p = gm_malloc(from[i]);
        size_t us = gm_usable_size(p);
        fill(p, from[i], 9);
        assert_ptr_equal(gm_realloc(p, us), p);
        expect_kept(p, from[i], 9, from[i], us);
        gm_free(p);
    }
}

static void test_reallocarray_overflow_is_null_enomem_and_keeps_p(void **state)
{
    (void)state;
    static const size_t from[] = {64, 100 * KIB};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        uint8_t *p = gm_malloc(from[i]);
        fill(p, from[i], 5);
        uint64_t before = live_objects();
        errno = 0;
        assert_null(gm_reallocarray(p, SIZE_MAX / 2 + 1, 2));
        assert_int_equal(errno, ENOMEM);
        errno = 0;
        assert_null(gm_reallocarray(p, (size_t)1 << 33, (size_t)1 << 33));
        assert_int_equal(errno, ENOMEM);
        assert_int_equal(live_objects(), before);
        /* p is untouched and still ours */
        expect_kept(p, from[i], 5, from[i], from[i]);
        assert_true(gm_usable_size(p) >= from[i]);
        gm_free(p);
    }
}

static void test_reallocarray_without_overflow_is_realloc(void **state)
{
    (void)state;
    uint8_t *p = gm_reallocarray(NULL, 10, 10);
    assert_non_null(p);
    assert_true(gm_usable_size(p) >= 100);
    fill(p, 100, 1);
    uint8_t *q = gm_reallocarray(p, 1000, 100);
    assert_non_null(q);
    assert_true(gm_usable_size(q) >= 100000);
    expect_kept(q, 100, 1, 100, 100000);
    assert_null(gm_reallocarray(q, 0, 7)); /* size 0: freed, NULL */
}

static void test_realloc_of_an_impossible_size_is_null_enomem_and_keeps_p(void **state)
{
    (void)state;
    uint8_t *p = gm_malloc(200);
    fill(p, 200, 8);
    errno = 0;
    assert_null(gm_realloc(p, SIZE_MAX - 4096));
    assert_int_equal(errno, ENOMEM);
    expect_kept(p, 200, 8, 200, 200);
    gm_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realloc_keeps_content_between_every_pair_of_sizes),
        cmocka_unit_test(test_realloc_growth_chain_keeps_content),
        cmocka_unit_test(test_realloc_of_null_is_malloc),
        cmocka_unit_test(test_realloc_to_zero_frees_and_returns_null),
        cmocka_unit_test(test_realloc_within_usable_size_keeps_the_pointer),
        cmocka_unit_test(test_reallocarray_overflow_is_null_enomem_and_keeps_p),
        cmocka_unit_test(test_reallocarray_without_overflow_is_realloc),
        cmocka_unit_test(test_realloc_of_an_impossible_size_is_null_enomem_and_keeps_p),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
