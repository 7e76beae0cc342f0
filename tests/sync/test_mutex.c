/*
 * tests/sync/test_mutex.c — gm_mutex (sync.Mutex).
 *
 * Mutual exclusion (a plain counter under the lock, and an atomic count of
 * holders that must never exceed one); trylock; the zero value is
 * unlocked; any thread may unlock; unlock of an unlocked mutex is fatal.
 * Starvation mode: while other threads re-lock in tight loops, a waiter is
 * still served within a bounded time (1 s, generous: starvation mode
 * serves it about 1 ms after it starts to starve). The verdict is the
 * measured maximum wait, over many rounds.
 */
#include "sync_test.h"

/* ---- mutual exclusion ---- */

struct excl {
    gm_mutex mu;
    int64_t counter; /* plain: protected by mu */
    gm_atomic_i32 holders, violations;
    int iters;
    gm_waitgroup wg;
};

static void excl_worker(void *p)
{
    struct excl *e = p;
    for (int i = 0; i < e->iters; i++) {
        if (i % 3 == 0) {
            while (!gm_mutex_trylock(&e->mu))
                gm_gosched();
        } else {
            gm_mutex_lock(&e->mu);
        }
        if (gm_atomic_i32_add(&e->holders, 1) != 1)
            gm_atomic_i32_add(&e->violations, 1);
        e->counter++;
        if (i % 128 == 0)
            gm_gosched(); /* get preempted while holding it, sometimes */
        gm_atomic_i32_add(&e->holders, -1);
        gm_mutex_unlock(&e->mu);
    }
    gm_waitgroup_done(&e->wg);
}

static void mutex_gives_mutual_exclusion_to_four_threads(void **state)
{
    (void)state;
    static struct excl e;
    memset(&e, 0, sizeof e);
    e.iters = ST_SCALED(200000);
    gm_waitgroup_add(&e.wg, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(gm_go(excl_worker, &e), 0);
    gm_waitgroup_wait(&e.wg);
    assert_int_equal(gm_atomic_i32_load(&e.violations), 0);
    assert_int_equal(e.counter, 4 * (int64_t)e.iters);
    /* left unlocked */
    assert_true(gm_mutex_trylock(&e.mu));
    gm_mutex_unlock(&e.mu);
}

/* ---- trylock ---- */

struct try_other {
    gm_mutex *mu;
    bool got;
};

static void *try_from_other_thread(void *p)
{
    struct try_other *t = p;
    t->got = gm_mutex_trylock(t->mu);
    return NULL;
}

static void trylock_succeeds_only_on_an_unlocked_mutex(void **state)
{
    (void)state;
    gm_mutex mu = {0}; /* the zero value is an unlocked mutex */
    assert_true(gm_mutex_trylock(&mu));
    assert_false(gm_mutex_trylock(&mu)); /* not reentrant */
    struct try_other t = {&mu, true};
    st_join(st_thread(try_from_other_thread, &t));
    assert_false(t.got);
    gm_mutex_unlock(&mu);
    t.got = false;
    st_join(st_thread(try_from_other_thread, &t));
    assert_true(t.got);
    assert_false(gm_mutex_trylock(&mu));
    gm_mutex_unlock(&mu); /* unlocking another thread's lock is allowed */
    gm_mutex_lock(&mu);
    assert_false(gm_mutex_trylock(&mu));
    gm_mutex_unlock(&mu);
}

/* ---- lock blocks while held; unlock from another thread ---- */

struct blocker {
    gm_mutex mu;
    gm_atomic_i32 trying, got;
    gm_waitgroup wg;
};

static void lock_then_flag(void *p)
{
    struct blocker *b = p;
    gm_atomic_i32_store(&b->trying, 1);
    gm_mutex_lock(&b->mu);
    gm_atomic_i32_store(&b->got, 1);
    gm_mutex_unlock(&b->mu);
    gm_waitgroup_done(&b->wg);
}

static void lock_blocks_while_the_mutex_is_held(void **state)
{
    (void)state;
    for (int round = 0; round < 10; round++) {
        struct blocker b = {0};
        gm_mutex_lock(&b.mu);
        gm_waitgroup_add(&b.wg, 1);
        assert_int_equal(gm_go(lock_then_flag, &b), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&b.trying), "locker started");
        st_sleep_ms(round < 3 ? 20 : 1);
        assert_int_equal(gm_atomic_i32_load(&b.got), 0);
        gm_mutex_unlock(&b.mu);
        gm_waitgroup_wait(&b.wg);
        assert_int_equal(gm_atomic_i32_load(&b.got), 1);
    }
}

struct cross {
    gm_mutex mu;
    gm_chan *locked, *unlocked;
    gm_waitgroup out; /* the helpers are out of their sends */
};

static void lock_and_report(void *p)
{
    struct cross *x = p;
    gm_mutex_lock(&x->mu);
    gm_chan_send(x->locked, NULL);
    gm_waitgroup_done(&x->out);
}

static void unlock_and_report(void *p)
{
    struct cross *x = p;
    gm_mutex_unlock(&x->mu);
    gm_chan_send(x->unlocked, NULL);
    gm_waitgroup_done(&x->out);
}

static void another_thread_may_unlock(void **state)
{
    (void)state;
    struct cross x = {{0}, gm_chan_make(0, 0), gm_chan_make(0, 0), {0}};
    for (int i = 0; i < 100; i++) {
        gm_waitgroup_add(&x.out, 2);
        assert_int_equal(gm_go(lock_and_report, &x), 0);
        assert_true(gm_chan_recv(x.locked, NULL));
        assert_false(gm_mutex_trylock(&x.mu));
        assert_int_equal(gm_go(unlock_and_report, &x), 0);
        assert_true(gm_chan_recv(x.unlocked, NULL));
        gm_mutex_lock(&x.mu); /* free again */
        gm_mutex_unlock(&x.mu);
    }
    gm_waitgroup_wait(&x.out);
    gm_chan_free(x.locked);
    gm_chan_free(x.unlocked);
}

/* ---- misuse ---- */

static void child_unlock_unlocked(void *arg)
{
    (void)arg;
    gm_mutex mu = {0};
    gm_mutex_unlock(&mu);
}

static void child_double_unlock(void *arg)
{
    (void)arg;
    gm_mutex mu = {0};
    gm_mutex_lock(&mu);
    gm_mutex_unlock(&mu);
    gm_mutex_unlock(&mu);
}

static void unlock_of_unlocked_mutex_is_fatal(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_unlock_unlocked, NULL, "sync: unlock of unlocked mutex");
    ST_EXPECT_FATAL(child_double_unlock, NULL, "sync: unlock of unlocked mutex");
}

/* ---- starvation mode ---- */

struct hog {
    gm_mutex mu;
    gm_atomic_bool stop;
    gm_atomic_i64 laps;
    volatile uint64_t work; /* the critical section's busy work */
    gm_waitgroup wg;
};

static void hog_loop(void *p)
{
    struct hog *h = p;
    while (!gm_atomic_bool_load(&h->stop)) {
        gm_mutex_lock(&h->mu);
        /* hold it ~20 us, re-lock at once: a woken waiter in normal mode
         * nearly always loses the race to the running hog */
        int64_t until = st_now_ns() + 20000;
        while (st_now_ns() < until)
            h->work++;
        gm_mutex_unlock(&h->mu);
        gm_atomic_i64_add(&h->laps, 1);
    }
    gm_waitgroup_done(&h->wg);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void waiter_is_served_in_bounded_time_while_others_relock_in_a_loop(void **state)
{
    (void)state;
    enum { ROUNDS = 100, HOGS = 2 };
    const int64_t bound = (ST_SANITIZED ? 3 : 1) * ST_SEC;
    static struct hog h;
    memset(&h, 0, sizeof h);
    gm_waitgroup_add(&h.wg, HOGS);
    for (int i = 0; i < HOGS; i++)
        assert_int_equal(gm_go(hog_loop, &h), 0);
    ST_WAIT_UNTIL(gm_atomic_i64_load(&h.laps) > 100, "the hogs are looping");
    int64_t waits[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        int64_t laps0 = gm_atomic_i64_load(&h.laps);
        int64_t t0 = st_now_ns();
        gm_mutex_lock(&h.mu);
        waits[r] = st_now_ns() - t0;
        gm_mutex_unlock(&h.mu);
        /* the hogs keep going between rounds */
        ST_WAIT_UNTIL(gm_atomic_i64_load(&h.laps) > laps0 + 20, "the hogs resumed");
    }
    gm_atomic_bool_store(&h.stop, true);
    gm_waitgroup_wait(&h.wg);
    qsort(waits, ROUNDS, sizeof waits[0], cmp_i64);
    print_message("waits: median %.3f ms, p90 %.3f ms, max %.3f ms; hog laps %lld\n",
                  waits[ROUNDS / 2] / 1e6, waits[ROUNDS * 9 / 10] / 1e6, waits[ROUNDS - 1] / 1e6,
                  (long long)gm_atomic_i64_load(&h.laps));
    if (waits[ROUNDS - 1] >= bound)
        fail_msg("a waiter waited %.3f ms for a mutex re-locked in a loop (bound %.0f ms)",
                 waits[ROUNDS - 1] / 1e6, bound / 1e6);
    /* starvation mode is over: the fast path works */
    assert_true(gm_mutex_trylock(&h.mu));
    gm_mutex_unlock(&h.mu);
}

/* Many waiters at once while a hog loops: every one is served. */
struct starve_many {
    struct hog *h;
    gm_atomic_i64 max_wait;
    gm_waitgroup wg;
    int rounds;
};

static void impatient_waiter(void *p)
{
    struct starve_many *s = p;
    for (int r = 0; r < s->rounds; r++) {
        int64_t t0 = st_now_ns();
        gm_mutex_lock(&s->h->mu);
        int64_t w = st_now_ns() - t0;
        gm_mutex_unlock(&s->h->mu);
        int64_t m = gm_atomic_i64_load(&s->max_wait);
        while (w > m && !gm_atomic_i64_cas(&s->max_wait, m, w))
            m = gm_atomic_i64_load(&s->max_wait);
        st_sleep_ns(200000);
    }
    gm_waitgroup_done(&s->wg);
}

static void several_waiters_are_all_served_while_a_thread_relocks_in_a_loop(void **state)
{
    (void)state;
    const int64_t bound = (ST_SANITIZED ? 3 : 1) * ST_SEC;
    static struct hog h;
    memset(&h, 0, sizeof h);
    gm_waitgroup_add(&h.wg, 1);
    assert_int_equal(gm_go(hog_loop, &h), 0);
    static struct starve_many s;
    memset(&s, 0, sizeof s);
    s.h = &h;
    s.rounds = 30;
    gm_waitgroup_add(&s.wg, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(gm_go(impatient_waiter, &s), 0);
    gm_waitgroup_wait(&s.wg);
    gm_atomic_bool_store(&h.stop, true);
    gm_waitgroup_wait(&h.wg);
    int64_t max = gm_atomic_i64_load(&s.max_wait);
    print_message("max wait of 3 waiters: %.3f ms\n", max / 1e6);
    if (max >= bound)
        fail_msg("a waiter waited %.3f ms (bound %.0f ms)", max / 1e6, bound / 1e6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mutex_gives_mutual_exclusion_to_four_threads),
        cmocka_unit_test(trylock_succeeds_only_on_an_unlocked_mutex),
        cmocka_unit_test(lock_blocks_while_the_mutex_is_held),
        cmocka_unit_test(another_thread_may_unlock),
        cmocka_unit_test(unlock_of_unlocked_mutex_is_fatal),
        cmocka_unit_test(waiter_is_served_in_bounded_time_while_others_relock_in_a_loop),
        cmocka_unit_test(several_waiters_are_all_served_while_a_thread_relocks_in_a_loop),
    };
    return ST_RUN(tests);
}
