/*
 * tests/sync/test_deadlock.c — "all goroutines are asleep - deadlock!".
 *
 * Every case runs in a forked child. Positive cases: the child blocks for
 * good with only threads gomm knows, and must die with exit status 2 and
 * Go's message. Negative cases: something outside the blocked set can
 * still make progress (a plain pthread gomm does not know, a pending
 * gm_after timer, a goroutine still computing) and the child must finish
 * normally (exit 0), never be reported.
 *
 * Under ThreadSanitizer the detector stands down by design (TSan's own
 * background thread is a thread gomm does not know, which could wake
 * somebody as far as gomm can tell), so the positive cases are skipped
 * there; the negative ones still run.
 */
#include "sync_test.h"

#define DEADLOCK "all goroutines are asleep - deadlock!"

#if defined(ST_TSAN)
#define SKIP_IF_NO_DETECTOR() skip()
#else
#define SKIP_IF_NO_DETECTOR() ((void)0)
#endif

/* ---- positive: every known thread blocked for good ---- */

static void child_recv_nobody_sends(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 0);
    int v;
    gm_chan_recv(c, &v);
    _exit(1);
}

static void child_send_nobody_receives(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    int v = 1;
    gm_chan_send(c, &v); /* fits the buffer */
    gm_chan_send(c, &v); /* blocks for good */
    _exit(1);
}

static void recv_on_a_channel_nobody_sends_to_is_reported(void **state)
{
    (void)state;
    SKIP_IF_NO_DETECTOR();
    ST_EXPECT_FATAL(child_recv_nobody_sends, NULL, DEADLOCK);
    ST_EXPECT_FATAL(child_send_nobody_receives, NULL, DEADLOCK);
}

static void blocked_forever(void *p)
{
    gm_chan_recv(p, NULL);
}

static void child_main_and_goroutines_all_blocked(void *arg)
{
    (void)arg;
    gm_chan *never = gm_chan_make(0, 0);
    gm_waitgroup wg = {0};
    gm_waitgroup_add(&wg, 1);
    for (int i = 0; i < 3; i++)
        if (gm_go(blocked_forever, never) != 0)
            _exit(3);
    gm_waitgroup_wait(&wg); /* nobody calls done */
    _exit(1);
}

static void main_and_goroutines_all_blocked_is_reported(void **state)
{
    (void)state;
    SKIP_IF_NO_DETECTOR();
    ST_EXPECT_FATAL(child_main_and_goroutines_all_blocked, NULL, DEADLOCK);
}

static void child_mutex_locked_twice(void *arg)
{
    (void)arg;
    gm_mutex mu = {0};
    gm_mutex_lock(&mu);
    gm_mutex_lock(&mu); /* not reentrant */
    _exit(1);
}

static void child_cond_wait_without_signaller(void *arg)
{
    (void)arg;
    gm_mutex mu = {0};
    gm_cond cond = {0};
    gm_mutex_lock(&mu);
    gm_cond_wait(&cond, &mu);
    _exit(1);
}

static void child_rwmutex_rlock_under_own_lock(void *arg)
{
    (void)arg;
    gm_rwmutex rw = {0};
    gm_rwmutex_lock(&rw);
    gm_rwmutex_rlock(&rw);
    _exit(1);
}

static void child_empty_select(void *arg)
{
    (void)arg;
    gm_select(NULL, 0, false);
    _exit(1);
}

static void child_select_nobody_ready(void *arg)
{
    (void)arg;
    gm_chan *a = gm_chan_make(sizeof(int), 0), *b = gm_chan_make(sizeof(int), 1);
    int v = 0;
    gm_chan_send(b, &v);
    gm_case cs[] = {{a, GM_RECV, &v, false}, {b, GM_SEND, &v, false}, {NULL, GM_RECV, NULL, false}};
    gm_select(cs, 3, false);
    _exit(1);
}

static void child_nil_send(void *arg)
{
    (void)arg;
    int v = 0;
    gm_chan_send(st_launder(NULL), &v);
    _exit(1);
}

static void sync_primitives_blocked_for_good_are_reported(void **state)
{
    (void)state;
    SKIP_IF_NO_DETECTOR();
    ST_EXPECT_FATAL(child_mutex_locked_twice, NULL, DEADLOCK);
    ST_EXPECT_FATAL(child_cond_wait_without_signaller, NULL, DEADLOCK);
    ST_EXPECT_FATAL(child_rwmutex_rlock_under_own_lock, NULL, DEADLOCK);
    ST_EXPECT_FATAL(child_empty_select, NULL, DEADLOCK);
    ST_EXPECT_FATAL(child_select_nobody_ready, NULL, DEADLOCK);
    ST_EXPECT_FATAL(child_nil_send, NULL, DEADLOCK);
}

/* Idle pool threads and a timer thread with nothing pending are gomm's own:
 * they do not hide a deadlock. */
static void finish_and_report(void *p)
{
    gm_chan_send(p, NULL);
}

static void child_deadlock_after_goroutines_and_timers_finished(void *arg)
{
    (void)arg;
    gm_chan *done = gm_chan_make(0, 0);
    for (int i = 0; i < 3; i++) {
        if (gm_go(finish_and_report, done) != 0)
            _exit(3);
        gm_chan_recv(done, NULL);
    }
    gm_chan *t = gm_after(ST_MS);
    gm_chan_recv(t, NULL); /* the timer thread now exists, idle */
    gm_chan_free(t);
    st_sleep_ms(20); /* the workers are idle in the pool */
    gm_chan_recv(done, NULL);
    _exit(1);
}

static void idle_pool_threads_and_an_idle_timer_thread_do_not_hide_a_deadlock(void **state)
{
    (void)state;
    SKIP_IF_NO_DETECTOR();
    ST_EXPECT_FATAL(child_deadlock_after_goroutines_and_timers_finished, NULL, DEADLOCK);
}

static void child_deadlock_only(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(0, 0);
    gm_chan_recv(c, NULL);
    _exit(1);
}

static void idle_fn(void *p)
{
    gm_waitgroup_done(p);
}

static void a_child_forked_from_a_busy_parent_still_detects(void **state)
{
    (void)state;
    SKIP_IF_NO_DETECTOR();
    /* the parent has idle pool threads and a timer thread: none of them
     * exists in the child */
    gm_waitgroup wg = {0};
    gm_waitgroup_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(gm_go(idle_fn, &wg), 0);
    gm_waitgroup_wait(&wg);
    gm_chan *t = gm_after(ST_MS);
    assert_true(gm_chan_recv(t, NULL));
    gm_chan_free(t);
    st_sleep_ms(20);
    ST_EXPECT_FATAL(child_deadlock_only, NULL, DEADLOCK);
}

/* ---- negative: something can still make progress ---- */

static gm_chan *shared_chan;

static void *plain_sender(void *arg)
{
    (void)arg;
    st_sleep_ms(200); /* the main thread is blocked by now */
    int v = 5;
    gm_chan_send(shared_chan, &v);
    return NULL;
}

static void child_plain_thread_sends_later(void *arg)
{
    (void)arg;
    shared_chan = gm_chan_make(sizeof(int), 0);
    pthread_t t;
    if (pthread_create(&t, NULL, plain_sender, NULL) != 0)
        _exit(3);
    int v = 0;
    if (!gm_chan_recv(shared_chan, &v) || v != 5)
        _exit(4);
    pthread_join(t, NULL);
    _exit(0);
}

static void an_unknown_plain_thread_that_will_send_prevents_a_report(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_plain_thread_sends_later, NULL, 0);
}

/* A plain thread that has blocked in gomm (so gomm knows it) and now
 * sleeps outside gomm counts as running. */
static gm_chan *hello;

static void *known_then_sleeping(void *arg)
{
    (void)arg;
    gm_chan_recv(hello, NULL); /* parks here (the main thread sends late) */
    st_sleep_ms(200);
    int v = 6;
    gm_chan_send(shared_chan, &v);
    return NULL;
}

static void child_known_thread_sleeps_outside_gomm(void *arg)
{
    (void)arg;
    shared_chan = gm_chan_make(sizeof(int), 0);
    hello = gm_chan_make(0, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, known_then_sleeping, NULL) != 0)
        _exit(3);
    st_sleep_ms(50); /* make it likely that the thread parked in gomm */
    gm_chan_send(hello, NULL);
    int v = 0;
    if (!gm_chan_recv(shared_chan, &v) || v != 6)
        _exit(4);
    pthread_join(t, NULL);
    _exit(0);
}

static void a_known_thread_sleeping_outside_gomm_prevents_a_report(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_known_thread_sleeps_outside_gomm, NULL, 0);
}

static void child_waits_for_timer(void *arg)
{
    (void)arg;
    gm_chan *t = gm_after(200 * ST_MS);
    int64_t v = 0;
    if (!gm_chan_recv(t, &v) || v <= 0)
        _exit(4);
    /* and a timer in a select, next to a channel nobody uses */
    gm_chan *never = gm_chan_make(0, 0);
    gm_chan *t2 = gm_after(100 * ST_MS);
    gm_case cs[] = {{never, GM_RECV, NULL, false}, {t2, GM_RECV, NULL, false}};
    if (gm_select(cs, 2, false) != 1)
        _exit(5);
    gm_chan_free(t);
    gm_chan_free(t2);
    _exit(0);
}

static void a_pending_timer_prevents_a_report(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_waits_for_timer, NULL, 0);
}

static void compute_then_send(void *p)
{
    volatile uint64_t x = 0;
    int64_t until = st_now_ns() + 200 * ST_MS;
    while (st_now_ns() < until) /* running, not blocked */
        x++;
    int v = 7;
    gm_chan_send(p, &v);
}

static void child_goroutine_computes_then_sends(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 0);
    if (gm_go(compute_then_send, c) != 0)
        _exit(3);
    int v = 0;
    if (!gm_chan_recv(c, &v) || v != 7)
        _exit(4);
    _exit(0);
}

static void a_running_goroutine_prevents_a_report(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_goroutine_computes_then_sends, NULL, 0);
}

/* A chain: main waits for a goroutine that waits for a plain thread. */
static gm_chan *chain_a, *chain_b;

static void chain_middle(void *p)
{
    (void)p;
    int v = 0;
    gm_chan_recv(chain_b, &v);
    v++;
    gm_chan_send(chain_a, &v);
}

static void *chain_end(void *p)
{
    (void)p;
    st_sleep_ms(200);
    int v = 41;
    gm_chan_send(chain_b, &v);
    return NULL;
}

static void child_chain(void *arg)
{
    (void)arg;
    chain_a = gm_chan_make(sizeof(int), 0);
    chain_b = gm_chan_make(sizeof(int), 0);
    if (gm_go(chain_middle, NULL) != 0)
        _exit(3);
    pthread_t t;
    if (pthread_create(&t, NULL, chain_end, NULL) != 0)
        _exit(3);
    int v = 0;
    if (!gm_chan_recv(chain_a, &v) || v != 42)
        _exit(4);
    pthread_join(t, NULL);
    _exit(0);
}

static void goroutines_waiting_on_an_unknown_thread_are_not_reported(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_chain, NULL, 0);
}

/* Lots of short blocking with a partner that is always about to come:
 * never a false report (the counters stay consistent). */
struct pingpong {
    gm_chan *ping, *pong;
    int n;
};

static void ponger(void *p)
{
    struct pingpong *pp = p;
    int v;
    while (gm_chan_recv(pp->ping, &v))
        gm_chan_send(pp->pong, &v);
}

static void child_pingpong(void *arg)
{
    (void)arg;
    struct pingpong pp = {gm_chan_make(sizeof(int), 0), gm_chan_make(sizeof(int), 0),
                          ST_SCALED(50000)};
    for (int g = 0; g < 3; g++)
        if (gm_go(ponger, &pp) != 0)
            _exit(3);
    for (int i = 0; i < pp.n; i++) {
        int v = i;
        gm_chan_send(pp.ping, &v);
        if (!gm_chan_recv(pp.pong, &v) || v != i)
            _exit(4);
    }
    _exit(0);
}

static void busy_blocking_traffic_is_never_reported(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_pingpong, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recv_on_a_channel_nobody_sends_to_is_reported),
        cmocka_unit_test(main_and_goroutines_all_blocked_is_reported),
        cmocka_unit_test(sync_primitives_blocked_for_good_are_reported),
        cmocka_unit_test(idle_pool_threads_and_an_idle_timer_thread_do_not_hide_a_deadlock),
        cmocka_unit_test(a_child_forked_from_a_busy_parent_still_detects),
        cmocka_unit_test(an_unknown_plain_thread_that_will_send_prevents_a_report),
        cmocka_unit_test(a_known_thread_sleeping_outside_gomm_prevents_a_report),
        cmocka_unit_test(a_pending_timer_prevents_a_report),
        cmocka_unit_test(a_running_goroutine_prevents_a_report),
        cmocka_unit_test(goroutines_waiting_on_an_unknown_thread_are_not_reported),
        cmocka_unit_test(busy_blocking_traffic_is_never_reported),
    };
    return ST_RUN(tests);
}
