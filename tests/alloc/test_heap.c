/*
 * tests/alloc/test_heap.c — span and page-heap invariants.
 *
 * Uses the allocator's internals: heap_check() (the page heap's own
 * consistency check), span_of() (the page map) and the span descriptors.
 * Everything here runs on the main thread; the cmocka tests run in order in
 * one process, so each test states what it assumes of the heap it inherits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <gomm/alloc.h>

#include "internal.h"
#include "test_util.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static void assert_heap_ok(void)
{
    const char *err = heap_check();
    if (err)
        fail_msg("heap_check: %s", err);
}

static uint64_t heap_sys(void)
{
    gm_memstats ms;
    gm_read_memstats(&ms);
    return ms.heap_sys;
}

/* Check p's span from the page map, for p and for interior pointers. */
static void assert_span_describes(const void *p)
{
    size_t us = gm_usable_size(p);
    const gm_span *s = span_of(p);
    if (!s)
        fail_msg("span_of(%p) = NULL for a live block", p);
    uintptr_t a = (uintptr_t)p;
    uintptr_t end = s->start + s->npages * GM_PAGE_SIZE;
    if (a < s->start || a + us > end)
        fail_msg("block %p+%zu is outside its span [%#lx, %#lx)", p, us, (unsigned long)s->start,
                 (unsigned long)end);
    assert_int_equal(s->start % GM_PAGE_SIZE, 0);
    if (s->kind == SPAN_SMALL) {
        assert_true(s->size_class >= 1 && s->size_class < GM_NUM_CLASSES);
        assert_int_equal(s->elem_size, gm_class_size(s->size_class));
        assert_int_equal(s->elem_size, us);
        assert_int_equal(s->npages, gm_class_to_npages[s->size_class]);
        assert_int_equal(s->nelems, s->npages * GM_PAGE_SIZE / s->elem_size);
        assert_int_equal((a - s->start) % s->elem_size, 0);
    } else if (s->kind == SPAN_LARGE) {
        assert_int_equal(s->size_class, 0);
        assert_int_equal(s->start, a);
        assert_int_equal(s->npages * GM_PAGE_SIZE, us);
    } else {
        fail_msg("span of live block %p has kind %d", p, s->kind);
    }
    /* interior pointers: the first, a middle and the last byte, and every
     * page boundary of the block, map to the same span */
    assert_ptr_equal(span_of((const char *)p + us / 2), s);
    assert_ptr_equal(span_of((const char *)p + us - 1), s);
    for (size_t off = GM_PAGE_SIZE - (a % GM_PAGE_SIZE); off < us; off += GM_PAGE_SIZE)
        assert_ptr_equal(span_of((const char *)p + off), s);
}

static void test_span_of_a_foreign_pointer_is_null(void **state)
{
    (void)state;
    int local = 0;
    static int global;
    assert_null(span_of(&local));
    assert_null(span_of(&global));
    assert_null(span_of(NULL));
    assert_null(span_of((void *)((uintptr_t)1 << 50))); /* beyond 48-bit addresses */
}

static void test_span_of_every_live_block_contains_it_and_matches_usable_size(void **state)
{
    (void)state;
    enum { N = 3000 };
    static void *ptrs[N];
    uint64_t rng = 42;
    for (int i = 0; i < N; i++) {
        size_t n;
        switch (i % 10) {
        case 0:
            n = gt_rand_range(&rng, GM_MAX_SMALL_SIZE + 1, 2 * MIB);
            break;
        case 1:
        case 2:
            n = gt_rand_range(&rng, 1025, GM_MAX_SMALL_SIZE);
            break;
        default:
            n = gt_rand_range(&rng, 0, 1024);
        }
        ptrs[i] = gm_malloc(n);
        assert_non_null(ptrs[i]);
    }
    for (int i = 0; i < N; i++)
        assert_span_describes(ptrs[i]);
    assert_heap_ok();
    /* free half, in a scattered order, and check again */
    for (int i = 0; i < N; i += 2) {
        gm_free(ptrs[i]);
        ptrs[i] = NULL;
    }
    assert_heap_ok();
    for (int i = 1; i < N; i += 2)
        assert_span_describes(ptrs[i]);
    for (int i = 1; i < N; i += 2)
        gm_free(ptrs[i]);
    assert_heap_ok();
}

static void test_every_size_class_gets_a_span_of_its_class(void **state)
{
    (void)state;
    for (int c = 1; c < GM_NUM_CLASSES; c++) {
        size_t sz = gm_class_size(c);
        if (sz >= 16 && sz % 16 != 0)
            continue; /* malloc never uses it (Go's 24-byte class) */
        void *p = gm_malloc(sz);
        const gm_span *s = span_of(p);
        assert_non_null(s);
        assert_int_equal(s->kind, SPAN_SMALL);
        assert_int_equal(s->size_class, c);
        assert_span_describes(p);
        gm_free(p);
    }
    assert_heap_ok();
}

static void test_heap_check_passes_after_assorted_alloc_free_sequences(void **state)
{
    (void)state;
    enum { SLOTS = 512, ROUNDS = 20000 };
    static void *slot[SLOTS];
    uint64_t rng = 7;
    for (int r = 0; r < GT_SCALED(ROUNDS); r++) {
        size_t i = (size_t)gt_rand_range(&rng, 0, SLOTS - 1);
        gm_free(slot[i]);
        size_t n;
        uint64_t kind = gt_rand(&rng) % 100;
        if (kind < 5)
            n = gt_rand_range(&rng, GM_MAX_SMALL_SIZE + 1, 4 * MIB);
        else if (kind < 20)
            n = gt_rand_range(&rng, 1025, GM_MAX_SMALL_SIZE);
        else
            n = gt_rand_range(&rng, 1, 1024);
        slot[i] = gm_malloc(n);
        assert_non_null(slot[i]);
        if (r % 1000 == 0)
            assert_heap_ok();
    }
    assert_heap_ok();
    for (int i = 0; i < SLOTS; i++) {
        gm_free(slot[i]);
        slot[i] = NULL;
    }
    assert_heap_ok();
    gm_free_os_memory();
    assert_heap_ok();
}

static void test_heap_sys_is_inuse_plus_idle_and_released_at_most_idle(void **state)
{
    (void)state;
    void *big = gm_malloc(3 * MIB);
    void *small = gm_malloc(100);
    gm_memstats ms;
    gm_read_memstats(&ms);
    assert_int_equal(ms.heap_sys, ms.heap_inuse + ms.heap_idle);
    assert_true(ms.heap_released <= ms.heap_idle);
    assert_int_equal(ms.heap_sys % GM_PAGE_SIZE, 0);
    assert_int_equal(ms.heap_idle % GM_PAGE_SIZE, 0);
    assert_int_equal(ms.heap_released % GM_PAGE_SIZE, 0);
    /* the heap grows in whole 64 MiB arenas */
    assert_int_equal(ms.heap_sys % GM_ARENA_SIZE, 0);
    gm_free(big);
    gm_free(small);
    gm_read_memstats(&ms);
    assert_int_equal(ms.heap_sys, ms.heap_inuse + ms.heap_idle);
    assert_true(ms.heap_released <= ms.heap_idle);
}

static void test_freed_adjacent_large_blocks_coalesce_into_one_free_span(void **state)
{
    (void)state;
    /* Three 12 MiB blocks. Best fit takes them one after the other from the
     * front of the same free span, so they are adjacent: 36 MiB fits in no
     * other hole of this test's heap (nothing above holds more than a few
     * MiB at a time). */
    const size_t S = 12 * MIB;
    uint8_t *a = gm_malloc(S), *b = gm_malloc(S), *c = gm_malloc(S);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    if (b != a + S || c != b + S)
        fail_msg("blocks not adjacent (%p %p %p): precondition of this test", (void *)a, (void *)b,
                 (void *)c);
    uint64_t sys = heap_sys();
    /* free in an order that exercises merging with the previous and the
     * next neighbour */
    gm_free(b);
    assert_heap_ok();
    gm_free(a);
    assert_heap_ok();
    gm_free(c);
    assert_heap_ok();
    /* one free span now covers all three blocks */
    const gm_span *s = span_of(a);
    if (s) { /* NULL would mean a is interior to an even bigger free span */
        assert_int_equal(s->kind, SPAN_FREE);
        assert_true(s->start <= (uintptr_t)a);
        assert_true(s->start + s->npages * GM_PAGE_SIZE >= (uintptr_t)c + S);
    }
    assert_null(span_of(b)); /* interior page of a free span */
    uint8_t *d = gm_malloc(3 * S);
    assert_non_null(d);
    assert_ptr_equal(d, a);
    assert_int_equal(heap_sys(), sys);
    assert_span_describes(d);
    gm_free(d);
    assert_heap_ok();
}

static void test_repeated_alloc_free_of_one_large_size_does_not_grow_heap_sys(void **state)
{
    (void)state;
    static const size_t sizes[] = {GM_MAX_SMALL_SIZE + 1, 100 * KIB, MIB, 7 * MIB + 5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = gm_malloc(sizes[i]);
        gm_free(p);
        uint64_t sys = heap_sys();
        for (int r = 0; r < 2000; r++) {
            p = gm_malloc(sizes[i]);
            assert_non_null(p);
            ((volatile char *)p)[sizes[i] - 1] = 1;
            gm_free(p);
        }
        assert_int_equal(heap_sys(), sys);
    }
    assert_heap_ok();
}

static void test_repeated_small_alloc_free_does_not_grow_heap_sys(void **state)
{
    (void)state;
    enum { N = 5000 };
    static void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = gm_malloc((size_t)(i % 700) + 1);
    for (int i = 0; i < N; i++)
        gm_free(p[i]);
    uint64_t sys = heap_sys();
    for (int r = 0; r < 20; r++) {
        for (int i = 0; i < N; i++)
            p[i] = gm_malloc((size_t)(i % 700) + 1);
        for (int i = 0; i < N; i++)
            gm_free(p[i]);
    }
    assert_int_equal(heap_sys(), sys);
    assert_heap_ok();
}

static void test_aligned_large_blocks_leave_a_consistent_heap(void **state)
{
    (void)state;
    void *p[12];
    for (int i = 0; i < 12; i++) {
        size_t align = (size_t)16 * KIB << (i % 7); /* 16 KiB .. 1 MiB */
        p[i] = gm_aligned_alloc(align, 40 * KIB + (size_t)i * 8192);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % align, 0);
        assert_span_describes(p[i]);
    }
    assert_heap_ok();
    for (int i = 0; i < 12; i += 2)
        gm_free(p[i]);
    assert_heap_ok();
    for (int i = 1; i < 12; i += 2)
        gm_free(p[i]);
    assert_heap_ok();
}

static void test_free_os_memory_releases_every_idle_page(void **state)
{
    (void)state;
    void *p = gm_malloc(8 * MIB);
    memset(p, 1, 8 * MIB);
    gm_free(p);
    gm_free_os_memory();
    assert_heap_ok();
    gm_memstats ms;
    gm_read_memstats(&ms);
    assert_int_equal(ms.heap_released, ms.heap_idle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_of_a_foreign_pointer_is_null),
        cmocka_unit_test(test_freed_adjacent_large_blocks_coalesce_into_one_free_span),
        cmocka_unit_test(test_span_of_every_live_block_contains_it_and_matches_usable_size),
        cmocka_unit_test(test_every_size_class_gets_a_span_of_its_class),
        cmocka_unit_test(test_heap_check_passes_after_assorted_alloc_free_sequences),
        cmocka_unit_test(test_heap_sys_is_inuse_plus_idle_and_released_at_most_idle),
        cmocka_unit_test(test_repeated_alloc_free_of_one_large_size_does_not_grow_heap_sys),
        cmocka_unit_test(test_repeated_small_alloc_free_does_not_grow_heap_sys),
        cmocka_unit_test(test_aligned_large_blocks_leave_a_consistent_heap),
        cmocka_unit_test(test_free_os_memory_releases_every_idle_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
