/*
 * tests/alloc/test_rss.c — memory goes back to the OS after a peak.
 *
 * The page heap keeps at most max(GOMM_RETAIN_MB (64 MiB), 2 x in-use) of
 * idle pages resident and returns the rest with MADV_DONTNEED as soon as it
 * is freed; with GOMM_DECAY_MS=0 it also returns at once every idle page
 * beyond a quarter of GOMM_RETAIN_MB (see alloc/heap.c; CTest runs this
 * file both ways). gm_free_os_memory() returns everything. So after a
 * 1 GiB peak is freed, RSS must come back to the baseline plus:
 *   - the retained idle pages (at most the retain limit),
 *   - the allocator metadata the peak made (span descriptors are never
 *     unmapped: meta_sys growth, read from the stats),
 *   - the spans the thread cache keeps as its current span per class,
 *   - slack for the test's own bookkeeping and libc (SLACK below).
 * After gm_free_os_memory() the retained idle part must be gone too.
 *
 * Sanitizers: ASan and TSan keep shadow memory for every byte the program
 * (and the instrumented allocator) touches — 1/8 of it for ASan, several
 * times it for TSan — and that shadow is not returned by MADV_DONTNEED of
 * the application pages. RSS then says nothing about the allocator, so in
 * sanitizer builds the peak is scaled down to 128 MiB and only the
 * allocator's own accounting (heap_released, heap_idle) is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <gomm/alloc.h>

#include "test_util.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

#if GT_SANITIZED
#define PEAK      (128 * MIB)
#define CHECK_RSS 0
#else
#define PEAK      (1024 * MIB)
#define CHECK_RSS 1
#endif
/* The second peak only shows the address space is reused: smaller. */
#define PEAK2 (PEAK / 4)

/* Bookkeeping the test itself may leave resident, libc's stdio buffers for
 * reading statm, and the current spans of the thread cache (67 classes,
 * at most 80 KiB each: < 6 MiB). */
#define SLACK (12 * MIB)

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *e = getenv(name);
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == '\0')
            return v;
    }
    return dflt;
}

/* The most resident idle memory the page heap may keep (alloc/heap.c). */
static uint64_t retain_limit(const gm_memstats *ms)
{
    uint64_t floor = env_u64("GOMM_RETAIN_MB", 64) * GT_MIB;
    if (env_u64("GOMM_DECAY_MS", 1000) == 0)
        return floor / 4;
    return 2 * ms->heap_inuse > floor ? 2 * ms->heap_inuse : floor;
}

/* The pointer array lives in its own mapping so that it does not disturb
 * gomm's heap or libc's, and is unmapped before RSS is read. */
struct blocks {
    void **p;
    size_t n, cap, map_len;
};

static void blocks_init(struct blocks *b, size_t cap)
{
    b->cap = cap;
    b->n = 0;
    b->map_len = cap * sizeof(void *);
    b->p = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(b->p != MAP_FAILED);
}

static void blocks_done(struct blocks *b)
{
    munmap(b->p, b->map_len);
    b->p = NULL;
}

/* Write one byte per 4 KiB so every page of the block becomes resident. */
static void touch(void *p, size_t n)
{
    volatile uint8_t *b = p;
    for (size_t off = 0; off < n; off += 4096)
        b[off] = (uint8_t)off | 1;
    b[n - 1] = 1;
}

/* Allocate PEAK bytes: 3/4 in large blocks (33 KiB .. 8 MiB), 1/4 in small
 * objects (16 B .. 32 KiB, mostly under 1 KiB), all touched. */
static void build_peak(struct blocks *b, size_t peak, uint64_t seed)
{
    uint64_t rng = seed;
    size_t large = 0, small = 0;
    while (large < peak / 4 * 3) {
        size_t n = gt_rand_range(&rng, 33 * KIB, 8 * MIB);
        void *p = gm_malloc(n);
        assert_non_null(p);
        touch(p, n);
        assert_true(b->n < b->cap);
        b->p[b->n++] = p;
        large += n;
    }
    while (small < peak / 4) {
        size_t n = gt_rand(&rng) % 16 == 0 ? gt_rand_range(&rng, 1025, 32 * KIB)
                                           : gt_rand_range(&rng, 16, 1024);
        void *p = gm_malloc(n);
        assert_non_null(p);
        touch(p, n);
        assert_true(b->n < b->cap);
        b->p[b->n++] = p;
        small += n;
    }
}

static void free_all(struct blocks *b, uint64_t seed)
{
    /* free in a shuffled order: frees of a span's objects interleave */
    uint64_t rng = seed;
    for (size_t i = b->n; i > 1; i--) {
        size_t j = (size_t)(gt_rand(&rng) % i);
        void *t = b->p[i - 1];
        b->p[i - 1] = b->p[j];
        b->p[j] = t;
    }
    for (size_t i = 0; i < b->n; i++)
        gm_free(b->p[i]);
    b->n = 0;
}

static void test_rss_returns_near_baseline_after_freeing_a_1_gib_peak(void **state)
{
    (void)state;
    /* warm up: the cache, the first arena, libc's stdio for statm */
    gm_free(gm_malloc(100));
    (void)gt_rss_bytes();

    gm_memstats ms0, ms_peak, ms1, ms2;
    gm_read_memstats(&ms0);
    uint64_t rss0 = gt_rss_bytes();
    if (CHECK_RSS)
        assert_true(rss0 > 0);

    struct blocks b;
    blocks_init(&b, 4 * 1024 * 1024);
    build_peak(&b, PEAK, 1);
    gm_read_memstats(&ms_peak);
    uint64_t rss_peak = gt_rss_bytes();
    assert_true(ms_peak.heap_alloc >= PEAK);
    if (CHECK_RSS)
        assert_true(rss_peak >= rss0 + PEAK * 9 / 10); /* it really was touched */

    free_all(&b, 2);
    blocks_done(&b);
    gm_read_memstats(&ms1);
    uint64_t rss1 = gt_rss_bytes();

    /* Accounting: all freed, most of it released. */
    assert_int_equal(ms1.heap_objects, ms0.heap_objects);
    assert_int_equal(ms1.heap_alloc, ms0.heap_alloc);
    assert_true(ms1.heap_released > ms0.heap_released);
    assert_true(ms1.heap_released <= ms1.heap_idle);
    uint64_t resident_idle = ms1.heap_idle - ms1.heap_released;
    uint64_t limit = retain_limit(&ms1);
    if (resident_idle > limit)
        fail_msg("resident idle %llu MiB > retain limit %llu MiB",
                 (unsigned long long)(resident_idle >> 20), (unsigned long long)(limit >> 20));

    uint64_t meta_growth = ms1.meta_sys - ms0.meta_sys;
    uint64_t bound1 = rss0 + limit + meta_growth + SLACK;
    print_message("rss: baseline %llu MiB, peak %llu MiB, after free %llu MiB "
                  "(bound %llu MiB: retain %llu + meta %llu + slack %llu)\n",
                  (unsigned long long)(rss0 >> 20), (unsigned long long)(rss_peak >> 20),
                  (unsigned long long)(rss1 >> 20), (unsigned long long)(bound1 >> 20),
                  (unsigned long long)(limit >> 20), (unsigned long long)(meta_growth >> 20),
                  (unsigned long long)(SLACK >> 20));
    if (CHECK_RSS && rss1 > bound1)
        fail_msg("RSS after freeing the peak: %llu MiB > bound %llu MiB",
                 (unsigned long long)(rss1 >> 20), (unsigned long long)(bound1 >> 20));

    /* gm_free_os_memory: every idle page goes back. */
    gm_free_os_memory();
    gm_read_memstats(&ms2);
    uint64_t rss2 = gt_rss_bytes();
    assert_int_equal(ms2.heap_released, ms2.heap_idle);
    assert_true(ms2.heap_released >= ms1.heap_released);
    uint64_t bound2 = rss0 + (ms2.meta_sys - ms0.meta_sys) + SLACK;
    print_message("rss after gm_free_os_memory: %llu MiB (bound %llu MiB)\n",
                  (unsigned long long)(rss2 >> 20), (unsigned long long)(bound2 >> 20));
    if (CHECK_RSS && rss2 > bound2)
        fail_msg("RSS after gm_free_os_memory: %llu MiB > bound %llu MiB",
                 (unsigned long long)(rss2 >> 20), (unsigned long long)(bound2 >> 20));
    if (CHECK_RSS)
        assert_true(rss2 <= rss1 + 1 * MIB);
}

/* A second, smaller peak fits in the address space of the first: heap_sys
 * does not grow, and RSS comes back down the same way. */
static void test_a_second_peak_reuses_the_heap_and_returns_again(void **state)
{
    (void)state;
    gm_memstats ms0, ms1;
    gm_read_memstats(&ms0);
    uint64_t rss0 = gt_rss_bytes();
    struct blocks b;
    blocks_init(&b, 4 * 1024 * 1024);
    build_peak(&b, PEAK2, 3);
    free_all(&b, 4);
    blocks_done(&b);
    gm_read_memstats(&ms1);
    uint64_t rss1 = gt_rss_bytes();
    assert_int_equal(ms1.heap_sys, ms0.heap_sys);
    uint64_t limit = retain_limit(&ms1);
    uint64_t bound = rss0 + limit + (ms1.meta_sys - ms0.meta_sys) + SLACK;
    print_message("second peak: rss before %llu MiB, after %llu MiB (bound %llu MiB), "
                  "heap_sys %llu -> %llu MiB\n",
                  (unsigned long long)(rss0 >> 20), (unsigned long long)(rss1 >> 20),
                  (unsigned long long)(bound >> 20), (unsigned long long)(ms0.heap_sys >> 20),
                  (unsigned long long)(ms1.heap_sys >> 20));
    if (CHECK_RSS && rss1 > bound)
        fail_msg("RSS after the second peak: %llu MiB > bound %llu MiB",
                 (unsigned long long)(rss1 >> 20), (unsigned long long)(bound >> 20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss_returns_near_baseline_after_freeing_a_1_gib_peak),
        cmocka_unit_test(test_a_second_peak_reuses_the_heap_and_returns_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
