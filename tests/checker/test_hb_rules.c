/*
 * tests/checker/test_hb_rules.c — the happens-before contract of
 * docs/sync.md, rule by rule (G1 .. T1), as the race checker sees it.
 *
 * For each rule a pair of small programs: one ordered only by the primitive
 * under test, which must report nothing, and the same program with the
 * ordering removed or broken in the classic way (a write after the send, a
 * failed trylock, a semaphore with one permit too many, ...), which must
 * report exactly one data race whose two stacks name the right lines of
 * this file. Each program runs in a forked child linked with libgomm_race
 * (the harness: race_child.h); the parent parses the child's stderr: the
 * number of "WARNING: ThreadSanitizer:" headers, the kind, size and thread
 * of the current and the previous access, the first frame of each stack
 * (file:line of this file, recorded with __LINE__ on the line of the access
 * and passed to the parent through a MAP_SHARED page) and the SUMMARY line.
 *
 * The accesses are announced with gm_race_read/gm_race_write (this file is
 * not compiler-instrumented); no real memory is touched, so a real
 * ThreadSanitizer build sees no race of ours. The verdict does not depend
 * on timing: a race is two accesses unordered by happens-before. To make
 * sure both accesses happen, and in a fixed order (which one is "current"
 * and which "Previous"), threads wait for each other by spinning on relaxed
 * C11 atomics (a plain _Atomic int, not gomm/atomic.h). The checker never
 * sees those: they compile to plain moves, or, built with -fsanitize=thread,
 * go to the real TSan runtime; and relaxed, they order nothing anyway. The
 * race-free programs repeat their pattern over fresh variables, and vary
 * who arrives first (a few sched_yield calls), so both the parked and the
 * direct paths of a primitive run; no verdict depends on which one ran.
 *
 * The checker's options are pinned (RC_FORCED_OPTIONS: main re-executes
 * the test with them in GOMM_OPTIONS), so TSAN_OPTIONS=halt_on_error=1
 * from the tsan preset does not change what the children print.
 * GOMM_TEST_FILTER=<glob> runs only some tests.
 */
#define _GNU_SOURCE
#include "race_child.h"

/* ---- what the child tells the parent: the lines of the racing accesses ---- */

enum {
    CUR,  /* the second access (the report's current access) */
    PREV, /* the first one (the report's "Previous" access) */
    NLINES
};

/* Let the other side get ahead (it will likely block first). */
static void dawdle(int n)
{
    for (int i = 0; i < n; i++)
        sched_yield();
}

#define IARG(i) ((void *)(intptr_t)(i))
#define IVAL(p) ((int)(intptr_t)(p))

/* The shared data. Race-free programs use one fresh variable per round. */
#define ROUNDS    256
#define K1_ROUNDS 1024 /* a lost signal edge needs a narrow interleaving */
static int x;
static int64_t v[K1_ROUNDS];
static gm_chan *c, *c2;

/* ---- what the parent expects ---- */

#define WRITE4(t) ((rc_access){.write = true, .size = 4, .tid = (t)})
#define READ4(t)  ((rc_access){.write = false, .size = 4, .tid = (t)})
#define MAIN      0
/* The first goroutine is T1. Later ones are numbered in creation order
 * too, but a pool thread between two goroutines may take a number of its
 * own: their numbers are not checked. */
#define GOROUTINE1 1
#define GOROUTINE  (-1)

/* The program ran and the checker reported exactly one data race between
 * the access recorded in rc_line[CUR] and the one recorded in rc_line[PREV]. */
static void expect_race(const char *name, void (*prog)(void *), rc_access cur, rc_access prev)
{
    rc_run(name, prog, 0);
    rc_expect_count(name, "WARNING: ThreadSanitizer:", 1);
    rc_expect_count(name, "SUMMARY: ", 1);
    const char *h = rc_data_race(name, -1, rc_out.err);
    rc_check_report(name, -1, h, NULL, &cur, rc_line[CUR], &prev, rc_line[PREV]);
}

#define NO_RACE(prog)                rc_expect_no_race(#prog, prog)
#define RACE(prog, cur_acc, prv_acc) expect_race(#prog, prog, cur_acc, prv_acc)

/* ==== G1: gm_go(fn, arg) -> start of fn ==== */

static void g1_reader(void *arg)
{
    R(v[IVAL(arg)]);
    finished();
}

static void g1_ok(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        W(v[r]);
        go(g1_reader, IARG(r));
        if (r % 2)
            dawdle(3);
    }
    wait_finished(ROUNDS);
}

static void g1_late_reader(void *arg)
{
    (void)arg;
    wait_step(1);
    R_AT(CUR, x);
    finished();
}

/* the write comes after the go statement */
static void g1_race(void *arg)
{
    (void)arg;
    go(g1_late_reader, NULL);
    W_AT(PREV, x);
    set_step(1);
    wait_finished(1);
}

static void test_G1_go_ok(void **state)
{
    (void)state;
    NO_RACE(g1_ok);
}

static void test_G1_go_race(void **state)
{
    (void)state;
    RACE(g1_race, READ4(GOROUTINE1), WRITE4(MAIN));
}

/* ==== G2: the end of a goroutine synchronizes with nothing ==== */

static void g2_writer(void *arg)
{
    (void)arg;
    W_AT(PREV, x);
    finished();
}

static void g2_race(void *arg)
{
    (void)arg;
    go(g2_writer, NULL);
    wait_finished(1);
    R_AT(CUR, x);
}

static void test_G2_goroutine_end_race(void **state)
{
    (void)state;
    RACE(g2_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== C1: a send -> completion of the matching receive ==== */

static void c1_sender(void *arg)
{
    int r = IVAL(arg);
    if (r % 2)
        dawdle(3); /* the receiver parks first */
    W(v[r]);
    gm_chan_send(c, &r);
    finished();
}

static void c1_rounds(void)
{
    for (int r = 0; r < ROUNDS; r++) {
        go(c1_sender, IARG(r));
        if (r % 2 == 0)
            dawdle(3); /* the sender gets there first */
        int got = -1;
        CHECK(gm_chan_recv(c, &got) && got == r);
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

static void c1_unbuffered_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 0);
    c1_rounds();
}

static void c1_buffered_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    c1_rounds();
}

/* one producer far ahead of the consumer: through the buffer and parked */
static void c1_producer(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        W(v[r]);
        gm_chan_send(c, &r);
    }
    finished();
}

static void c1_buffered_stream_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 4);
    go(c1_producer, NULL);
    for (int r = 0; r < ROUNDS; r++) {
        if (r % 8 == 0)
            dawdle(5);
        int got = -1;
        CHECK(gm_chan_recv(c, &got) && got == r);
        R(v[r]);
    }
    wait_finished(1);
}

/* the classic mistake: the write after the send */
static void c1_late_writer(void *arg)
{
    (void)arg;
    int one = 1;
    gm_chan_send(c, &one);
    W_AT(PREV, x);
    set_step(1);
    finished();
}

static void c1_race(void)
{
    go(c1_late_writer, NULL);
    CHECK(gm_chan_recv(c, NULL));
    wait_step(1);
    R_AT(CUR, x);
    wait_finished(1);
}

static void c1_unbuffered_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 0);
    c1_race();
}

static void c1_buffered_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    c1_race();
}

static void test_C1_unbuffered_ok(void **state)
{
    (void)state;
    NO_RACE(c1_unbuffered_ok);
}

static void test_C1_buffered_ok(void **state)
{
    (void)state;
    NO_RACE(c1_buffered_ok);
    NO_RACE(c1_buffered_stream_ok);
}

static void test_C1_unbuffered_race(void **state)
{
    (void)state;
    RACE(c1_unbuffered_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

static void test_C1_buffered_race(void **state)
{
    (void)state;
    RACE(c1_buffered_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== C2: unbuffered: a receive -> completion of the matching send ==== */

static void c2_receiver(void *arg)
{
    int r = IVAL(arg);
    if (r % 2)
        dawdle(3); /* the sender parks first */
    W(v[r]);
    int got = -1;
    CHECK(gm_chan_recv(c, &got) && got == r);
    finished();
}

static void c2_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 0);
    for (int r = 0; r < ROUNDS; r++) {
        go(c2_receiver, IARG(r));
        if (r % 2 == 0)
            dawdle(3); /* the receiver parks first */
        gm_chan_send(c, &r);
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

static void c2_receiver_writes_first(void *arg)
{
    (void)arg;
    W_AT(PREV, x);
    CHECK(gm_chan_recv(c, NULL));
    set_step(1);
    finished();
}

/* a buffered channel is no rendezvous: the send completes on its own */
static void c2_buffered_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(c2_receiver_writes_first, NULL);
    int one = 1;
    gm_chan_send(c, &one);
    wait_step(1); /* the receive has completed */
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_C2_unbuffered_ok(void **state)
{
    (void)state;
    NO_RACE(c2_ok);
}

static void test_C2_buffered_race(void **state)
{
    (void)state;
    RACE(c2_buffered_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== C3: capacity C: the k-th receive -> completion of the (k+C)-th send ==== */

static void c3_consumer(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        if (r % 4 == 0)
            dawdle(3);
        W(v[r]);
        CHECK(gm_chan_recv(c, NULL));
    }
    finished();
}

/* the buffer starts full: main's (r+3)-th send completes after the
 * consumer's (r+1)-th receive, hence after its write of v[r] */
static void c3_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 2);
    int one = 1;
    gm_chan_send(c, &one);
    gm_chan_send(c, &one);
    go(c3_consumer, NULL);
    for (int r = 0; r < ROUNDS; r++) {
        gm_chan_send(c, &one);
        R(v[r]);
    }
    wait_finished(1);
}

static void c3_first_receiver(void *arg)
{
    (void)arg;
    W_AT(PREV, x);
    CHECK(gm_chan_recv(c, NULL));
    set_step(1);
    finished();
}

/* one send short of full: the 2nd send (slot 1) is not ordered after the
 * 1st receive (slot 0) */
static void c3_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 2);
    int one = 1;
    gm_chan_send(c, &one);
    go(c3_first_receiver, NULL);
    wait_step(1);
    gm_chan_send(c, &one);
    R_AT(CUR, x);
    wait_finished(1);
}

/* a channel of capacity 1 as a mutex (Go's counting-semaphore idiom) */
#define SEM_WORKERS 4
#define SEM_ITERS   100

static void sem_worker(void *arg)
{
    (void)arg;
    int one = 1;
    for (int i = 0; i < SEM_ITERS; i++) {
        gm_chan_send(c, &one); /* acquire */
        R(x);
        W(x);
        CHECK(gm_chan_recv(c, NULL)); /* release */
        if (i % 16 == 0)
            sched_yield();
    }
    finished();
}

static void c3_semaphore_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    for (int i = 0; i < SEM_WORKERS; i++)
        go(sem_worker, NULL);
    wait_finished(SEM_WORKERS);
}

static void sem2_first(void *arg)
{
    (void)arg;
    int one = 1;
    gm_chan_send(c, &one);
    W_AT(PREV, x);
    set_step(1);
    wait_step(2);
    CHECK(gm_chan_recv(c, NULL));
    finished();
}

static void sem2_second(void *arg)
{
    (void)arg;
    int one = 1;
    wait_step(1);
    gm_chan_send(c, &one); /* a second permit: does not wait for the first */
    W_AT(CUR, x);
    set_step(2);
    CHECK(gm_chan_recv(c, NULL));
    finished();
}

/* the same "mutex" with capacity 2 lets two holders in */
static void c3_semaphore_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 2);
    go(sem2_first, NULL);
    go(sem2_second, NULL);
    wait_finished(2);
}

static void test_C3_capacity_ok(void **state)
{
    (void)state;
    NO_RACE(c3_ok);
}

static void test_C3_capacity_race(void **state)
{
    (void)state;
    RACE(c3_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

static void test_C3_semaphore_ok(void **state)
{
    (void)state;
    NO_RACE(c3_semaphore_ok);
}

static void test_C3_semaphore_race(void **state)
{
    (void)state;
    RACE(c3_semaphore_race, WRITE4(GOROUTINE), WRITE4(GOROUTINE1));
}

/* ==== C4: close -> a receive that returns because the channel is closed ==== */

static gm_chan *chs[ROUNDS];

static void c4_closer(void *arg)
{
    int r = IVAL(arg);
    W(v[r]);
    if (r % 2)
        dawdle(5); /* the receiver is blocked by now */
    gm_chan_close(chs[r]);
    set_step(r + 1);
    finished();
}

/* blocked (or not yet) in gm_chan_recv, for unbuffered and buffered */
static void c4_blocked_ok(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        chs[r] = gm_chan_make(sizeof(int), (size_t)(r % 3));
        go(c4_closer, IARG(r));
        int got = -1;
        CHECK(!gm_chan_recv(chs[r], &got) && got == 0);
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

/* non-blocking: try_recv after the close */
static void c4_nonblocking_ok(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        chs[r] = gm_chan_make(sizeof(int), (size_t)(r % 2));
        go(c4_closer, IARG(r));
        wait_step(r + 1);
        bool ok = true;
        CHECK(gm_chan_try_recv(chs[r], NULL, &ok) && !ok);
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

/* in a select, blocked or ready */
static void c4_select_ok(void *arg)
{
    (void)arg;
    c2 = gm_chan_make(sizeof(int), 0); /* never ready */
    for (int r = 0; r < ROUNDS; r++) {
        chs[r] = gm_chan_make(sizeof(int), (size_t)(r % 2));
        go(c4_closer, IARG(r));
        if (r % 4 == 0)
            wait_step(r + 1); /* ready when the select starts */
        gm_case cs[3] = {
            {.chan = c2, .dir = GM_RECV},
            {.chan = chs[r], .dir = GM_RECV},
            {.chan = NULL, .dir = GM_RECV},
        };
        CHECK(gm_select(cs, 3, false) == 1 && !cs[1].ok);
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

static void c4_send_then_close(void *arg)
{
    (void)arg;
    int one = 1;
    gm_chan_send(c, &one);
    W_AT(PREV, x);
    gm_chan_close(c);
    set_step(1);
    finished();
}

/* a receive that gets a buffered value returns because of the send, not
 * because of the close: it is not ordered after the close */
static void c4_buffered_value_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(c4_send_then_close, NULL);
    wait_step(1);
    int got = 0;
    CHECK(gm_chan_recv(c, &got) && got == 1);
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_C4_close_blocked_ok(void **state)
{
    (void)state;
    NO_RACE(c4_blocked_ok);
}

static void test_C4_close_nonblocking_ok(void **state)
{
    (void)state;
    NO_RACE(c4_nonblocking_ok);
}

static void test_C4_close_select_ok(void **state)
{
    (void)state;
    NO_RACE(c4_select_ok);
}

static void test_C4_buffered_value_race(void **state)
{
    (void)state;
    RACE(c4_buffered_value_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== C5: a send or a close unordered with a close is a race ==== */

static void c5_sender(void *arg)
{
    (void)arg;
    int one = 1;
    AT(PREV, gm_chan_send(c, &one));
    set_step(1);
    finished();
}

static void c5_select_sender(void *arg)
{
    (void)arg;
    int one = 1;
    gm_case cs[1] = {{.chan = c, .dir = GM_SEND, .elem = &one}};
    AT(PREV, gm_select(cs, 1, false));
    set_step(1);
    finished();
}

static void c5_len_cap(void *arg)
{
    (void)arg;
    CHECK(gm_chan_len(c) == 0 && gm_chan_cap(c) == 1);
    set_step(1);
    finished();
}

/* the receive orders the send before the close */
static void c5_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(c5_sender, NULL);
    CHECK(gm_chan_recv(c, NULL));
    gm_chan_close(c);
    wait_finished(1);
}

/* len and cap neither read nor write the channel */
static void c5_len_cap_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(c5_len_cap, NULL);
    wait_step(1);
    gm_chan_close(c);
    wait_finished(1);
}

static void c5_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(c5_sender, NULL);
    wait_step(1);
    AT(CUR, gm_chan_close(c));
    wait_finished(1);
}

static void c5_select_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(c5_select_sender, NULL);
    wait_step(1);
    AT(CUR, gm_chan_close(c));
    wait_finished(1);
}

static void test_C5_send_close_ok(void **state)
{
    (void)state;
    NO_RACE(c5_ok);
    NO_RACE(c5_len_cap_ok);
}

static void test_C5_send_close_race(void **state)
{
    (void)state;
    RACE(c5_race, ((rc_access){.write = true, .tid = MAIN, .inner = "chan_close"}),
         ((rc_access){.write = false, .tid = GOROUTINE1, .inner = "chan_send"}));
}

static void test_C5_select_send_close_race(void **state)
{
    (void)state;
    RACE(c5_select_race, ((rc_access){.write = true, .tid = MAIN, .inner = "chan_close"}),
         ((rc_access){.write = false, .tid = GOROUTINE1, .inner = "select"}));
}

/* ==== S1: only the chosen case of a select synchronizes ==== */

static void s1_sender(void *arg)
{
    int r = IVAL(arg);
    if (r % 2)
        dawdle(3); /* the select parks first */
    W(v[r]);
    gm_chan_send(c, &r);
    finished();
}

static void s1_recv_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 0);
    c2 = gm_chan_make(sizeof(int), 1); /* never ready */
    for (int r = 0; r < ROUNDS; r++) {
        go(s1_sender, IARG(r));
        if (r % 2 == 0)
            dawdle(3);
        int got = -1;
        gm_case cs[3] = {
            {.chan = c2, .dir = GM_RECV},
            {.chan = NULL, .dir = GM_RECV},
            {.chan = c, .dir = GM_RECV, .elem = &got},
        };
        CHECK(gm_select(cs, 3, false) == 2 && cs[2].ok && got == r);
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

static void s1_receiver(void *arg)
{
    int r = IVAL(arg);
    if (r % 2)
        dawdle(3);
    int got = -1;
    CHECK(gm_chan_recv(c, &got) && got == r);
    R(v[r]);
    finished();
}

/* a select send: the send -> the receive (C1) */
static void s1_send_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 0);
    for (int r = 0; r < ROUNDS; r++) {
        go(s1_receiver, IARG(r));
        if (r % 2 == 0)
            dawdle(3);
        W(v[r]);
        gm_case cs[2] = {
            {.chan = NULL, .dir = GM_SEND, .elem = &r},
            {.chan = c, .dir = GM_SEND, .elem = &r},
        };
        CHECK(gm_select(cs, 2, false) == 1);
    }
    wait_finished(ROUNDS);
}

static void s1_filler(void *arg)
{
    (void)arg;
    int one = 1;
    W_AT(PREV, x);
    gm_chan_send(c, &one); /* fills the buffer: the slot holds this clock */
    set_step(1);
    finished();
}

/* default taken: a send case on the full channel never ran */
static void s1_default_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(s1_filler, NULL);
    wait_step(1);
    int two = 2;
    gm_case cs[1] = {{.chan = c, .dir = GM_SEND, .elem = &two}};
    CHECK(gm_select(cs, 1, true) == -1);
    R_AT(CUR, x);
    wait_finished(1);
}

/* a failed try_send synchronizes with nothing */
static void s1_failed_try_send_race(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 1);
    go(s1_filler, NULL);
    wait_step(1);
    int two = 2;
    CHECK(!gm_chan_try_send(c, &two));
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_S1_select_ok(void **state)
{
    (void)state;
    NO_RACE(s1_recv_ok);
    NO_RACE(s1_send_ok);
}

static void test_S1_default_race(void **state)
{
    (void)state;
    RACE(s1_default_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

static void test_S1_failed_try_send_race(void **state)
{
    (void)state;
    RACE(s1_failed_try_send_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== M1: the n-th unlock -> return of the (n+1)-th lock ==== */

static gm_mutex mu, mu2;

#define LOCK_WORKERS 4
#define LOCK_ITERS   200

static void m1_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ITERS; i++) {
        if (i % 2)
            gm_mutex_lock(&mu);
        else
            while (!gm_mutex_trylock(&mu))
                sched_yield();
        R(x);
        W(x);
        gm_mutex_unlock(&mu);
        if (i % 32 == 0)
            sched_yield();
    }
    finished();
}

static void m1_ok(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_WORKERS; i++)
        go(m1_worker, NULL);
    wait_finished(LOCK_WORKERS);
}

static void m1_holder(void *arg)
{
    (void)arg;
    gm_mutex_lock(&mu);
    W_AT(PREV, x);
    gm_mutex_unlock(&mu); /* released: a lock would acquire it, trylock that fails must not */
    gm_mutex_lock(&mu);
    set_step(1);
    wait_step(2);
    gm_mutex_unlock(&mu);
    finished();
}

/* the classic: the result of trylock ignored */
static void m1_failed_trylock_race(void *arg)
{
    (void)arg;
    go(m1_holder, NULL);
    wait_step(1);
    CHECK(!gm_mutex_trylock(&mu));
    R_AT(CUR, x);
    set_step(2);
    wait_finished(1);
}

static void m1_other_mutex(void *arg)
{
    (void)arg;
    gm_mutex_lock(&mu);
    W_AT(PREV, x);
    gm_mutex_unlock(&mu);
    set_step(1);
    finished();
}

/* two mutexes guard nothing together */
static void m1_two_mutexes_race(void *arg)
{
    (void)arg;
    go(m1_other_mutex, NULL);
    wait_step(1);
    gm_mutex_lock(&mu2);
    W_AT(CUR, x);
    gm_mutex_unlock(&mu2);
    wait_finished(1);
}

static void test_M1_mutex_ok(void **state)
{
    (void)state;
    NO_RACE(m1_ok);
}

static void test_M1_failed_trylock_race(void **state)
{
    (void)state;
    RACE(m1_failed_trylock_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

static void test_M1_two_mutexes_race(void **state)
{
    (void)state;
    RACE(m1_two_mutexes_race, WRITE4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== M2: RWMutex: unlock -> later rlock/lock; runlock -> next lock ==== */

static gm_rwmutex rw;

static void m2_writer_first(void *arg)
{
    (void)arg;
    gm_rwmutex_lock(&rw);
    W(x);
    gm_rwmutex_unlock(&rw);
    set_step(1);
    finished();
}

static void m2_reader_first(void *arg)
{
    (void)arg;
    gm_rwmutex_rlock(&rw);
    R(x);
    gm_rwmutex_runlock(&rw);
    set_step(1);
    finished();
}

/* writer -> readers (rlock and tryrlock) */
static void m2_writer_reader_ok(void *arg)
{
    (void)arg;
    go(m2_writer_first, NULL);
    wait_step(1);
    gm_rwmutex_rlock(&rw);
    R(x);
    gm_rwmutex_runlock(&rw);
    CHECK(gm_rwmutex_tryrlock(&rw));
    R(x);
    gm_rwmutex_runlock(&rw);
    wait_finished(1);
}

/* reader -> writer (lock and trylock) */
static void m2_reader_writer_ok(void *arg)
{
    (void)arg;
    go(m2_reader_first, NULL);
    wait_step(1);
    gm_rwmutex_lock(&rw);
    W(x);
    gm_rwmutex_unlock(&rw);
    go(m2_reader_first, NULL); /* step is already 1: no wait */
    wait_finished(2);
    CHECK(gm_rwmutex_trylock(&rw));
    W(x);
    gm_rwmutex_unlock(&rw);
}

#define RW_READERS 3
#define RW_ITERS   200

static void m2_mixed_reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < RW_ITERS; i++) {
        gm_rwmutex_rlock(&rw);
        R(x);
        gm_rwmutex_runlock(&rw);
        if (i % 16 == 0)
            sched_yield();
    }
    finished();
}

static void m2_mixed_writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < RW_ITERS; i++) {
        gm_rwmutex_lock(&rw);
        R(x);
        W(x);
        gm_rwmutex_unlock(&rw);
        if (i % 8 == 0)
            sched_yield();
    }
    finished();
}

static void m2_mixed_ok(void *arg)
{
    (void)arg;
    for (int i = 0; i < RW_READERS; i++)
        go(m2_mixed_reader, NULL);
    go(m2_mixed_writer, NULL);
    go(m2_mixed_writer, NULL);
    wait_finished(RW_READERS + 2);
}

static void m2_writing_reader(void *arg)
{
    (void)arg;
    gm_rwmutex_rlock(&rw);
    W_AT(PREV, x);
    gm_rwmutex_runlock(&rw);
    set_step(1);
    finished();
}

/* readers are not ordered with each other: two readers that write race */
static void m2_readers_write_race(void *arg)
{
    (void)arg;
    go(m2_writing_reader, NULL);
    wait_step(1);
    gm_rwmutex_rlock(&rw);
    W_AT(CUR, x);
    gm_rwmutex_runlock(&rw);
    wait_finished(1);
}

static void test_M2_writer_reader_ok(void **state)
{
    (void)state;
    NO_RACE(m2_writer_reader_ok);
}

static void test_M2_reader_writer_ok(void **state)
{
    (void)state;
    NO_RACE(m2_reader_writer_ok);
}

static void test_M2_mixed_ok(void **state)
{
    (void)state;
    NO_RACE(m2_mixed_ok);
}

static void test_M2_readers_write_race(void **state)
{
    (void)state;
    RACE(m2_readers_write_race, WRITE4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== O1: return of fn in gm_once_do -> return of every gm_once_do ==== */

static gm_once once, once2;

#define ONCE_WORKERS 4

static void o1_init(void *arg)
{
    (void)arg;
    W_AT(PREV, x);
}

static void o1_nothing(void *arg)
{
    (void)arg;
}

static void o1_worker(void *arg)
{
    if (IVAL(arg) % 2)
        dawdle(3);
    gm_once_do(&once, o1_init, NULL);
    R(x);
    finished();
}

static void o1_ok(void *arg)
{
    (void)arg;
    for (int i = 0; i < ONCE_WORKERS; i++)
        go(o1_worker, IARG(i));
    gm_once_do(&once, o1_init, NULL);
    R(x);
    wait_finished(ONCE_WORKERS);
}

static void o1_initializer(void *arg)
{
    (void)arg;
    gm_once_do(&once, o1_init, NULL);
    set_step(1);
    finished();
}

/* a different Once orders nothing */
static void o1_other_once_race(void *arg)
{
    (void)arg;
    go(o1_initializer, NULL);
    wait_step(1);
    gm_once_do(&once2, o1_nothing, NULL);
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_O1_once_ok(void **state)
{
    (void)state;
    NO_RACE(o1_ok);
}

static void test_O1_other_once_race(void **state)
{
    (void)state;
    RACE(o1_other_once_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== W1: done -> return of the wait it releases (all of them: merged) ==== */

static gm_waitgroup wg;

#define WG_WORKERS 8
#define WG_WAITERS 2

static void w1_worker(void *arg)
{
    int i = IVAL(arg);
    if (i % 2)
        dawdle(3);
    W(v[i]);
    gm_waitgroup_done(&wg);
    finished();
}

static void w1_waiter(void *arg)
{
    (void)arg;
    gm_waitgroup_wait(&wg);
    for (int i = 0; i < WG_WORKERS; i++)
        R(v[i]);
    finished();
}

static void w1_ok(void *arg)
{
    (void)arg;
    gm_waitgroup_add(&wg, WG_WORKERS);
    for (int i = 0; i < WG_WAITERS; i++)
        go(w1_waiter, NULL);
    for (int i = 0; i < WG_WORKERS; i++)
        go(w1_worker, IARG(i));
    gm_waitgroup_wait(&wg);
    for (int i = 0; i < WG_WORKERS; i++)
        R(v[i]);
    wait_finished(WG_WORKERS + WG_WAITERS);
}

static void w1_late_worker(void *arg)
{
    (void)arg;
    gm_waitgroup_done(&wg);
    W_AT(PREV, x);
    set_step(1);
    finished();
}

/* the classic: work after Done */
static void w1_work_after_done_race(void *arg)
{
    (void)arg;
    gm_waitgroup_add(&wg, 1);
    go(w1_late_worker, NULL);
    gm_waitgroup_wait(&wg);
    wait_step(1);
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_W1_waitgroup_ok(void **state)
{
    (void)state;
    NO_RACE(w1_ok);
}

static void test_W1_work_after_done_race(void **state)
{
    (void)state;
    RACE(w1_work_after_done_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== K1: signal/broadcast -> return of the waits it wakes ====
 * The signalling thread never takes the mutex, so the mutex gives the
 * waiter no edge from it: only the Cond does. It signals until the waiter
 * is awake (a signal with no waiter is lost, as in Go). */

static gm_cond cond;
static _Atomic int nwoken; /* relaxed only */

static void k1_waiter(void *arg)
{
    int r = IVAL(arg);
    gm_mutex_lock(&mu);
    gm_cond_wait(&cond, &mu);
    atomic_fetch_add_explicit(&nwoken, 1, memory_order_relaxed);
    R(v[r]);
    gm_mutex_unlock(&mu);
    finished();
}

static void wake_until(int n, bool broadcast)
{
    while (atomic_load_explicit(&nwoken, memory_order_relaxed) < n) {
        if (broadcast)
            gm_cond_broadcast(&cond);
        else
            gm_cond_signal(&cond);
        sched_yield();
    }
}

static void k1_signal_ok(void *arg)
{
    (void)arg;
    for (int r = 0; r < K1_ROUNDS; r++) {
        go(k1_waiter, IARG(r));
        W(v[r]); /* after the go statement: only the signal publishes it */
        if (r % 2)
            dawdle(5); /* the waiter is asleep by now */
        wake_until(r + 1, false);
    }
    wait_finished(K1_ROUNDS);
}

#define K1_WAITERS 3

static void k1_broadcast_ok(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS / 4; r++) {
        for (int i = 0; i < K1_WAITERS; i++)
            go(k1_waiter, IARG(r));
        W(v[r]);
        if (r % 2)
            dawdle(5);
        wake_until((r + 1) * K1_WAITERS, true);
    }
    wait_finished(ROUNDS / 4 * K1_WAITERS);
}

static void k1_silent_writer(void *arg)
{
    (void)arg;
    W_AT(PREV, x);
    set_step(1);
    finished();
}

static void k1_reading_waiter(void *arg)
{
    (void)arg;
    gm_mutex_lock(&mu);
    gm_cond_wait(&cond, &mu);
    atomic_fetch_add_explicit(&nwoken, 1, memory_order_relaxed);
    wait_step(1);
    R_AT(CUR, x);
    gm_mutex_unlock(&mu);
    finished();
}

/* woken by a signal from a thread that did not write */
static void k1_wrong_signaller_race(void *arg)
{
    (void)arg;
    go(k1_silent_writer, NULL);
    go(k1_reading_waiter, NULL);
    wait_step(1);
    wake_until(1, false);
    wait_finished(2);
}

static void k1_write_after_broadcast_race(void *arg)
{
    (void)arg;
    go(k1_reading_waiter, NULL);
    wake_until(1, true);
    W_AT(PREV, x);
    set_step(1);
    wait_finished(1);
}

static void test_K1_signal_ok(void **state)
{
    (void)state;
    NO_RACE(k1_signal_ok);
}

static void test_K1_broadcast_ok(void **state)
{
    (void)state;
    NO_RACE(k1_broadcast_ok);
}

static void test_K1_wrong_signaller_race(void **state)
{
    (void)state;
    RACE(k1_wrong_signaller_race, READ4(GOROUTINE), WRITE4(GOROUTINE1));
}

static void test_K1_write_after_broadcast_race(void **state)
{
    (void)state;
    RACE(k1_write_after_broadcast_race, READ4(GOROUTINE1), WRITE4(MAIN));
}

/* ==== A1: an atomic that observes another's effect synchronizes with it ==== */

static gm_atomic_i32 flags[ROUNDS];
static gm_atomic_i32 counter, spin;

static void a1_publisher(void *arg)
{
    int r = IVAL(arg);
    W(v[r]);
    gm_atomic_i32_store(&flags[r], 1);
    finished();
}

/* store/load flag hand-off */
static void a1_flag_ok(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++)
        go(a1_publisher, IARG(r));
    for (int r = ROUNDS - 1; r >= 0; r--) {
        while (!gm_atomic_i32_load(&flags[r]))
            sched_yield();
        R(v[r]);
    }
    wait_finished(ROUNDS);
}

#define A1_WORKERS 4

static void a1_adder(void *arg)
{
    int i = IVAL(arg);
    W(v[i]);
    gm_atomic_i32_add(&counter, 1);
    finished();
}

/* read-modify-writes continue the release sequence: the load that sees the
 * last add is ordered after every add */
static void a1_counter_ok(void *arg)
{
    (void)arg;
    for (int i = 0; i < A1_WORKERS; i++)
        go(a1_adder, IARG(i));
    while (gm_atomic_i32_load(&counter) < A1_WORKERS)
        sched_yield();
    for (int i = 0; i < A1_WORKERS; i++)
        R(v[i]);
    wait_finished(A1_WORKERS);
}

static void a1_spin_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ITERS; i++) {
        while (!gm_atomic_i32_cas(&spin, 0, 1))
            sched_yield();
        R(x);
        W(x);
        gm_atomic_i32_store(&spin, 0);
    }
    finished();
}

/* a CAS spin lock */
static void a1_spinlock_ok(void *arg)
{
    (void)arg;
    for (int i = 0; i < A1_WORKERS; i++)
        go(a1_spin_worker, NULL);
    wait_finished(A1_WORKERS);
}

static void a1_early_flag(void *arg)
{
    (void)arg;
    gm_atomic_i32_store(&flags[0], 1);
    W_AT(PREV, x);
    set_step(1);
    finished();
}

/* the flag published before the data */
static void a1_flag_first_race(void *arg)
{
    (void)arg;
    go(a1_early_flag, NULL);
    while (!gm_atomic_i32_load(&flags[0]))
        sched_yield();
    wait_step(1);
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_A1_atomic_flag_ok(void **state)
{
    (void)state;
    NO_RACE(a1_flag_ok);
    NO_RACE(a1_counter_ok);
    NO_RACE(a1_spinlock_ok);
}

static void test_A1_flag_first_race(void **state)
{
    (void)state;
    RACE(a1_flag_first_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

/* ==== T1: a gm_after timer's delivery behaves as a send on its channel ==== */

/* The goroutine that makes the timer hands its channel over with a C11
 * release store: not a gomm/atomic.h operation, so the checker sees no
 * edge (the store compiles to a plain move, or goes to the real TSan in a
 * sanitizer build), but the channel's memory is really published. */
static _Atomic(gm_chan *) timer_chan;

static gm_chan *wait_timer_chan(void)
{
    gm_chan *t;
    while (!(t = atomic_load_explicit(&timer_chan, memory_order_acquire)))
        sched_yield();
    return t;
}

static void t1_slot_sender(void *arg)
{
    (void)arg;
    gm_chan *t = wait_timer_chan();
    wait_step(1);
    int64_t mine = 42;
    gm_chan_send(t, &mine); /* the 2nd send on a capacity-1 channel */
    R(x);
    finished();
}

/* C3 through the timer's channel: the receive of the timer's value (the
 * 1st) happens before the completion of the 2nd send on it */
static void t1_slot_ok(void *arg)
{
    (void)arg;
    gm_chan *t = gm_after(1000000);
    go(t1_slot_sender, NULL);
    atomic_store_explicit(&timer_chan, t, memory_order_release);
    W(x);
    int64_t when = 0;
    CHECK(gm_chan_recv(t, &when) && when > 0);
    set_step(1);
    wait_finished(1);
}

static int64_t t1_delay;

static void t1_arm(void *arg)
{
    (void)arg;
    W(x);
    atomic_store_explicit(&timer_chan, gm_after(t1_delay), memory_order_release);
    finished();
}

/* The gm_after call happens before the receive of its value (Go: the timer
 * is created, then its send runs; Go's runtime tells its race detector,
 * racerelease at creation, raceacquire before the send). */
static void t1_caller_ok(void *arg)
{
    (void)arg;
    go(t1_arm, NULL);
    gm_chan *t = wait_timer_chan();
    CHECK(gm_chan_recv(t, NULL));
    R(x);
    wait_finished(1);
}

static void t1_caller_ok_now(void *arg)
{
    t1_delay = 0;
    t1_caller_ok(arg);
}

static void t1_caller_ok_later(void *arg)
{
    t1_delay = 1000000;
    t1_caller_ok(arg);
}

static void t1_arm_then_write(void *arg)
{
    (void)arg;
    atomic_store_explicit(&timer_chan, gm_after(1000000), memory_order_release);
    W_AT(PREV, x);
    set_step(1);
    finished();
}

/* the write after gm_after */
static void t1_race(void *arg)
{
    (void)arg;
    go(t1_arm_then_write, NULL);
    gm_chan *t = wait_timer_chan();
    CHECK(gm_chan_recv(t, NULL));
    wait_step(1);
    R_AT(CUR, x);
    wait_finished(1);
}

static void test_T1_timer_slot_ok(void **state)
{
    (void)state;
    NO_RACE(t1_slot_ok);
}

static void test_T1_timer_caller_ok(void **state)
{
    (void)state;
    NO_RACE(t1_caller_ok_now);
    NO_RACE(t1_caller_ok_later);
}

static void test_T1_write_after_gm_after_race(void **state)
{
    (void)state;
    RACE(t1_race, READ4(MAIN), WRITE4(GOROUTINE1));
}

int main(int argc, char **argv)
{
    (void)argc;
    rc_force_options(argv);
    if (rc_map_lines(NLINES, __FILE__))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_G1_go_ok),
        cmocka_unit_test(test_G1_go_race),
        cmocka_unit_test(test_G2_goroutine_end_race),
        cmocka_unit_test(test_C1_unbuffered_ok),
        cmocka_unit_test(test_C1_buffered_ok),
        cmocka_unit_test(test_C1_unbuffered_race),
        cmocka_unit_test(test_C1_buffered_race),
        cmocka_unit_test(test_C2_unbuffered_ok),
        cmocka_unit_test(test_C2_buffered_race),
        cmocka_unit_test(test_C3_capacity_ok),
        cmocka_unit_test(test_C3_capacity_race),
        cmocka_unit_test(test_C3_semaphore_ok),
        cmocka_unit_test(test_C3_semaphore_race),
        cmocka_unit_test(test_C4_close_blocked_ok),
        cmocka_unit_test(test_C4_close_nonblocking_ok),
        cmocka_unit_test(test_C4_close_select_ok),
        cmocka_unit_test(test_C4_buffered_value_race),
        cmocka_unit_test(test_C5_send_close_ok),
        cmocka_unit_test(test_C5_send_close_race),
        cmocka_unit_test(test_C5_select_send_close_race),
        cmocka_unit_test(test_S1_select_ok),
        cmocka_unit_test(test_S1_default_race),
        cmocka_unit_test(test_S1_failed_try_send_race),
        cmocka_unit_test(test_M1_mutex_ok),
        cmocka_unit_test(test_M1_failed_trylock_race),
        cmocka_unit_test(test_M1_two_mutexes_race),
        cmocka_unit_test(test_M2_writer_reader_ok),
        cmocka_unit_test(test_M2_reader_writer_ok),
        cmocka_unit_test(test_M2_mixed_ok),
        cmocka_unit_test(test_M2_readers_write_race),
        cmocka_unit_test(test_O1_once_ok),
        cmocka_unit_test(test_O1_other_once_race),
        cmocka_unit_test(test_W1_waitgroup_ok),
        cmocka_unit_test(test_W1_work_after_done_race),
        cmocka_unit_test(test_K1_signal_ok),
        cmocka_unit_test(test_K1_broadcast_ok),
        cmocka_unit_test(test_K1_wrong_signaller_race),
        cmocka_unit_test(test_K1_write_after_broadcast_race),
        cmocka_unit_test(test_A1_atomic_flag_ok),
        cmocka_unit_test(test_A1_flag_first_race),
        cmocka_unit_test(test_T1_timer_slot_ok),
        cmocka_unit_test(test_T1_timer_caller_ok),
        cmocka_unit_test(test_T1_write_after_gm_after_race),
    };
    return RC_RUN_TESTS(tests);
}
