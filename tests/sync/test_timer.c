/*
 * tests/sync/test_timer.c — gm_after (time.After).
 *
 * A gm_after channel receives exactly one int64_t (the delivery time,
 * CLOCK_REALTIME ns) no earlier than the delay after the call; only a very
 * generous upper bound (30 s) is asserted, since this machine may be
 * loaded. gm_chan_free before the timer fires is safe (it stops the timer),
 * also when it races the timer thread's delivery (ASan would see a use
 * after free). Timers fire in deadline order: the delivery times respect
 * the order of deadlines that cannot overlap given the measured call times.
 */
#include "sync_test.h"

static void after_delivers_one_time_value_after_the_delay(void **state)
{
    (void)state;
    int64_t delays[] = {1 * ST_MS, 20 * ST_MS, 50 * ST_MS};
    for (size_t i = 0; i < 3; i++) {
        int64_t r0 = st_realtime_ns(), t0 = st_now_ns();
        gm_chan *c = gm_after(delays[i]);
        assert_non_null(c);
        assert_int_equal(gm_chan_cap(c), 1);
        int64_t v = 0;
        assert_true(gm_chan_recv(c, &v));
        int64_t elapsed = st_now_ns() - t0, r1 = st_realtime_ns();
        if (elapsed < delays[i])
            fail_msg("delay %lld ns: received after %lld ns", (long long)delays[i],
                     (long long)elapsed);
        assert_true(elapsed < 30 * ST_SEC);
        /* the value is the delivery time (1 s slack for a clock step) */
        assert_true(v >= r0 + delays[i] - ST_SEC);
        assert_true(v <= r1 + ST_SEC);
        /* exactly one value; the channel is never closed */
        bool ok = true;
        assert_false(gm_chan_try_recv(c, &v, &ok));
        assert_int_equal(gm_chan_len(c), 0);
        gm_chan_free(c);
    }
}

static void after_with_zero_or_negative_delay_is_ready_at_once(void **state)
{
    (void)state;
    int64_t delays[] = {0, -1, -5 * ST_SEC};
    for (size_t i = 0; i < 3; i++) {
        gm_chan *c = gm_after(delays[i]);
        /* ready now (or at the latest very soon) */
        int64_t v = 0;
        bool ok = false;
        ST_WAIT_UNTIL(gm_chan_try_recv(c, &v, &ok), "an already-due timer delivers");
        assert_true(ok);
        assert_true(v > 0);
        gm_chan_free(c);
    }
}

static void value_waits_in_the_channel_until_received(void **state)
{
    (void)state;
    gm_chan *c = gm_after(1 * ST_MS);
    ST_WAIT_UNTIL(gm_chan_len(c) == 1, "the timer fired");
    st_sleep_ms(5);
    assert_int_equal(gm_chan_len(c), 1);
    int64_t v = 0;
    assert_true(gm_chan_recv(c, &v));
    assert_true(v > 0);
    gm_chan_free(c);
}

static void free_before_firing_is_safe(void **state)
{
    (void)state;
    enum { N = 1000 };
    static gm_chan *cs[N];
    /* long delays: every free stops a pending timer */
    for (int i = 0; i < N; i++)
        cs[i] = gm_after((int64_t)(10 + i % 50) * ST_SEC);
    for (int i = 0; i < N; i += 2)
        gm_chan_free(cs[i]);
    for (int i = N - 1; i > 0; i -= 2)
        gm_chan_free(cs[i]);
    /* the stopped timers are gone: a short one still fires promptly */
    gm_chan *c = gm_after(1 * ST_MS);
    assert_true(gm_chan_recv(c, NULL));
    gm_chan_free(c);
}

static void free_racing_the_timer_thread_is_safe(void **state)
{
    (void)state;
    int n = ST_SCALED(20000);
    uint64_t rnd = 88172645463325252ull;
    int fired = 0;
    for (int i = 0; i < n; i++) {
        /* 0..100 us: the timer thread is often delivering right now */
        gm_chan *c = gm_after((int64_t)(st_rand(&rnd) % 100001));
        if (i % 3 == 0)
            st_sleep_ns((int64_t)(st_rand(&rnd) % 100000));
        else if (i % 3 == 1)
            sched_yield();
        fired += gm_chan_len(c) == 1;
        gm_chan_free(c);
    }
    print_message("%d of %d timers had fired before their channel was freed\n", fired, n);
    /* the timer thread is still healthy */
    gm_chan *c = gm_after(1 * ST_MS);
    assert_true(gm_chan_recv(c, NULL));
    gm_chan_free(c);
}

static void free_after_firing_without_receiving_is_safe(void **state)
{
    (void)state;
    enum { N = 200 };
    gm_chan *cs[N];
    for (int i = 0; i < N; i++)
        cs[i] = gm_after(ST_MS / 10);
    for (int i = 0; i < N; i++)
        ST_WAIT_UNTIL(gm_chan_len(cs[i]) == 1, "timer fired");
    for (int i = 0; i < N; i++)
        gm_chan_free(cs[i]);
}

/* ---- deadline order ---- */

#define ORDER_N 64

static void timers_fire_in_deadline_order(void **state)
{
    (void)state;
    gm_chan *cs[ORDER_N];
    int64_t lo[ORDER_N], hi[ORDER_N], got[ORDER_N];
    int perm[ORDER_N];
    for (int i = 0; i < ORDER_N; i++)
        perm[i] = i;
    uint64_t rnd = 0x1234567;
    for (int i = ORDER_N - 1; i > 0; i--) { /* create them in a shuffled order */
        int j = (int)(st_rand(&rnd) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int k = 0; k < ORDER_N; k++) {
        int i = perm[k];
        int64_t d = (int64_t)(i + 1) * 2 * ST_MS;
        lo[i] = st_now_ns() + d; /* the deadline is between lo and hi */
        cs[i] = gm_after(d);
        hi[i] = st_now_ns() + d;
    }
    /* receive in any order: select over everything not yet received */
    gm_case sel[ORDER_N];
    for (int i = 0; i < ORDER_N; i++)
        sel[i] = (gm_case){cs[i], GM_RECV, &got[i], false};
    for (int n = 0; n < ORDER_N; n++) {
        int k = gm_select(sel, ORDER_N, false);
        assert_true(k >= 0);
        assert_true(sel[k].ok);
        sel[k].chan = NULL;
    }
    int checked = 0;
    for (int i = 0; i < ORDER_N; i++)
        for (int j = 0; j < ORDER_N; j++)
            if (hi[i] < lo[j]) { /* i's deadline is certainly earlier */
                checked++;
                if (got[i] > got[j])
                    fail_msg("timer %d (deadline <= %lld) delivered at %lld, after timer %d "
                             "(deadline >= %lld) at %lld",
                             i, (long long)hi[i], (long long)got[i], j, (long long)lo[j],
                             (long long)got[j]);
            }
    print_message("%d ordered pairs checked\n", checked);
    assert_true(checked > ORDER_N * (ORDER_N - 1) / 4);
    for (int i = 0; i < ORDER_N; i++)
        gm_chan_free(cs[i]);
}

/* ---- several threads using timers ---- */

struct many_timers {
    int per_thread;
    gm_atomic_i32 received, early;
    gm_waitgroup wg;
};

static void timer_user(void *p)
{
    struct many_timers *m = p;
    uint64_t rnd = (uint64_t)st_gettid() * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < m->per_thread; i++) {
        int64_t d = (int64_t)(st_rand(&rnd) % 200000); /* < 0.2 ms */
        int64_t t0 = st_now_ns();
        gm_chan *c = gm_after(d);
        if (gm_chan_recv(c, NULL))
            gm_atomic_i32_add(&m->received, 1);
        if (st_now_ns() - t0 < d)
            gm_atomic_i32_add(&m->early, 1);
        gm_chan_free(c);
    }
    gm_waitgroup_done(&m->wg);
}

static void timers_from_several_threads_all_fire(void **state)
{
    (void)state;
    struct many_timers m = {.per_thread = ST_SCALED(2000)};
    gm_waitgroup_add(&m.wg, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(gm_go(timer_user, &m), 0);
    gm_waitgroup_wait(&m.wg);
    assert_int_equal(gm_atomic_i32_load(&m.received), 4 * m.per_thread);
    assert_int_equal(gm_atomic_i32_load(&m.early), 0);
}

/* ---- fork ---- */

static void child_waits_for_a_timer_made_before_fork(void *arg)
{
    gm_chan *c = arg;
    int64_t v = 0;
    if (!gm_chan_recv(c, &v) || v <= 0)
        _exit(3);
    _exit(0);
}

static void a_timer_pending_at_fork_fires_in_the_child(void **state)
{
    (void)state;
    gm_chan *c = gm_after(50 * ST_MS);
    st_run_child_timeout(child_waits_for_a_timer_made_before_fork, c, 20, &st_last);
    st_check_exit(&st_last, "timer pending at fork", 0);
    assert_true(gm_chan_recv(c, NULL)); /* and in the parent */
    gm_chan_free(c);
}

static void child_uses_timers_repeatedly(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        gm_chan *c = gm_after((int64_t)(5 - i) * 10 * ST_MS);
        int64_t v = 0;
        if (!gm_chan_recv(c, &v) || v <= 0)
            _exit(3);
        gm_chan_free(c);
    }
    _exit(0);
}

/* The parent's timer thread was asleep on its condition variable when the
 * process forked; it does not exist in the child, whose timers must work
 * all the same (again and again, not only the first one). */
static void timers_work_in_a_child_forked_after_the_timer_thread_started(void **state)
{
    (void)state;
    gm_chan *c = gm_after(ST_MS);
    assert_true(gm_chan_recv(c, NULL)); /* the timer thread runs, now idle */
    gm_chan_free(c);
    st_sleep_ms(10);
    st_run_child_timeout(child_uses_timers_repeatedly, NULL, 20, &st_last);
    if (st_last.signal == SIGALRM)
        fail_msg("a child forked after the timer thread started hangs in gm_after/recv");
    st_check_exit(&st_last, "timers in a forked child", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(after_delivers_one_time_value_after_the_delay),
        cmocka_unit_test(after_with_zero_or_negative_delay_is_ready_at_once),
        cmocka_unit_test(value_waits_in_the_channel_until_received),
        cmocka_unit_test(free_before_firing_is_safe),
        cmocka_unit_test(free_racing_the_timer_thread_is_safe),
        cmocka_unit_test(free_after_firing_without_receiving_is_safe),
        cmocka_unit_test(timers_fire_in_deadline_order),
        cmocka_unit_test(timers_from_several_threads_all_fire),
        cmocka_unit_test(a_timer_pending_at_fork_fires_in_the_child),
        cmocka_unit_test(timers_work_in_a_child_forked_after_the_timer_thread_started),
    };
    return ST_RUN(tests);
}
