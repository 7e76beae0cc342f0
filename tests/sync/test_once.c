/*
 * tests/sync/test_once.c — gm_once_do (sync.Once).
 *
 * fn runs exactly once however many callers race; every caller returns only
 * after fn has returned (fn sleeps a little in some rounds so the losers are
 * certainly waiting), and fn's plain writes are visible to every caller
 * (Go's rule: fn's return happens before every gm_once_do returns).
 */
#include "sync_test.h"

#define CALLERS 8

struct once_round {
    gm_once once;
    gm_atomic_i32 calls, fn_finished;
    gm_atomic_i32 early, missing, wrong_arg;
    int64_t table[64]; /* plain: written by fn only */
    bool slow;
    gm_chan *gate;
    gm_waitgroup wg;
};

static void init_fn(void *p)
{
    struct once_round *r = p;
    gm_atomic_i32_add(&r->calls, 1);
    if (r->slow)
        st_sleep_ms(10); /* the other callers arrive meanwhile */
    for (int i = 0; i < 64; i++)
        r->table[i] = i * i + 1;
    gm_atomic_i32_store(&r->fn_finished, 1);
}

static void other_fn(void *p)
{
    struct once_round *r = p;
    gm_atomic_i32_add(&r->wrong_arg, 1);
}

static void caller(void *p)
{
    struct once_round *r = p;
    gm_chan_recv(r->gate, NULL); /* all start together */
    gm_once_do(&r->once, init_fn, r);
    if (!gm_atomic_i32_load(&r->fn_finished))
        gm_atomic_i32_add(&r->early, 1);
    for (int i = 0; i < 64; i++)
        if (r->table[i] != i * i + 1)
            gm_atomic_i32_add(&r->missing, 1);
    gm_once_do(&r->once, other_fn, r); /* done: never runs */
    gm_waitgroup_done(&r->wg);
}

static void fn_runs_once_under_concurrent_callers_who_all_wait_for_it(void **state)
{
    (void)state;
    int rounds = ST_SCALED(300);
    for (int round = 0; round < rounds; round++) {
        static struct once_round r;
        memset(&r, 0, sizeof r);
        r.slow = round % 10 == 0;
        r.gate = gm_chan_make(0, 0);
        gm_waitgroup_add(&r.wg, CALLERS);
        for (int i = 0; i < CALLERS; i++)
            assert_int_equal(gm_go(caller, &r), 0);
        gm_chan_close(r.gate);
        gm_waitgroup_wait(&r.wg);
        if (gm_atomic_i32_load(&r.calls) != 1)
            fail_msg("round %d: fn ran %d times", round, gm_atomic_i32_load(&r.calls));
        assert_int_equal(gm_atomic_i32_load(&r.early), 0);
        assert_int_equal(gm_atomic_i32_load(&r.missing), 0);
        assert_int_equal(gm_atomic_i32_load(&r.wrong_arg), 0);
        gm_chan_free(r.gate);
    }
}

static int counter;

static void bump(void *p)
{
    counter += *(int *)p;
}

static void sequential_calls_run_fn_once_with_its_arg(void **state)
{
    (void)state;
    gm_once once = {0}; /* the zero value is ready */
    int by = 5, other = 100;
    counter = 0;
    gm_once_do(&once, bump, &by);
    assert_int_equal(counter, 5);
    gm_once_do(&once, bump, &by);
    gm_once_do(&once, bump, &other); /* another fn or arg: still done */
    assert_int_equal(counter, 5);
    gm_once second = {0};
    gm_once_do(&second, bump, &other); /* each Once is separate */
    assert_int_equal(counter, 105);
}

/* A fn that uses other Onces (not its own) is fine. */
static gm_once inner_once;

static void inner(void *p)
{
    (*(int *)p)++;
}

static void outer(void *p)
{
    gm_once_do(&inner_once, inner, p);
    (*(int *)p) += 10;
}

static void fn_may_use_another_once(void **state)
{
    (void)state;
    gm_once o = {0};
    int n = 0;
    gm_once_do(&o, outer, &n);
    gm_once_do(&o, outer, &n);
    gm_once_do(&inner_once, inner, &n);
    assert_int_equal(n, 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fn_runs_once_under_concurrent_callers_who_all_wait_for_it),
        cmocka_unit_test(sequential_calls_run_fn_once_with_its_arg),
        cmocka_unit_test(fn_may_use_another_once),
    };
    return ST_RUN(tests);
}
