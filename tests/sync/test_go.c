/*
 * tests/sync/test_go.c — gm_go (goroutines on a thread pool) and gm_gosched.
 *
 * gm_go runs fn(arg) on a thread of its own; many can run at once; finished
 * threads are reused; the gm_go call happens before fn starts (Go's rule:
 * data written before gm_go is seen by fn — under TSan a missing edge is a
 * reported race). The fork case: a child forked while the parent has idle
 * pool threads (which do not exist in the child) can still start goroutines
 * (under TSan that needs die_after_fork=0, which tests.cmake sets).
 */
#include "sync_test.h"

/* ---- gm_go runs fn with arg ---- */

struct runs_arg {
    int magic;
    void *self;
    gm_atomic_i32 ran;
    gm_atomic_i64 tid;
    gm_waitgroup wg;
};

static void runs_fn(void *p)
{
    struct runs_arg *a = p;
    a->self = p; /* plain write: published by the WaitGroup */
    a->magic += 1;
    gm_atomic_i64_store(&a->tid, st_gettid());
    gm_atomic_i32_add(&a->ran, 1);
    gm_waitgroup_done(&a->wg);
}

static void gm_go_runs_fn_with_arg_on_another_thread(void **state)
{
    (void)state;
    struct runs_arg a = {.magic = 41};
    gm_waitgroup_add(&a.wg, 1);
    assert_int_equal(gm_go(runs_fn, &a), 0);
    gm_waitgroup_wait(&a.wg);
    assert_int_equal(gm_atomic_i32_load(&a.ran), 1);
    assert_ptr_equal(a.self, &a);
    assert_int_equal(a.magic, 42);
    assert_int_not_equal(gm_atomic_i64_load(&a.tid), st_gettid());
}

/* ---- many goroutines at once ---- */

#define MANY 128

struct many {
    gm_waitgroup started, finished;
    gm_chan *gate;
    gm_atomic_i32 inside;
    bool seen[MANY];
};

struct many_arg {
    struct many *m;
    int i;
};

static void many_fn(void *p)
{
    struct many_arg *a = p;
    struct many *m = a->m;
    gm_atomic_i32_add(&m->inside, 1);
    gm_waitgroup_done(&m->started);
    gm_chan_recv(m->gate, NULL); /* every goroutine waits here at once */
    m->seen[a->i] = true;
    gm_waitgroup_done(&m->finished);
}

static void many_goroutines_are_all_alive_at_once(void **state)
{
    (void)state;
    static struct many m;
    static struct many_arg args[MANY];
    memset(&m, 0, sizeof m);
    m.gate = gm_chan_make(0, 0);
    gm_waitgroup_add(&m.started, MANY);
    gm_waitgroup_add(&m.finished, MANY);
    for (int i = 0; i < MANY; i++) {
        args[i] = (struct many_arg){&m, i};
        assert_int_equal(gm_go(many_fn, &args[i]), 0);
    }
    /* all MANY have started and none can finish before the gate opens: they
     * are MANY live threads at the same time */
    gm_waitgroup_wait(&m.started);
    assert_int_equal(gm_atomic_i32_load(&m.inside), MANY);
    gm_chan_close(m.gate);
    gm_waitgroup_wait(&m.finished);
    for (int i = 0; i < MANY; i++)
        assert_true(m.seen[i]);
    gm_chan_free(m.gate);
}

/* ---- thread reuse ---- */

#define SEQUENTIAL 1000

struct reuse {
    gm_waitgroup wg;
    pid_t tid;
};

static void reuse_fn(void *p)
{
    struct reuse *r = p;
    r->tid = st_gettid();
    gm_waitgroup_done(&r->wg);
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static void sequential_goroutines_reuse_pool_threads(void **state)
{
    (void)state;
    static pid_t tids[SEQUENTIAL];
    struct reuse r = {0};
    for (int i = 0; i < SEQUENTIAL; i++) {
        gm_waitgroup_add(&r.wg, 1);
        assert_int_equal(gm_go(reuse_fn, &r), 0);
        gm_waitgroup_wait(&r.wg);
        tids[i] = r.tid;
        if (i % 4 == 3)
            st_sleep_ns(20000); /* give the last worker time to go idle */
    }
    qsort(tids, SEQUENTIAL, sizeof tids[0], cmp_pid);
    int distinct = 1;
    for (int i = 1; i < SEQUENTIAL; i++)
        distinct += tids[i] != tids[i - 1];
    print_message("%d goroutines ran on %d distinct threads\n", SEQUENTIAL, distinct);
    /* each goroutine is done before the next starts: an idle thread is
     * usually there to take it (a worker may still be on its way to the
     * idle list, hence no tighter bound) */
    assert_true(distinct <= SEQUENTIAL / 2);
}

/* ---- gm_go happens before fn starts ---- */

#define HB_WORDS  256
#define HB_ROUNDS 500

struct hb {
    uint64_t data[HB_WORDS]; /* plain memory */
    uint64_t round;
    gm_chan *done;
    gm_waitgroup out; /* out of gm_chan_send */
};

static void hb_fn(void *p)
{
    struct hb *h = p;
    bool ok = true;
    for (int i = 0; i < HB_WORDS; i++)
        ok &= h->data[i] == h->round * 1000 + (uint64_t)i;
    gm_chan_send(h->done, &ok);
    gm_waitgroup_done(&h->out);
}

static void data_written_before_gm_go_is_seen_by_fn(void **state)
{
    (void)state;
    static struct hb h;
    h.done = gm_chan_make(sizeof(bool), 0);
    for (uint64_t r = 1; r <= HB_ROUNDS; r++) {
        h.round = r;
        for (int i = 0; i < HB_WORDS; i++)
            h.data[i] = r * 1000 + (uint64_t)i;
        gm_waitgroup_add(&h.out, 1);
        assert_int_equal(gm_go(hb_fn, &h), 0);
        bool ok = false;
        assert_true(gm_chan_recv(h.done, &ok));
        gm_waitgroup_wait(&h.out);
        if (!ok)
            fail_msg("round %llu: fn did not see the data written before gm_go",
                     (unsigned long long)r);
    }
    gm_chan_free(h.done);
}

/* ---- goroutines starting goroutines ---- */

struct tree {
    gm_waitgroup *wg;
    gm_atomic_i32 *count;
    int depth;
};

static void tree_fn(void *p)
{
    struct tree *t = p;
    gm_atomic_i32_add(t->count, 1);
    if (t->depth > 0) {
        for (int i = 0; i < 2; i++) {
            struct tree *c = gm_malloc(sizeof *c);
            *c = (struct tree){t->wg, t->count, t->depth - 1};
            gm_waitgroup_add(t->wg, 1);
            if (gm_go(tree_fn, c) != 0)
                abort();
        }
    }
    gm_waitgroup_done(t->wg);
    gm_free(t);
}

static void goroutines_can_start_goroutines(void **state)
{
    (void)state;
    gm_waitgroup wg = {0};
    gm_atomic_i32 count = {0};
    struct tree *root = gm_malloc(sizeof *root);
    *root = (struct tree){&wg, &count, 7}; /* 2^8 - 1 goroutines */
    gm_waitgroup_add(&wg, 1);
    assert_int_equal(gm_go(tree_fn, root), 0);
    gm_waitgroup_wait(&wg);
    assert_int_equal(gm_atomic_i32_load(&count), 255);
}

/* ---- gm_gosched ---- */

struct ping {
    gm_atomic_i32 turn;
    int rounds;
    gm_waitgroup wg;
};

static void ping_fn(void *p)
{
    struct ping *g = p;
    for (int i = 0; i < g->rounds; i++) {
        while (gm_atomic_i32_load(&g->turn) != 2 * i + 1)
            gm_gosched();
        gm_atomic_i32_store(&g->turn, 2 * i + 2);
    }
    gm_waitgroup_done(&g->wg);
}

static void gosched_yields_and_returns(void **state)
{
    (void)state;
    gm_gosched(); /* alone: simply returns */
    struct ping g = {.rounds = ST_SCALED(2000)};
    gm_waitgroup_add(&g.wg, 1);
    assert_int_equal(gm_go(ping_fn, &g), 0);
    /* ping-pong through an atomic, yielding while it is the other's turn */
    for (int i = 0; i < g.rounds; i++) {
        gm_atomic_i32_store(&g.turn, 2 * i + 1);
        while (gm_atomic_i32_load(&g.turn) != 2 * i + 2)
            gm_gosched();
    }
    gm_waitgroup_wait(&g.wg);
    assert_int_equal(gm_atomic_i32_load(&g.turn), 2 * g.rounds);
}

/* ---- gm_blocking_enter / exit ---- */

static void blocking_enter_exit_nest(void **state)
{
    (void)state;
    gm_blocking_enter();
    gm_blocking_enter();
    st_sleep_ms(1);
    gm_blocking_exit();
    gm_blocking_exit();
}

static void child_blocking_exit_without_enter(void *arg)
{
    (void)arg;
    gm_blocking_exit();
}

static void blocking_exit_without_enter_is_fatal(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_blocking_exit_without_enter, NULL,
                    "gm_blocking_exit without gm_blocking_enter");
}

/* ---- fork ---- */

static gm_atomic_i32 child_ran;
static gm_waitgroup child_wg;

static void child_counts(void *p)
{
    (void)p;
    gm_atomic_i32_add(&child_ran, 1);
    gm_waitgroup_done(&child_wg);
}

static void child_go_after_fork(void *arg)
{
    (void)arg;
    gm_waitgroup_add(&child_wg, 8);
    for (int i = 0; i < 8; i++)
        if (gm_go(child_counts, NULL) != 0)
            _exit(3);
    gm_waitgroup_wait(&child_wg); /* hangs (SIGALRM) if a goroutine never runs */
    _exit(gm_atomic_i32_load(&child_ran) == 8 ? 0 : 4);
}

static void idle_fn(void *p)
{
    gm_waitgroup_done(p);
}

static void gm_go_works_in_a_child_forked_with_idle_pool_threads(void **state)
{
    (void)state;
    /* (under TSan this needs die_after_fork=0: tests.cmake sets it) */
    /* leave idle pool threads behind in the parent */
    gm_waitgroup wg = {0};
    gm_waitgroup_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(gm_go(idle_fn, &wg), 0);
    gm_waitgroup_wait(&wg);
    st_sleep_ms(20); /* let them reach the idle list */
    st_run_child_timeout(child_go_after_fork, NULL, 20, &st_last);
    if (st_last.signal == SIGALRM)
        fail_msg("goroutines started in the forked child never ran (stderr:\n%s)", st_last.err);
    st_check_exit(&st_last, "gm_go after fork", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gm_go_runs_fn_with_arg_on_another_thread),
        cmocka_unit_test(many_goroutines_are_all_alive_at_once),
        cmocka_unit_test(sequential_goroutines_reuse_pool_threads),
        cmocka_unit_test(data_written_before_gm_go_is_seen_by_fn),
        cmocka_unit_test(goroutines_can_start_goroutines),
        cmocka_unit_test(gosched_yields_and_returns),
        cmocka_unit_test(blocking_enter_exit_nest),
        cmocka_unit_test(blocking_exit_without_enter_is_fatal),
        cmocka_unit_test(gm_go_works_in_a_child_forked_with_idle_pool_threads),
    };
    return ST_RUN(tests);
}
