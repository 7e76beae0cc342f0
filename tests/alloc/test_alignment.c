/*
 * tests/alloc/test_alignment.c — what alignment gm_malloc, gm_aligned_alloc
 * and gm_posix_memalign guarantee, and how they refuse bad alignments.
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

static void assert_aligned(const void *p, size_t a, const char *what, size_t n)
{
    if ((uintptr_t)p % a != 0)
        fail_msg("%s(%zu) = %p is not %zu-aligned", what, n, p, a);
}

static void test_malloc_is_16_aligned_from_16_bytes_and_8_aligned_below(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 4 * KIB; n++) {
        void *p = gm_malloc(n);
        assert_non_null(p);
        assert_aligned(p, n >= 16 ? 16 : 8, "gm_malloc", n);
        gm_free(p);
    }
    /* a second object of the same class, not only the first of a span */
    for (size_t n = 1; n <= GM_MAX_SMALL_SIZE; n = n * 3 / 2 + 1) {
        void *a = gm_malloc(n), *b = gm_malloc(n), *c = gm_malloc(n);
        assert_aligned(a, n >= 16 ? 16 : 8, "gm_malloc", n);
        assert_aligned(b, n >= 16 ? 16 : 8, "gm_malloc", n);
        assert_aligned(c, n >= 16 ? 16 : 8, "gm_malloc", n);
        gm_free(a);
        gm_free(b);
        gm_free(c);
    }
}

static void test_malloc_of_a_large_size_is_page_aligned(void **state)
{
    (void)state;
    static const size_t sizes[] = {GM_MAX_SMALL_SIZE + 1, 40000, 100 * KIB, MIB + 3, 5 * MIB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = gm_malloc(sizes[i]);
        assert_non_null(p);
        assert_aligned(p, GM_PAGE_SIZE, "gm_malloc", sizes[i]);
        gm_free(p);
    }
}

static void test_aligned_alloc_is_aligned_for_every_power_of_two_up_to_1_mib(void **state)
{
    (void)state;
    static const size_t sizes[] = {0,    1,    7,    8,     15,    16,    17,   100,
                                   1000, 4096, 5000, 32767, 32768, 32769, 70000};
    enum { NS = sizeof sizes / sizeof sizes[0] };
    for (size_t a = 1; a <= MIB; a <<= 1) {
        void *keep[NS][2];
        for (size_t i = 0; i < NS; i++) {
            size_t n = sizes[i];
            for (int k = 0; k < 2; k++) { /* two in a row: not just a fresh span */
                void *p = gm_aligned_alloc(a, n);
                if (!p)
                    fail_msg("gm_aligned_alloc(%zu, %zu) = NULL", a, n);
                assert_aligned(p, a, "gm_aligned_alloc", n);
                size_t us = gm_usable_size(p);
                if (us < n)
                    fail_msg("gm_aligned_alloc(%zu, %zu): usable size %zu", a, n, us);
                /* writable over the whole requested size */
                if (n)
                    memset(p, 0x5a, n);
                if (us)
                    ((volatile uint8_t *)p)[us - 1] = 0xa5;
                keep[i][k] = p;
            }
        }
        for (size_t i = 0; i < NS; i++) {
            for (int k = 0; k < 2; k++) {
                if (sizes[i])
                    assert_int_equal(((uint8_t *)keep[i][k])[0], 0x5a);
                gm_free(keep[i][k]);
            }
        }
    }
}

static void test_posix_memalign_is_aligned_for_every_valid_alignment(void **state)
{
    (void)state;
    for (size_t a = sizeof(void *); a <= MIB; a <<= 1) {
        static const size_t sizes[] = {0, 1, 24, 1000, 10000, 40000};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            void *p = NULL;
            assert_int_equal(gm_posix_memalign(&p, a, sizes[i]), 0);
            assert_non_null(p);
            assert_aligned(p, a, "gm_posix_memalign", sizes[i]);
            assert_true(gm_usable_size(p) >= sizes[i]);
            if (sizes[i])
                memset(p, 1, sizes[i]);
            gm_free(p);
        }
    }
}

static void test_posix_memalign_rejects_bad_alignment_with_einval_and_leaves_out(void **state)
{
    (void)state;
    static const size_t bad[] = {0, 1, 2, 4, 3, 12, 24, 48, 100, 4097, (size_t)1 << 63 | 8};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *sentinel = (void *)(uintptr_t)0x1234;
        void *p = sentinel;
        errno = 0;
        int rc = gm_posix_memalign(&p, bad[i], 64);
        if (rc != EINVAL)
            fail_msg("gm_posix_memalign(align %zu) = %d, want EINVAL", bad[i], rc);
        assert_ptr_equal(p, sentinel);
    }
}

static void test_posix_memalign_of_an_impossible_size_is_enomem(void **state)
{
    (void)state;
    void *sentinel = (void *)(uintptr_t)0x1234;
    void *p = sentinel;
    int rc = gm_posix_memalign(&p, 64, SIZE_MAX - 4096);
    assert_int_equal(rc, ENOMEM);
    assert_ptr_equal(p, sentinel);
}

static void test_aligned_alloc_rejects_non_power_of_two_alignment_with_einval(void **state)
{
    (void)state;
    static const size_t bad[] = {0, 3, 6, 12, 24, 48, 96, 1000, 3 * 4096};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        void *p = gm_aligned_alloc(bad[i], 64);
        if (p != NULL)
            fail_msg("gm_aligned_alloc(%zu, 64) = %p, want NULL", bad[i], p);
        assert_int_equal(errno, EINVAL);
    }
}

static void test_aligned_alloc_of_an_impossible_size_is_null_enomem(void **state)
{
    (void)state;
    errno = 0;
    void *p = gm_aligned_alloc(4096, SIZE_MAX - 8192);
    assert_null(p);
    assert_int_equal(errno, ENOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malloc_is_16_aligned_from_16_bytes_and_8_aligned_below),
        cmocka_unit_test(test_malloc_of_a_large_size_is_page_aligned),
        cmocka_unit_test(test_aligned_alloc_is_aligned_for_every_power_of_two_up_to_1_mib),
        cmocka_unit_test(test_posix_memalign_is_aligned_for_every_valid_alignment),
        cmocka_unit_test(test_posix_memalign_rejects_bad_alignment_with_einval_and_leaves_out),
        cmocka_unit_test(test_posix_memalign_of_an_impossible_size_is_enomem),
        cmocka_unit_test(test_aligned_alloc_rejects_non_power_of_two_alignment_with_einval),
        cmocka_unit_test(test_aligned_alloc_of_an_impossible_size_is_null_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
