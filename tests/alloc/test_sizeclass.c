/*
 * tests/alloc/test_sizeclass.c — size classes: Go 1.19's table and the
 * size -> class mappings, checked for every small size.
 *
 * The expected values are recomputed here from first principles (the class
 * sizes and the rules), never from the lookup tables under test. The Go
 * table below is transcribed from Go 1.19.8's runtime/sizeclasses.go as
 * quoted in /work/shared/research/alloc-gc.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gomm/alloc.h>

#include "internal.h"
#include "sizeclass.h"

/* Go 1.19: class, bytes/obj, bytes/span, objects, tail waste, max waste in
 * hundredths of a percent (as Go prints it, %.2f). */
static const struct go_class {
    int cls;
    uint32_t size, span, objs, tail, max_waste_x100;
} go119[] = {
    {1, 8, 8192, 1024, 0, 8750},      {2, 16, 8192, 512, 0, 4375},
    {3, 24, 8192, 341, 8, 2924},      {4, 32, 8192, 256, 0, 2188},
    {5, 48, 8192, 170, 32, 3152},     {6, 64, 8192, 128, 0, 2344},
    {7, 80, 8192, 102, 32, 1907},     {8, 96, 8192, 85, 32, 1595},
    {9, 112, 8192, 73, 16, 1356},     {10, 128, 8192, 64, 0, 1172},
    {11, 144, 8192, 56, 128, 1182},   {12, 160, 8192, 51, 32, 973},
    {13, 176, 8192, 46, 96, 959},     {14, 192, 8192, 42, 128, 925},
    {15, 208, 8192, 39, 80, 812},     {16, 224, 8192, 36, 128, 815},
    {17, 240, 8192, 34, 32, 662},     {18, 256, 8192, 32, 0, 586},
    {19, 288, 8192, 28, 128, 1216},   {20, 320, 8192, 25, 192, 1180},
    {21, 352, 8192, 23, 96, 988},     {22, 384, 8192, 21, 128, 951},
    {23, 416, 8192, 19, 288, 1071},   {24, 448, 8192, 18, 128, 837},
    {25, 480, 8192, 17, 32, 682},     {26, 512, 8192, 16, 0, 605},
    {27, 576, 8192, 14, 128, 1233},   {28, 640, 8192, 12, 512, 1548},
    {29, 704, 8192, 11, 448, 1393},   {30, 768, 8192, 10, 512, 1394},
    {31, 896, 8192, 9, 128, 1552},    {32, 1024, 8192, 8, 0, 1240},
    {33, 1152, 8192, 7, 128, 1241},   {34, 1280, 8192, 6, 512, 1555},
    {35, 1408, 16384, 11, 896, 1400}, {36, 1536, 8192, 5, 512, 1400},
    {37, 1792, 16384, 9, 256, 1557},  {38, 2048, 8192, 4, 0, 1245},
    {39, 2304, 16384, 7, 256, 1246},  {40, 2688, 8192, 3, 128, 1559},
    {41, 3072, 24576, 8, 0, 1247},    {42, 3200, 16384, 5, 384, 622},
    {43, 3456, 24576, 7, 384, 883},   {44, 4096, 8192, 2, 0, 1560},
    {45, 4864, 24576, 5, 256, 1665},  {46, 5376, 16384, 3, 256, 1092},
    {47, 6144, 24576, 4, 0, 1248},    {48, 6528, 32768, 5, 128, 623},
    {49, 6784, 40960, 6, 256, 436},   {50, 6912, 49152, 7, 768, 337},
    {51, 8192, 8192, 1, 0, 1561},     {52, 9472, 57344, 6, 512, 1428},
    {53, 9728, 49152, 5, 512, 364},   {54, 10240, 40960, 4, 0, 499},
    {55, 10880, 32768, 3, 128, 624},  {56, 12288, 24576, 2, 0, 1145},
    {57, 13568, 40960, 3, 256, 999},  {58, 14336, 57344, 4, 0, 535},
    {59, 16384, 16384, 1, 0, 1249},   {60, 18432, 73728, 4, 0, 1111},
    {61, 19072, 57344, 3, 128, 357},  {62, 20480, 40960, 2, 0, 687},
    {63, 21760, 65536, 3, 256, 625},  {64, 24576, 24576, 1, 0, 1145},
    {65, 27264, 81920, 3, 128, 1000}, {66, 28672, 57344, 2, 0, 491},
    {67, 32768, 32768, 1, 0, 1250},
};
#define NGO ((int)(sizeof go119 / sizeof go119[0]))

/* The expected malloc class of n, from the class sizes alone: the smallest
 * class that holds n, skipping classes that are not 16-byte multiples once
 * the class size is 16 or more (malloc must align n >= 16 to 16). */
static int expected_malloc_class(size_t n)
{
    if (n == 0)
        n = 1;
    if (n > GM_MAX_SMALL_SIZE)
        return 0;
    for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
        uint32_t sz = go119[c - 1].size;
        if (sz >= n && (sz < 16 || sz % 16 == 0))
            return c;
    }
    return 0;
}

/* Go's rule: the smallest class that holds n, every class allowed. */
static int expected_go_class(size_t n)
{
    if (n == 0 || n > GM_MAX_SMALL_SIZE)
        return 0;
    for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++)
        if (go119[c - 1].size >= n)
            return c;
    return 0;
}

static void test_there_are_67_classes_plus_the_large_class(void **state)
{
    (void)state;
    assert_int_equal(NGO, 67);
    assert_int_equal(GM_NUM_SIZE_CLASSES, 68);
    assert_int_equal(GM_NUM_CLASSES, 68);
    assert_int_equal(GM_MAX_SMALL_SIZE, 32768);
    assert_int_equal(GM_PAGE_SIZE, 8192);
    assert_int_equal(gm_class_to_size[0], 0);
    assert_int_equal(gm_class_to_npages[0], 0);
    assert_int_equal(gm_class_to_size[GM_NUM_CLASSES - 1], GM_MAX_SMALL_SIZE);
}

static void test_class_sizes_and_span_sizes_are_go_1_19s(void **state)
{
    (void)state;
    for (int i = 0; i < NGO; i++) {
        const struct go_class *g = &go119[i];
        assert_int_equal(g->cls, i + 1);
        assert_int_equal(gm_class_to_size[g->cls], g->size);
        assert_int_equal((uint32_t)gm_class_to_npages[g->cls] * GM_PAGE_SIZE, g->span);
        assert_int_equal(gm_class_size(g->cls), g->size);
    }
}

static void test_objects_per_span_and_tail_waste_are_go_1_19s(void **state)
{
    (void)state;
    for (int c = 1; c < GM_NUM_CLASSES; c++) {
        uint32_t span = (uint32_t)gm_class_to_npages[c] * GM_PAGE_SIZE;
        uint32_t size = gm_class_to_size[c];
        uint32_t objs = span / size;
        uint32_t tail = span - objs * size;
        assert_int_equal(objs, go119[c - 1].objs);
        assert_int_equal(tail, go119[c - 1].tail);
        assert_true(objs >= 1);
    }
    /* The two rows the brief quotes, spelled out. */
    assert_int_equal(gm_class_to_size[3], 24);
    assert_int_equal(gm_class_to_npages[3] * GM_PAGE_SIZE, 8192);
    assert_int_equal(8192 / 24, 341);
    assert_int_equal(8192 % 24, 8);
    assert_int_equal(gm_class_to_size[43], 3456);
    assert_int_equal(gm_class_to_npages[43] * GM_PAGE_SIZE, 24576);
    assert_int_equal(24576 / 3456, 7);
    assert_int_equal(24576 % 3456, 384);
}

/* Go's "max waste": every object one byte bigger than the previous class,
 * plus the tail: ((size - prev - 1) * objs + tail) / span. */
static void test_max_round_up_waste_is_go_1_19s(void **state)
{
    (void)state;
    uint32_t prev = 0;
    for (int c = 1; c < GM_NUM_CLASSES; c++) {
        uint64_t span = (uint64_t)gm_class_to_npages[c] * GM_PAGE_SIZE;
        uint64_t size = gm_class_to_size[c];
        uint64_t objs = span / size;
        uint64_t tail = span - objs * size;
        uint64_t waste = (size - prev - 1) * objs + tail;
        /* hundredths of a percent, rounded half up as %.2f would */
        uint64_t x100 = (waste * 1000000 / span + 50) / 100;
        if (x100 != go119[c - 1].max_waste_x100)
            fail_msg("class %d: max waste %llu/100 %%, Go says %u/100 %%", c,
                     (unsigned long long)x100, go119[c - 1].max_waste_x100);
        /* Go's generator bound: at most 12.5% tail waste per span. */
        assert_true(tail * 8 <= span);
        prev = (uint32_t)size;
    }
}

static void test_class_sizes_increase_strictly_and_are_8_byte_multiples(void **state)
{
    (void)state;
    for (int c = 1; c < GM_NUM_CLASSES; c++) {
        assert_true(gm_class_to_size[c] > gm_class_to_size[c - 1]);
        assert_int_equal(gm_class_to_size[c] % 8, 0);
    }
}

static void test_class_size_of_an_invalid_class_is_zero(void **state)
{
    (void)state;
    assert_int_equal(gm_class_size(0), 0);
    assert_int_equal(gm_class_size(-1), 0);
    assert_int_equal(gm_class_size(GM_NUM_SIZE_CLASSES), 0);
    assert_int_equal(gm_class_size(1000), 0);
}

static void test_size_class_is_smallest_16_byte_multiple_class_for_every_size(void **state)
{
    (void)state;
    for (size_t n = 0; n <= GM_MAX_SMALL_SIZE; n++) {
        int want = expected_malloc_class(n);
        int got = gm_size_class(n);
        if (got != want)
            fail_msg("gm_size_class(%zu) = %d, want %d", n, got, want);
        size_t sz = gm_class_size(got);
        assert_true(sz >= (n ? n : 1));
        if (n >= 16)
            assert_int_equal(sz % 16, 0);
        /* the inline lookup gm_malloc uses agrees with the exported one */
        assert_int_equal(sizeclass_of(n ? n : 1), got);
    }
    /* 17..24 skip Go's 24-byte class */
    assert_int_equal(gm_size_class(17), 4);
    assert_int_equal(gm_size_class(24), 4);
    assert_int_equal(gm_size_class(0), 1);
    assert_int_equal(gm_size_class(8), 1);
    assert_int_equal(gm_size_class(9), 2);
    assert_int_equal(gm_size_class(1024), 32);
    assert_int_equal(gm_size_class(1025), 33);
}

static void test_size_class_of_a_large_size_is_zero(void **state)
{
    (void)state;
    assert_int_equal(gm_size_class(GM_MAX_SMALL_SIZE + 1), 0);
    assert_int_equal(gm_size_class((size_t)1 << 20), 0);
    assert_int_equal(gm_size_class(SIZE_MAX), 0);
}

static void test_go_size_class_is_smallest_class_for_every_size(void **state)
{
    (void)state;
    for (size_t n = 0; n <= GM_MAX_SMALL_SIZE + 1; n++) {
        int want = expected_go_class(n);
        int got = gm_go_size_class(n);
        if (got != want)
            fail_msg("gm_go_size_class(%zu) = %d, want %d", n, got, want);
    }
    /* Go's size_to_class8 keeps the 24-byte class */
    assert_int_equal(gm_go_size_class(17), 3);
    assert_int_equal(gm_go_size_class(24), 3);
    assert_int_equal(gm_go_size_class(25), 4);
    assert_int_equal(gm_go_size_class(0), 0);
    assert_int_equal(gm_go_size_class(32768), 67);
    assert_int_equal(gm_go_size_class(SIZE_MAX), 0);
}

static void test_malloc_lookup_tables_are_smallest_class_at_least_with_skip(void **state)
{
    (void)state;
    for (size_t i = 0; i <= 1024 / 8; i++) {
        if (gm_malloc_class8[i] != smallest_class_at_least(i * 8, 1))
            fail_msg("gm_malloc_class8[%zu] = %u, want %d", i, gm_malloc_class8[i],
                     smallest_class_at_least(i * 8, 1));
    }
    for (size_t i = 0; i <= (GM_MAX_SMALL_SIZE - 1024) / 128; i++) {
        if (gm_malloc_class128[i] != smallest_class_at_least(1024 + i * 128, 1))
            fail_msg("gm_malloc_class128[%zu] = %u, want %d", i, gm_malloc_class128[i],
                     smallest_class_at_least(1024 + i * 128, 1));
    }
}

static void test_smallest_class_at_least_without_skip_is_go_rule(void **state)
{
    (void)state;
    for (size_t n = 1; n <= GM_MAX_SMALL_SIZE; n++)
        assert_int_equal(smallest_class_at_least(n, 0), expected_go_class(n));
    assert_int_equal(smallest_class_at_least(GM_MAX_SMALL_SIZE + 1, 0), 0);
    assert_int_equal(smallest_class_at_least(GM_MAX_SMALL_SIZE + 1, 1), 0);
}

/* What gm_malloc actually hands out: an object of exactly the class size. */
static void test_malloc_usable_size_is_the_class_size_for_every_small_size(void **state)
{
    (void)state;
    for (size_t n = 0; n <= GM_MAX_SMALL_SIZE; n++) {
        void *p = gm_malloc(n);
        assert_non_null(p);
        size_t want = gm_class_size(gm_size_class(n));
        if (gm_usable_size(p) != want)
            fail_msg("gm_usable_size(gm_malloc(%zu)) = %zu, want %zu", n, gm_usable_size(p), want);
        gm_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_there_are_67_classes_plus_the_large_class),
        cmocka_unit_test(test_class_sizes_and_span_sizes_are_go_1_19s),
        cmocka_unit_test(test_objects_per_span_and_tail_waste_are_go_1_19s),
        cmocka_unit_test(test_max_round_up_waste_is_go_1_19s),
        cmocka_unit_test(test_class_sizes_increase_strictly_and_are_8_byte_multiples),
        cmocka_unit_test(test_class_size_of_an_invalid_class_is_zero),
        cmocka_unit_test(test_size_class_is_smallest_16_byte_multiple_class_for_every_size),
        cmocka_unit_test(test_size_class_of_a_large_size_is_zero),
        cmocka_unit_test(test_go_size_class_is_smallest_class_for_every_size),
        cmocka_unit_test(test_malloc_lookup_tables_are_smallest_class_at_least_with_skip),
        cmocka_unit_test(test_smallest_class_at_least_without_skip_is_go_rule),
        cmocka_unit_test(test_malloc_usable_size_is_the_class_size_for_every_small_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
