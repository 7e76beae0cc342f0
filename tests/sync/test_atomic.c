/*
 * tests/sync/test_atomic.c — gm_atomic_T (Go's sync/atomic).
 *
 * Every type (i32 i64 u32 u64 uptr ptr bool) and operation: load, store,
 * swap (returns the old value), cas (swaps only on a match, reports it),
 * add (returns the new value, wraps around in two's complement, like Go),
 * and/or (return the old value). Zero values are 0/NULL/false. Under
 * contention: concurrent adds from 4 threads give the exact sum, a CAS
 * loop loses no increment, a flag published with store is a release (the
 * plain data before it is seen: TSan checks it), and the store-buffering
 * litmus test never shows both loads 0 (sequential consistency).
 */
#include "sync_test.h"

#include <limits.h>

static void zero_values(void **state)
{
    (void)state;
    gm_atomic_i32 a = {0};
    gm_atomic_i64 b = {0};
    gm_atomic_u32 c = {0};
    gm_atomic_u64 d = {0};
    gm_atomic_uptr e = {0};
    gm_atomic_ptr f = {0};
    gm_atomic_bool g = {0};
    assert_int_equal(gm_atomic_i32_load(&a), 0);
    assert_int_equal(gm_atomic_i64_load(&b), 0);
    assert_int_equal(gm_atomic_u32_load(&c), 0);
    assert_int_equal(gm_atomic_u64_load(&d), 0);
    assert_int_equal(gm_atomic_uptr_load(&e), 0);
    assert_null(gm_atomic_ptr_load(&f));
    assert_false(gm_atomic_bool_load(&g));
}

static void i32_ops(void **state)
{
    (void)state;
    gm_atomic_i32 a = {0};
    gm_atomic_i32_store(&a, -7);
    assert_int_equal(gm_atomic_i32_load(&a), -7);
    assert_int_equal(gm_atomic_i32_swap(&a, 12), -7);
    assert_int_equal(gm_atomic_i32_load(&a), 12);
    assert_false(gm_atomic_i32_cas(&a, 11, 99)); /* mismatch: unchanged */
    assert_int_equal(gm_atomic_i32_load(&a), 12);
    assert_true(gm_atomic_i32_cas(&a, 12, 99));
    assert_int_equal(gm_atomic_i32_load(&a), 99);
    assert_int_equal(gm_atomic_i32_add(&a, 1), 100);
    assert_int_equal(gm_atomic_i32_add(&a, -150), -50);
    gm_atomic_i32_store(&a, 0x0F0F);
    assert_int_equal(gm_atomic_i32_and(&a, 0x00FF), 0x0F0F);
    assert_int_equal(gm_atomic_i32_load(&a), 0x000F);
    assert_int_equal(gm_atomic_i32_or(&a, 0x3000), 0x000F);
    assert_int_equal(gm_atomic_i32_load(&a), 0x300F);
    /* wrap-around both ways */
    gm_atomic_i32_store(&a, INT32_MAX);
    assert_true(gm_atomic_i32_add(&a, 1) == INT32_MIN);
    assert_true(gm_atomic_i32_load(&a) == INT32_MIN);
    assert_true(gm_atomic_i32_add(&a, -1) == INT32_MAX);
    gm_atomic_i32_store(&a, INT32_MIN);
    assert_true(gm_atomic_i32_add(&a, INT32_MIN) == 0);
    gm_atomic_i32_store(&a, -1);
    assert_true(gm_atomic_i32_and(&a, INT32_MIN) == -1);
    assert_true(gm_atomic_i32_load(&a) == INT32_MIN);
}

static void i64_ops(void **state)
{
    (void)state;
    gm_atomic_i64 a = {0};
    gm_atomic_i64_store(&a, -((int64_t)1 << 40));
    assert_true(gm_atomic_i64_load(&a) == -((int64_t)1 << 40));
    assert_true(gm_atomic_i64_swap(&a, 5) == -((int64_t)1 << 40));
    assert_false(gm_atomic_i64_cas(&a, 4, 6));
    assert_true(gm_atomic_i64_load(&a) == 5);
    assert_true(gm_atomic_i64_cas(&a, 5, (int64_t)1 << 50));
    assert_true(gm_atomic_i64_add(&a, 1) == ((int64_t)1 << 50) + 1);
    gm_atomic_i64_store(&a, 0x00FF00FF00FF00FFll);
    assert_true(gm_atomic_i64_and(&a, 0x0F0F0F0F0F0F0F0Fll) == 0x00FF00FF00FF00FFll);
    assert_true(gm_atomic_i64_load(&a) == 0x000F000F000F000Fll);
    assert_true(gm_atomic_i64_or(&a, (int64_t)1 << 62) == 0x000F000F000F000Fll);
    assert_true(gm_atomic_i64_load(&a) == (0x000F000F000F000Fll | ((int64_t)1 << 62)));
    gm_atomic_i64_store(&a, INT64_MAX);
    assert_true(gm_atomic_i64_add(&a, 1) == INT64_MIN);
    assert_true(gm_atomic_i64_add(&a, -1) == INT64_MAX);
    gm_atomic_i64_store(&a, INT64_MIN);
    assert_true(gm_atomic_i64_add(&a, INT64_MIN) == 0);
}

static void u32_ops(void **state)
{
    (void)state;
    gm_atomic_u32 a = {0};
    gm_atomic_u32_store(&a, 0xFFFFFFFFu);
    assert_true(gm_atomic_u32_add(&a, 1) == 0);                     /* wraps */
    assert_true(gm_atomic_u32_add(&a, 0xFFFFFFFFu) == 0xFFFFFFFFu); /* "subtract" 1 */
    assert_true(gm_atomic_u32_swap(&a, 10) == 0xFFFFFFFFu);
    assert_false(gm_atomic_u32_cas(&a, 9, 1));
    assert_true(gm_atomic_u32_cas(&a, 10, 0xF0F0F0F0u));
    assert_true(gm_atomic_u32_and(&a, 0xFF00FF00u) == 0xF0F0F0F0u);
    assert_true(gm_atomic_u32_load(&a) == 0xF000F000u);
    assert_true(gm_atomic_u32_or(&a, 0x0000000Fu) == 0xF000F000u);
    assert_true(gm_atomic_u32_load(&a) == 0xF000F00Fu);
}

static void u64_ops(void **state)
{
    (void)state;
    gm_atomic_u64 a = {0};
    gm_atomic_u64_store(&a, UINT64_MAX);
    assert_true(gm_atomic_u64_add(&a, 2) == 1);
    assert_true(gm_atomic_u64_add(&a, UINT64_MAX) == 0);
    assert_true(gm_atomic_u64_swap(&a, (uint64_t)1 << 63) == 0);
    assert_false(gm_atomic_u64_cas(&a, 0, 1));
    assert_true(gm_atomic_u64_cas(&a, (uint64_t)1 << 63, 0xFFFF0000FFFF0000ull));
    assert_true(gm_atomic_u64_and(&a, 0x0FF00FF00FF00FF0ull) == 0xFFFF0000FFFF0000ull);
    assert_true(gm_atomic_u64_load(&a) == 0x0FF000000FF00000ull);
    assert_true(gm_atomic_u64_or(&a, 1) == 0x0FF000000FF00000ull);
    assert_true(gm_atomic_u64_load(&a) == 0x0FF000000FF00001ull);
}

static void uptr_ops(void **state)
{
    (void)state;
    gm_atomic_uptr a = {0};
    gm_atomic_uptr_store(&a, UINTPTR_MAX);
    assert_true(gm_atomic_uptr_add(&a, 1) == 0);
    assert_true(gm_atomic_uptr_swap(&a, 0x1234) == 0);
    assert_false(gm_atomic_uptr_cas(&a, 0x1235, 0));
    assert_true(gm_atomic_uptr_cas(&a, 0x1234, 0xFF0));
    assert_true(gm_atomic_uptr_and(&a, 0x0F0) == 0xFF0);
    assert_true(gm_atomic_uptr_or(&a, 0x001) == 0x0F0);
    assert_true(gm_atomic_uptr_load(&a) == 0x0F1);
}

static void ptr_ops(void **state)
{
    (void)state;
    int x = 1, y = 2;
    gm_atomic_ptr a = {0};
    gm_atomic_ptr_store(&a, &x);
    assert_ptr_equal(gm_atomic_ptr_load(&a), &x);
    assert_ptr_equal(gm_atomic_ptr_swap(&a, &y), &x);
    assert_false(gm_atomic_ptr_cas(&a, &x, NULL));
    assert_ptr_equal(gm_atomic_ptr_load(&a), &y);
    assert_true(gm_atomic_ptr_cas(&a, &y, NULL));
    assert_null(gm_atomic_ptr_load(&a));
    assert_true(gm_atomic_ptr_cas(&a, NULL, &x));
    assert_ptr_equal(gm_atomic_ptr_load(&a), &x);
}

static void bool_ops(void **state)
{
    (void)state;
    gm_atomic_bool a = {0};
    gm_atomic_bool_store(&a, true);
    assert_true(gm_atomic_bool_load(&a));
    assert_true(gm_atomic_bool_swap(&a, false));
    assert_false(gm_atomic_bool_swap(&a, false));
    assert_false(gm_atomic_bool_cas(&a, true, true));
    assert_false(gm_atomic_bool_load(&a));
    assert_true(gm_atomic_bool_cas(&a, false, true));
    assert_true(gm_atomic_bool_load(&a));
}

/* ---- concurrency ---- */

#define THREADS 4

struct adders {
    gm_atomic_i32 i32;
    gm_atomic_i64 i64;
    gm_atomic_u32 u32;
    gm_atomic_u64 u64;
    gm_atomic_uptr uptr;
    gm_atomic_i64 cas_counter;
    gm_atomic_u64 bits;
    int iters;
    gm_waitgroup wg;
};

static void adder(void *p)
{
    struct adders *a = p;
    for (int i = 0; i < a->iters; i++) {
        gm_atomic_i32_add(&a->i32, 1);
        gm_atomic_i64_add(&a->i64, 3);
        gm_atomic_u32_add(&a->u32, 0xFFFFFFFFu); /* -1, wrapping */
        gm_atomic_u64_add(&a->u64, 5);
        gm_atomic_uptr_add(&a->uptr, 1);
        int64_t old;
        do
            old = gm_atomic_i64_load(&a->cas_counter);
        while (!gm_atomic_i64_cas(&a->cas_counter, old, old + 1));
    }
    gm_waitgroup_done(&a->wg);
}

static void concurrent_adds_from_four_threads_give_the_exact_sum(void **state)
{
    (void)state;
    static struct adders a;
    memset(&a, 0, sizeof a);
    a.iters = ST_SCALED(500000);
    gm_waitgroup_add(&a.wg, THREADS);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(gm_go(adder, &a), 0);
    gm_waitgroup_wait(&a.wg);
    int64_t n = (int64_t)THREADS * a.iters;
    assert_true(gm_atomic_i32_load(&a.i32) == (int32_t)n);
    assert_true(gm_atomic_i64_load(&a.i64) == 3 * n);
    assert_true(gm_atomic_u32_load(&a.u32) == (uint32_t)(0 - (uint64_t)n));
    assert_true(gm_atomic_u64_load(&a.u64) == 5 * (uint64_t)n);
    assert_true(gm_atomic_uptr_load(&a.uptr) == (uintptr_t)n);
    assert_true(gm_atomic_i64_load(&a.cas_counter) == n);
}

struct bitset {
    gm_atomic_u64 word;
    gm_atomic_i32 dup;
    gm_waitgroup wg;
};

struct bit_arg {
    struct bitset *b;
    int first;
};

static void bit_setter(void *p)
{
    struct bit_arg *a = p;
    for (int k = a->first; k < 64; k += THREADS) {
        uint64_t old = gm_atomic_u64_or(&a->b->word, (uint64_t)1 << k);
        if (old & ((uint64_t)1 << k))
            gm_atomic_i32_add(&a->b->dup, 1);
    }
    gm_waitgroup_done(&a->b->wg);
}

static void concurrent_or_sets_every_bit_exactly_once(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        struct bitset b = {0};
        struct bit_arg args[THREADS];
        gm_waitgroup_add(&b.wg, THREADS);
        for (int i = 0; i < THREADS; i++) {
            args[i] = (struct bit_arg){&b, i};
            assert_int_equal(gm_go(bit_setter, &args[i]), 0);
        }
        gm_waitgroup_wait(&b.wg);
        assert_true(gm_atomic_u64_load(&b.word) == UINT64_MAX);
        assert_int_equal(gm_atomic_i32_load(&b.dup), 0);
        /* and clear them back with and */
        for (int k = 0; k < 64; k++)
            gm_atomic_u64_and(&b.word, ~((uint64_t)1 << k));
        assert_true(gm_atomic_u64_load(&b.word) == 0);
    }
}

/* Message passing: plain data, then a flag; whoever sees the flag sees the
 * data (Go's rule A1; under TSan a missing edge would be a race report). */
struct mp {
    int64_t data[16];
    gm_atomic_ptr ready;
    gm_atomic_i32 bad;
    int rounds;
    gm_atomic_i32 round;
    gm_waitgroup wg;
};

static void mp_reader(void *p)
{
    struct mp *m = p;
    for (int r = 1; r <= m->rounds; r++) {
        while (gm_atomic_i32_load(&m->round) != r)
            sched_yield();
        int64_t *d;
        while (!(d = gm_atomic_ptr_load(&m->ready)))
            sched_yield();
        for (int i = 0; i < 16; i++)
            if (d[i] != (int64_t)r * 16 + i)
                gm_atomic_i32_add(&m->bad, 1);
        gm_atomic_ptr_store(&m->ready, NULL);
    }
    gm_waitgroup_done(&m->wg);
}

static void store_publishes_the_data_written_before_it(void **state)
{
    (void)state;
    static struct mp m;
    memset(&m, 0, sizeof m);
    m.rounds = ST_SCALED(5000);
    gm_waitgroup_add(&m.wg, 1);
    assert_int_equal(gm_go(mp_reader, &m), 0);
    for (int r = 1; r <= m.rounds; r++) {
        /* the reader cleared ready: it is done with data */
        ST_WAIT_UNTIL(gm_atomic_ptr_load(&m.ready) == NULL, "reader consumed");
        gm_atomic_i32_store(&m.round, r);
        for (int i = 0; i < 16; i++)
            m.data[i] = (int64_t)r * 16 + i;
        gm_atomic_ptr_store(&m.ready, m.data);
    }
    gm_waitgroup_wait(&m.wg);
    assert_int_equal(gm_atomic_i32_load(&m.bad), 0);
}

/* Store buffering (Dekker): x = 1; r1 = y  ||  y = 1; r2 = x. With
 * sequentially consistent atomics, r1 == r2 == 0 is impossible. */
struct sb {
    gm_atomic_i32 x, y;
    gm_atomic_i32 go[2], done[2];
    int r[2];
    int iters;
    gm_atomic_i32 both_zero;
    gm_waitgroup wg;
};

static void sb_side(struct sb *s, int me, gm_atomic_i32 *mine, gm_atomic_i32 *other)
{
    for (int i = 1; i <= s->iters; i++) {
        for (unsigned spin = 0; gm_atomic_i32_load(&s->go[me]) != i; spin++)
            if (spin > 64)
                sched_yield();
        gm_atomic_i32_store(mine, 1);
        s->r[me] = gm_atomic_i32_load(other);
        gm_atomic_i32_store(&s->done[me], i);
    }
}

static void sb_left(void *p)
{
    struct sb *s = p;
    sb_side(s, 0, &s->x, &s->y);
    gm_waitgroup_done(&s->wg);
}

static void sb_right(void *p)
{
    struct sb *s = p;
    sb_side(s, 1, &s->y, &s->x);
    gm_waitgroup_done(&s->wg);
}

static void store_buffering_never_shows_both_loads_zero(void **state)
{
    (void)state;
    static struct sb s;
    memset(&s, 0, sizeof s);
    /* two threads spin-wait for each round: keep it short on 2 CPUs */
    s.iters = ST_SCALED(20000);
    gm_waitgroup_add(&s.wg, 2);
    assert_int_equal(gm_go(sb_left, &s), 0);
    assert_int_equal(gm_go(sb_right, &s), 0);
    int zeros = 0;
    for (int i = 1; i <= s.iters; i++) {
        gm_atomic_i32_store(&s.x, 0);
        gm_atomic_i32_store(&s.y, 0);
        gm_atomic_i32_store(&s.go[0], i);
        gm_atomic_i32_store(&s.go[1], i);
        while (gm_atomic_i32_load(&s.done[0]) != i || gm_atomic_i32_load(&s.done[1]) != i)
            sched_yield();
        zeros += s.r[0] == 0 && s.r[1] == 0;
    }
    gm_waitgroup_wait(&s.wg);
    assert_int_equal(zeros, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_values),
        cmocka_unit_test(i32_ops),
        cmocka_unit_test(i64_ops),
        cmocka_unit_test(u32_ops),
        cmocka_unit_test(u64_ops),
        cmocka_unit_test(uptr_ops),
        cmocka_unit_test(ptr_ops),
        cmocka_unit_test(bool_ops),
        cmocka_unit_test(concurrent_adds_from_four_threads_give_the_exact_sum),
        cmocka_unit_test(concurrent_or_sets_every_bit_exactly_once),
        cmocka_unit_test(store_publishes_the_data_written_before_it),
        cmocka_unit_test(store_buffering_never_shows_both_loads_zero),
    };
    return ST_RUN(tests);
}
