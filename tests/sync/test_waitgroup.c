/*
 * tests/sync/test_waitgroup.c — gm_waitgroup (sync.WaitGroup).
 *
 * wait returns after (and only after) the counter reaches zero, and every
 * done happens before the wait it releases returns (plain writes before
 * done are seen after wait); several waiters are all released; a group can
 * be reused once its wait has returned; a negative counter is fatal with
 * Go's message.
 */
#include "sync_test.h"

#define N 16

struct group {
    gm_waitgroup wg;
    int64_t results[N]; /* plain: each worker writes its own */
};

struct worker_arg {
    struct group *g;
    int i;
};

static void worker(void *p)
{
    struct worker_arg *a = p;
    if (a->i % 4 == 0)
        gm_gosched();
    a->g->results[a->i] = (int64_t)a->i * 3 + 1;
    gm_waitgroup_done(&a->g->wg);
}

static void wait_returns_after_n_dones_and_sees_their_writes(void **state)
{
    (void)state;
    static struct group g;
    static struct worker_arg args[N];
    int rounds = ST_SCALED(300);
    for (int round = 0; round < rounds; round++) { /* reuse after wait */
        memset(g.results, 0, sizeof g.results);
        if (round % 2)
            gm_waitgroup_add(&g.wg, N);
        for (int i = 0; i < N; i++) {
            if (round % 2 == 0)
                gm_waitgroup_add(&g.wg, 1);
            args[i] = (struct worker_arg){&g, i};
            assert_int_equal(gm_go(worker, &args[i]), 0);
        }
        gm_waitgroup_wait(&g.wg);
        for (int i = 0; i < N; i++)
            if (g.results[i] != (int64_t)i * 3 + 1)
                fail_msg("round %d: worker %d's write not seen after wait", round, i);
    }
}

struct early {
    gm_waitgroup wg;
    gm_atomic_i32 waiting, returned;
    gm_waitgroup finished;
};

static void early_waiter(void *p)
{
    struct early *e = p;
    gm_atomic_i32_add(&e->waiting, 1);
    gm_waitgroup_wait(&e->wg);
    gm_atomic_i32_add(&e->returned, 1);
    gm_waitgroup_done(&e->finished);
}

static void wait_blocks_until_the_last_done_and_releases_every_waiter(void **state)
{
    (void)state;
    for (int round = 0; round < 10; round++) {
        struct early e = {0};
        gm_waitgroup_add(&e.wg, 3);
        gm_waitgroup_add(&e.finished, 4);
        for (int i = 0; i < 4; i++)
            assert_int_equal(gm_go(early_waiter, &e), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&e.waiting) == 4, "waiters started");
        gm_waitgroup_done(&e.wg);
        gm_waitgroup_add(&e.wg, -1);
        if (round < 3)
            st_sleep_ms(20);
        assert_int_equal(gm_atomic_i32_load(&e.returned), 0); /* counter is 1 */
        gm_waitgroup_done(&e.wg);
        gm_waitgroup_wait(&e.finished);
        assert_int_equal(gm_atomic_i32_load(&e.returned), 4);
        gm_waitgroup_wait(&e.wg); /* zero: returns at once */
    }
}

static void wait_on_a_zero_counter_returns_at_once(void **state)
{
    (void)state;
    gm_waitgroup wg = {0};
    gm_waitgroup_wait(&wg);
    gm_waitgroup_add(&wg, 5);
    gm_waitgroup_add(&wg, -5);
    gm_waitgroup_wait(&wg);
    gm_waitgroup_add(&wg, 2);
    gm_waitgroup_done(&wg);
    gm_waitgroup_done(&wg);
    gm_waitgroup_wait(&wg);
}

static void child_done_on_zero(void *arg)
{
    (void)arg;
    gm_waitgroup wg = {0};
    gm_waitgroup_done(&wg);
}

static void child_add_negative(void *arg)
{
    (void)arg;
    gm_waitgroup wg = {0};
    gm_waitgroup_add(&wg, 2);
    gm_waitgroup_add(&wg, -3);
}

static void child_one_done_too_many(void *arg)
{
    (void)arg;
    gm_waitgroup wg = {0};
    gm_waitgroup_add(&wg, 1);
    gm_waitgroup_done(&wg);
    gm_waitgroup_wait(&wg);
    gm_waitgroup_done(&wg);
}

static void negative_counter_is_fatal(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_done_on_zero, NULL, "sync: negative WaitGroup counter");
    ST_EXPECT_FATAL(child_add_negative, NULL, "sync: negative WaitGroup counter");
    ST_EXPECT_FATAL(child_one_done_too_many, NULL, "sync: negative WaitGroup counter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wait_returns_after_n_dones_and_sees_their_writes),
        cmocka_unit_test(wait_blocks_until_the_last_done_and_releases_every_waiter),
        cmocka_unit_test(wait_on_a_zero_counter_returns_at_once),
        cmocka_unit_test(negative_counter_is_fatal),
    };
    return ST_RUN(tests);
}
