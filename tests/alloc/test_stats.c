/*
 * tests/alloc/test_stats.c — gm_read_memstats adds up on a quiescent heap
 * (the identities documented in gomm/alloc.h) and counts exactly.
 *
 * "Quiescent": no other thread is allocating while the figures are read.
 * Threads that allocate or free here are joined before the read (join is
 * the happens-before edge that makes their counters visible).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include <gomm/alloc.h>

#include "test_util.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static void assert_memstats_add_up(const gm_memstats *ms)
{
    uint64_t sum_alloc = ms->large_alloc, sum_mallocs = 0, sum_frees = 0;
    uint64_t total = 0;
    for (int k = 0; k < GM_NUM_SIZE_CLASSES; k++) {
        assert_true(ms->by_size[k].mallocs >= ms->by_size[k].frees);
        if (k > 0) {
            assert_int_equal(ms->by_size[k].size, gm_class_size(k));
            sum_alloc += (ms->by_size[k].mallocs - ms->by_size[k].frees) * ms->by_size[k].size;
            total += ms->by_size[k].mallocs * ms->by_size[k].size;
        }
        sum_mallocs += ms->by_size[k].mallocs;
        sum_frees += ms->by_size[k].frees;
    }
    assert_int_equal(ms->by_size[0].size, 0);
    assert_int_equal(ms->heap_alloc, sum_alloc);
    assert_int_equal(ms->alloc, ms->heap_alloc);
    assert_int_equal(ms->mallocs, sum_mallocs);
    assert_int_equal(ms->frees, sum_frees);
    assert_int_equal(ms->heap_objects, ms->mallocs - ms->frees);
    assert_int_equal(ms->heap_sys, ms->heap_inuse + ms->heap_idle);
    assert_true(ms->heap_released <= ms->heap_idle);
    assert_true(ms->heap_alloc <= ms->heap_inuse);
    assert_true(ms->total_alloc >= total); /* plus the large blocks' bytes */
    assert_true(ms->total_alloc >= ms->heap_alloc);
    assert_int_equal(ms->large_objects, ms->by_size[0].mallocs - ms->by_size[0].frees);
    assert_int_equal(ms->sys, ms->heap_sys + ms->meta_sys);
    assert_true(ms->meta_sys > 0 || ms->heap_sys == 0);
}

static void test_memstats_add_up_before_any_allocation(void **state)
{
    (void)state;
    gm_memstats ms;
    gm_read_memstats(&ms);
    assert_memstats_add_up(&ms);
    assert_int_equal(ms.heap_objects, 0);
    assert_int_equal(ms.heap_alloc, 0);
    assert_int_equal(ms.num_gc, 0); /* no collector in this program */
}

static void test_memstats_add_up_with_a_mixed_live_heap(void **state)
{
    (void)state;
    enum { N = 2000 };
    static void *p[N];
    uint64_t rng = 99;
    for (int i = 0; i < N; i++) {
        size_t n =
            i % 50 == 0 ? gt_rand_range(&rng, 40 * KIB, 2 * MIB) : gt_rand_range(&rng, 0, 20 * KIB);
        p[i] = gm_malloc(n);
    }
    gm_memstats ms;
    gm_read_memstats(&ms);
    assert_memstats_add_up(&ms);
    assert_true(ms.heap_objects >= N);
    for (int i = 0; i < N; i += 3)
        gm_free(p[i]);
    gm_read_memstats(&ms);
    assert_memstats_add_up(&ms);
    for (int i = 0; i < N; i++)
        if (i % 3)
            gm_free(p[i]);
    gm_read_memstats(&ms);
    assert_memstats_add_up(&ms);
}

static void test_allocating_k_objects_adds_exactly_k_mallocs_to_their_class(void **state)
{
    (void)state;
    enum { K = 1234 };
    static void *p[K];
    for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
        size_t sz = gm_class_size(c);
        if (sz >= 16 && sz % 16 != 0)
            continue; /* gm_malloc never uses Go's 24-byte class */
        gm_memstats a, b, d;
        gm_read_memstats(&a);
        for (int i = 0; i < K; i++)
            p[i] = gm_malloc(sz - (size_t)(i % 8)); /* all land in class c */
        gm_read_memstats(&b);
        for (int k = 0; k < GM_NUM_SIZE_CLASSES; k++) {
            uint64_t dm = b.by_size[k].mallocs - a.by_size[k].mallocs;
            if (dm != (k == c ? (uint64_t)K : 0))
                fail_msg("allocating %d objects of class %d: class %d mallocs +%llu", K, c, k,
                         (unsigned long long)dm);
            assert_int_equal(b.by_size[k].frees, a.by_size[k].frees);
        }
        assert_int_equal(b.mallocs - a.mallocs, K);
        assert_int_equal(b.heap_objects - a.heap_objects, K);
        assert_int_equal(b.heap_alloc - a.heap_alloc, (uint64_t)K * sz);
        assert_int_equal(b.total_alloc - a.total_alloc, (uint64_t)K * sz);
        assert_memstats_add_up(&b);
        for (int i = 0; i < K; i++)
            gm_free(p[i]);
        gm_read_memstats(&d);
        assert_int_equal(d.by_size[c].frees - b.by_size[c].frees, K);
        assert_int_equal(d.frees - b.frees, K);
        assert_int_equal(d.heap_objects, a.heap_objects);
        assert_int_equal(d.heap_alloc, a.heap_alloc);
        assert_int_equal(d.total_alloc, b.total_alloc); /* never decreases */
        assert_memstats_add_up(&d);
    }
}

static void test_large_mallocs_and_frees_are_counted_in_class_zero(void **state)
{
    (void)state;
    enum { K = 17 };
    void *p[K];
    gm_memstats a, b, d;
    gm_read_memstats(&a);
    for (int i = 0; i < K; i++)
        p[i] = gm_malloc(GM_MAX_SMALL_SIZE + 1 + (size_t)i * 10000);
    gm_read_memstats(&b);
    assert_int_equal(b.by_size[0].mallocs - a.by_size[0].mallocs, K);
    assert_int_equal(b.large_objects - a.large_objects, K);
    uint64_t bytes = 0;
    for (int i = 0; i < K; i++)
        bytes += gm_usable_size(p[i]);
    assert_int_equal(b.large_alloc - a.large_alloc, bytes);
    assert_int_equal(b.heap_alloc - a.heap_alloc, bytes);
    assert_int_equal(b.total_alloc - a.total_alloc, bytes);
    assert_memstats_add_up(&b);
    for (int i = 0; i < K; i++)
        gm_free(p[i]);
    gm_read_memstats(&d);
    assert_int_equal(d.by_size[0].frees - b.by_size[0].frees, K);
    assert_int_equal(d.large_objects, a.large_objects);
    assert_int_equal(d.large_alloc, a.large_alloc);
    assert_memstats_add_up(&d);
}

/* ---- frees done by another thread ---- */

struct batch {
    void **p;
    int n;
};

static void *free_batch(void *arg)
{
    struct batch *b = arg;
    for (int i = 0; i < b->n; i++)
        gm_free(b->p[i]);
    return NULL;
}

static void *alloc_batch(void *arg)
{
    struct batch *b = arg;
    for (int i = 0; i < b->n; i++)
        b->p[i] = gm_malloc(i % 2 ? 200 : 48 * KIB);
    return NULL;
}

static void test_frees_by_another_thread_are_counted_after_join(void **state)
{
    (void)state;
    enum { K = 3000 };
    static void *p[K];
    gm_memstats a, b, d;
    gm_read_memstats(&a);
    for (int i = 0; i < K; i++)
        p[i] = gm_malloc(i % 10 == 0 ? 40 * KIB : 100);
    gm_read_memstats(&b);
    assert_int_equal(b.heap_objects - a.heap_objects, K);
    struct batch bt = {p, K};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_batch, &bt), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    gm_read_memstats(&d);
    assert_int_equal(d.frees - b.frees, K);
    assert_int_equal(d.heap_objects, a.heap_objects);
    assert_int_equal(d.heap_alloc, a.heap_alloc);
    int c100 = gm_size_class(100);
    assert_int_equal(d.by_size[c100].frees - b.by_size[c100].frees, K - K / 10);
    assert_int_equal(d.by_size[0].frees - b.by_size[0].frees, K / 10);
    assert_memstats_add_up(&d);
}

static void test_mallocs_by_an_exited_thread_stay_counted(void **state)
{
    (void)state;
    enum { K = 1000 };
    static void *p[K];
    gm_memstats a, b, d;
    gm_read_memstats(&a);
    struct batch bt = {p, K};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, alloc_batch, &bt), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    gm_read_memstats(&b);
    assert_int_equal(b.mallocs - a.mallocs, K);
    assert_int_equal(b.heap_objects - a.heap_objects, K);
    assert_memstats_add_up(&b);
    for (int i = 0; i < K; i++) /* freed here: into spans the thread orphaned */
        gm_free(p[i]);
    gm_read_memstats(&d);
    assert_int_equal(d.heap_objects, a.heap_objects);
    assert_int_equal(d.heap_alloc, a.heap_alloc);
    assert_memstats_add_up(&d);
}

static void *touch_and_report(void *arg)
{
    gm_memstats *out = arg;
    void *p = gm_malloc(10);
    gm_read_memstats(out);
    gm_free(p);
    return NULL;
}

static void test_num_threads_counts_live_caches(void **state)
{
    (void)state;
    gm_free(gm_malloc(1)); /* this thread has a cache */
    gm_memstats main_view, thread_view, after;
    gm_read_memstats(&main_view);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, touch_and_report, &thread_view), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(thread_view.num_threads, main_view.num_threads + 1);
    gm_read_memstats(&after);
    assert_int_equal(after.num_threads, main_view.num_threads);
    gm_thread_cache_flush();
    gm_read_memstats(&after);
    assert_int_equal(after.num_threads, main_view.num_threads - 1);
    gm_free(gm_malloc(1)); /* a new cache on demand */
    gm_read_memstats(&after);
    assert_int_equal(after.num_threads, main_view.num_threads);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memstats_add_up_before_any_allocation),
        cmocka_unit_test(test_memstats_add_up_with_a_mixed_live_heap),
        cmocka_unit_test(test_allocating_k_objects_adds_exactly_k_mallocs_to_their_class),
        cmocka_unit_test(test_large_mallocs_and_frees_are_counted_in_class_zero),
        cmocka_unit_test(test_frees_by_another_thread_are_counted_after_join),
        cmocka_unit_test(test_mallocs_by_an_exited_thread_stay_counted),
        cmocka_unit_test(test_num_threads_counts_live_caches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
