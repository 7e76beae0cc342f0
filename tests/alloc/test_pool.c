/*
 * tests/alloc/test_pool.c — gm_pool, Go's sync.Pool: Get returns what Put
 * gave it or New's result; a pooled object survives exactly one
 * collection (the victim cache) and is dropped by the second; many
 * threads putting and getting never get an object twice at once.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gomm/gomm.h>

#include "test_util.h"

static _Atomic int news;

static void *make_obj(void)
{
    atomic_fetch_add(&news, 1);
    return gm_new(64);
}

static void test_get_from_empty_pool_calls_new(void **state)
{
    (void)state;
    gm_pool *p = gm_pool_make(make_obj);
    int n0 = atomic_load(&news);
    void *x = gm_pool_get(p);
    assert_non_null(x);
    assert_int_equal(atomic_load(&news), n0 + 1);
    gm_pool *q = gm_pool_make(NULL);
    assert_null(gm_pool_get(q));
    gm_pool_put(q, NULL); /* no-op */
    assert_null(gm_pool_get(q));
}

static void test_put_then_get_returns_the_object(void **state)
{
    (void)state;
    gm_pool *p = gm_pool_make(make_obj);
    void *a = gm_new(64), *b = gm_new(64), *c = gm_new(64);
    gm_pool_put(p, a);
    gm_pool_put(p, b);
    gm_pool_put(p, c);
    int n0 = atomic_load(&news);
    void *got[3] = {gm_pool_get(p), gm_pool_get(p), gm_pool_get(p)};
    assert_int_equal(atomic_load(&news), n0); /* all three came from the pool */
    int seen = 0;
    for (int i = 0; i < 3; i++)
        seen |= (got[i] == a) | (got[i] == b) << 1 | (got[i] == c) << 2;
    assert_int_equal(seen, 7);
    assert_ptr_equal(got[0], a); /* the private slot first, as Go */
}

static void test_many_objects_grow_the_chain(void **state)
{
    (void)state;
    gm_pool *p = gm_pool_make(NULL);
    enum { N = 5000 };
    void **objs = malloc(N * sizeof *objs);
    for (int i = 0; i < N; i++) {
        objs[i] = gm_new(32);
        *(int *)objs[i] = i;
        gm_pool_put(p, objs[i]);
    }
    int count = 0;
    char *seen = calloc(N, 1);
    void *x;
    while ((x = gm_pool_get(p))) {
        int v = *(int *)x;
        assert_true(v >= 0 && v < N);
        assert_false(seen[v]);
        seen[v] = 1;
        count++;
    }
    assert_int_equal(count, N);
    free(seen);
    free(objs);
}

static __attribute__((noinline)) void put_marked(gm_pool *p, uint64_t mark)
{
    uint64_t *o = gm_new(64);
    o[0] = mark;
    gm_pool_put(p, o);
}

static void test_pooled_object_survives_one_collection(void **state)
{
    (void)state;
    gm_pool *p = gm_pool_make(NULL);
    put_marked(p, 0xabcdef);
    gm_gc();
    uint64_t *o = gm_pool_get(p); /* from the victim cache */
    assert_non_null(o);
    assert_int_equal(o[0], 0xabcdef);
    assert_null(gm_pool_get(p));
}

static void test_pooled_object_is_dropped_by_the_second_collection(void **state)
{
    (void)state;
    gm_pool *p = gm_pool_make(NULL);
    for (int i = 0; i < 100; i++)
        put_marked(p, 0x1234);
    gm_gc();
    gm_gc();
    assert_null(gm_pool_get(p));
}

static void test_objects_put_after_a_collection_survive_the_next(void **state)
{
    (void)state;
    gm_pool *p = gm_pool_make(NULL);
    put_marked(p, 1);
    gm_gc();          /* 1 -> victim */
    put_marked(p, 2); /* primary */
    gm_gc();          /* 1 dropped, 2 -> victim */
    uint64_t *o = gm_pool_get(p);
    assert_non_null(o);
    assert_int_equal(o[0], 2);
    assert_null(gm_pool_get(p));
}

/* ---------- concurrent ---------- */

#define NTHREADS 4
static gm_pool *shared_pool;
static _Atomic int bad;

static void *pool_worker(void *arg)
{
    (void)arg;
    gm_gc_register_thread();
    long iters = GT_SCALED(100000);
    uint64_t rnd = (uint64_t)(uintptr_t)&rnd;
    void *held[8] = {0};
    for (long i = 0; i < iters; i++) {
        unsigned k = (unsigned)(gt_rand(&rnd) % 8);
        if (held[k]) {
            _Atomic int *owner = held[k];
            /* we hold it: nobody else may */
            if (atomic_exchange(owner, 0) != 1)
                atomic_fetch_add(&bad, 1);
            gm_pool_put(shared_pool, held[k]);
            held[k] = NULL;
        } else {
            _Atomic int *o = gm_pool_get(shared_pool);
            if (atomic_exchange(o, 1) != 0)
                atomic_fetch_add(&bad, 1); /* handed out twice */
            held[k] = o;
        }
        if (i % 4096 == 0)
            (void)gm_new(4096);
    }
    for (int k = 0; k < 8; k++)
        if (held[k]) {
            atomic_store((_Atomic int *)held[k], 0);
            gm_pool_put(shared_pool, held[k]);
        }
    return NULL;
}

static void *new_flag(void)
{
    return gm_new(sizeof(_Atomic int));
}

static void test_concurrent_put_and_get_hand_each_object_to_one_thread(void **state)
{
    (void)state;
    shared_pool = gm_pool_make(new_flag);
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, pool_worker, NULL), 0);
    for (int i = 0; i < 5; i++)
        gm_gc();
    gm_blocking_enter(); /* waiting outside gomm: not a stop's concern */
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    gm_blocking_exit();
    assert_int_equal(atomic_load(&bad), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_from_empty_pool_calls_new),
        cmocka_unit_test(test_put_then_get_returns_the_object),
        cmocka_unit_test(test_many_objects_grow_the_chain),
        cmocka_unit_test(test_pooled_object_survives_one_collection),
        cmocka_unit_test(test_pooled_object_is_dropped_by_the_second_collection),
        cmocka_unit_test(test_objects_put_after_a_collection_survive_the_next),
        cmocka_unit_test(test_concurrent_put_and_get_hand_each_object_to_one_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
