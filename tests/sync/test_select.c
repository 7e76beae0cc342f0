/*
 * tests/sync/test_select.c — gm_select: Go's select statement.
 *
 * A ready case is chosen (uniformly at random among the ready ones: each of
 * 4 always-ready cases 25% +- 3% over 100k selects, about 22 standard
 * deviations, so the verdict is deterministic in practice); default when
 * none is ready; a blocking select is woken by a later send, receive or
 * close; NULL cases never fire; one channel may appear in several cases,
 * even both ways (an unbuffered select never pairs with itself); selects
 * naming the same channels in opposite orders never deadlock; a gm_after
 * case times a select out. Parked selects are detected without sleeps
 * where possible (a try op on an unbuffered channel succeeds only against
 * a parked partner).
 */
#include "sync_test.h"

static void ready_case_is_chosen(void **state)
{
    (void)state;
    gm_chan *a = gm_chan_make(sizeof(int), 1), *b = gm_chan_make(sizeof(int), 1);
    int v = 7;
    gm_chan_send(b, &v);
    int ra = -1, rb = -1;
    gm_case cs[] = {{a, GM_RECV, &ra, false}, {b, GM_RECV, &rb, false}};
    for (int blocking = 0; blocking < 2; blocking++) {
        assert_int_equal(gm_select(cs, 2, !blocking), 1);
        assert_true(cs[1].ok);
        assert_int_equal(rb, 7);
        assert_int_equal(ra, -1);
        assert_int_equal(gm_chan_len(b), 0);
        v = 8;
        gm_chan_send(b, &v);
        rb = -1;
        assert_int_equal(gm_select(cs, 2, false), 1);
        assert_int_equal(rb, 8);
        v = 7;
        gm_chan_send(b, &v);
    }
    gm_chan_free(a);
    gm_chan_free(b);
}

static void default_is_taken_when_no_case_is_ready(void **state)
{
    (void)state;
    gm_chan *empty = gm_chan_make(sizeof(int), 2);
    gm_chan *full = gm_chan_make(sizeof(int), 1);
    gm_chan *unbuf = gm_chan_make(sizeof(int), 0);
    int v = 1, out = -5;
    gm_chan_send(full, &v);
    gm_case cs[] = {{empty, GM_RECV, &out, true},
                    {full, GM_SEND, &v, true},
                    {unbuf, GM_RECV, &out, true},
                    {unbuf, GM_SEND, &v, true}};
    for (int i = 0; i < 100; i++) {
        assert_int_equal(gm_select(cs, 4, true), -1);
        for (int k = 0; k < 4; k++)
            assert_false(cs[k].ok);
    }
    assert_int_equal(out, -5);
    assert_int_equal(gm_chan_len(full), 1);
    assert_int_equal(gm_chan_len(empty), 0);
    gm_chan_free(empty);
    gm_chan_free(full);
    gm_chan_free(unbuf);
}

static void empty_select_with_default_returns_minus_one(void **state)
{
    (void)state;
    assert_int_equal(gm_select(NULL, 0, true), -1);
    gm_case none[1];
    assert_int_equal(gm_select(none, 0, true), -1);
}

static void select_send_case(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    int v = 42;
    gm_case cs[] = {{c, GM_SEND, &v, false}};
    assert_int_equal(gm_select(cs, 1, true), 0);
    assert_int_equal(gm_chan_len(c), 1);
    assert_int_equal(gm_select(cs, 1, true), -1); /* full now */
    int out = 0;
    assert_true(gm_chan_recv(c, &out));
    assert_int_equal(out, 42);
    gm_chan_free(c);
}

static void closed_channel_recv_case_gives_ok_false_and_zero(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int64_t), 2), *never = gm_chan_make(sizeof(int64_t), 0);
    int64_t v = 5;
    gm_chan_send(c, &v);
    gm_chan_close(c);
    int64_t out = -1;
    gm_case cs[] = {{never, GM_RECV, NULL, false}, {c, GM_RECV, &out, false}};
    assert_int_equal(gm_select(cs, 2, false), 1); /* the buffer drains first */
    assert_true(cs[1].ok);
    assert_int_equal(out, 5);
    for (int i = 0; i < 3; i++) {
        out = -1;
        assert_int_equal(gm_select(cs, 2, i % 2), 1);
        assert_false(cs[1].ok);
        assert_int_equal(out, 0);
    }
    gm_chan_free(c);
    gm_chan_free(never);
}

/* ---- blocking selects woken later ---- */

struct later {
    gm_chan *c;
    gm_atomic_i32 parked_hint, returned;
    int chosen;
    bool ok;
    int64_t got;
    gm_waitgroup wg;
};

static void later_select_recv(void *p)
{
    struct later *l = p;
    gm_chan *never = gm_chan_make(sizeof(int64_t), 0);
    l->got = -1;
    gm_case cs[] = {{never, GM_RECV, NULL, false}, {l->c, GM_RECV, &l->got, false}};
    gm_atomic_i32_store(&l->parked_hint, 1);
    l->chosen = gm_select(cs, 2, false);
    l->ok = cs[1].ok;
    gm_atomic_i32_store(&l->returned, 1);
    gm_chan_free(never);
    gm_waitgroup_done(&l->wg);
}

static void later_select_send(void *p)
{
    struct later *l = p;
    gm_chan *never = gm_chan_make(sizeof(int64_t), 0);
    int64_t v = 77;
    gm_case cs[] = {{never, GM_SEND, &v, false}, {l->c, GM_SEND, &v, false}};
    gm_atomic_i32_store(&l->parked_hint, 1);
    l->chosen = gm_select(cs, 2, false);
    gm_atomic_i32_store(&l->returned, 1);
    gm_chan_free(never);
    gm_waitgroup_done(&l->wg);
}

static void blocking_select_is_woken_by_a_later_send(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        struct later l = {.c = gm_chan_make(sizeof(int64_t), round % 2)};
        gm_waitgroup_add(&l.wg, 1);
        assert_int_equal(gm_go(later_select_recv, &l), 0);
        int64_t v = 1000 + round;
        if (round % 2 == 0) {
            /* unbuffered: succeeds only once the select has parked */
            ST_WAIT_UNTIL(gm_chan_try_send(l.c, &v), "try_send to the parked select");
        } else {
            ST_WAIT_UNTIL(gm_atomic_i32_load(&l.parked_hint), "select started");
            if (round < 4)
                st_sleep_ms(20);
            assert_int_equal(gm_atomic_i32_load(&l.returned), 0);
            gm_chan_send(l.c, &v);
        }
        gm_waitgroup_wait(&l.wg);
        assert_int_equal(l.chosen, 1);
        assert_true(l.ok);
        assert_int_equal(l.got, 1000 + round);
        gm_chan_free(l.c);
    }
}

static void blocking_select_is_woken_by_a_later_recv(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        struct later l = {.c = gm_chan_make(sizeof(int64_t), 0)};
        gm_waitgroup_add(&l.wg, 1);
        assert_int_equal(gm_go(later_select_send, &l), 0);
        int64_t v = 0;
        bool ok = false;
        ST_WAIT_UNTIL(gm_chan_try_recv(l.c, &v, &ok), "try_recv from the parked select");
        assert_true(ok);
        assert_int_equal(v, 77);
        gm_waitgroup_wait(&l.wg);
        assert_int_equal(l.chosen, 1);
        gm_chan_free(l.c);
    }
}

static void blocking_select_is_woken_by_close(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct later l = {.c = gm_chan_make(sizeof(int64_t), round % 2 ? 4 : 0)};
        gm_waitgroup_add(&l.wg, 1);
        assert_int_equal(gm_go(later_select_recv, &l), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&l.parked_hint), "select started");
        if (round < 4)
            st_sleep_ms(20);
        gm_chan_close(l.c);
        gm_waitgroup_wait(&l.wg);
        assert_int_equal(l.chosen, 1);
        assert_false(l.ok);
        assert_int_equal(l.got, 0);
        gm_chan_free(l.c);
    }
}

/* ---- NULL cases ---- */

static void nil_cases_are_never_chosen(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    int v = 3, out;
    gm_case cs[] = {{NULL, GM_RECV, &out, false},
                    {NULL, GM_SEND, &v, false},
                    {c, GM_SEND, &v, false},
                    {NULL, GM_RECV, NULL, false}};
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(gm_select(cs, 4, false), 2);
        assert_true(gm_chan_recv(c, &out));
    }
    gm_case nils[] = {{NULL, GM_RECV, &out, false}, {NULL, GM_SEND, &v, false}};
    for (int i = 0; i < 100; i++)
        assert_int_equal(gm_select(nils, 2, true), -1);
    gm_chan_free(c);
}

static void child_select_nils_blocks(void *arg)
{
    (void)arg;
    st_exit_later(300, 42); /* a plain thread: no deadlock report */
    int v = 0;
    gm_case nils[] = {{NULL, GM_RECV, &v, false}, {NULL, GM_SEND, &v, false}};
    gm_select(nils, 2, false);
    _exit(1);
}

static void child_select_empty_blocks(void *arg)
{
    (void)arg;
    st_exit_later(300, 42);
    gm_select(NULL, 0, false);
    _exit(1);
}

static void select_with_only_nil_cases_or_none_blocks_forever(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_select_nils_blocks, NULL, 42);
    ST_EXPECT_EXIT(child_select_empty_blocks, NULL, 42);
}

/* ---- one channel in several cases ---- */

static void select_over_the_same_channel_twice(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    int a = -1, b = -1, n0 = 0, n1 = 0;
    gm_case cs[] = {{c, GM_RECV, &a, false}, {c, GM_RECV, &b, false}};
    for (int i = 0; i < 2000; i++) {
        int v = i;
        gm_chan_send(c, &v);
        a = b = -1;
        int k = gm_select(cs, 2, false);
        assert_true(k == 0 || k == 1);
        assert_true(cs[k].ok);
        assert_int_equal(k == 0 ? a : b, i);
        assert_int_equal(k == 0 ? b : a, -1); /* the other case got nothing */
        n0 += k == 0;
        n1 += k == 1;
    }
    assert_true(n0 > 800 && n1 > 800); /* both fire, about half each */
    gm_chan_free(c);
}

struct both {
    gm_chan *c;
    int chosen;
    int64_t got;
    bool ok;
    gm_waitgroup wg;
};

static void both_ways_select(void *p)
{
    struct both *b = p;
    int64_t out = 55;
    b->got = -1;
    gm_case cs[] = {{b->c, GM_SEND, &out, false}, {b->c, GM_RECV, &b->got, false}};
    b->chosen = gm_select(cs, 2, false);
    b->ok = cs[1].ok;
    gm_waitgroup_done(&b->wg);
}

static void select_sending_and_receiving_on_one_unbuffered_channel(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int64_t), 0);
    int64_t out = 1;
    gm_case self[] = {{c, GM_SEND, &out, false}, {c, GM_RECV, NULL, false}};
    assert_int_equal(gm_select(self, 2, true), -1); /* never pairs with itself */
    for (int round = 0; round < 40; round++) {
        struct both b = {.c = c};
        gm_waitgroup_add(&b.wg, 1);
        assert_int_equal(gm_go(both_ways_select, &b), 0);
        if (round % 2 == 0) {
            int64_t v = 0;
            bool ok = false;
            ST_WAIT_UNTIL(gm_chan_try_recv(c, &v, &ok), "try_recv from the parked select");
            gm_waitgroup_wait(&b.wg);
            assert_int_equal(b.chosen, 0);
            assert_int_equal(v, 55);
        } else {
            int64_t v = 66;
            ST_WAIT_UNTIL(gm_chan_try_send(c, &v), "try_send to the parked select");
            gm_waitgroup_wait(&b.wg);
            assert_int_equal(b.chosen, 1);
            assert_true(b.ok);
            assert_int_equal(b.got, 66);
        }
    }
    gm_chan_free(c);
}

/* ---- lock order ---- */

#define NCH 3

struct order {
    gm_chan *c[NCH];
    int iters;
    gm_atomic_i64 sent, received, mixed_sent, mixed_received;
    gm_atomic_i32 producers_done, consumers_done;
};

/* Sends over the channels listed in one order... */
static void order_sender(void *p)
{
    struct order *o = p;
    int64_t v = 1;
    gm_case cs[NCH];
    for (int k = 0; k < NCH; k++)
        cs[k] = (gm_case){o->c[k], GM_SEND, &v, false};
    for (int i = 0; i < o->iters; i++) {
        gm_select(cs, NCH, false);
        gm_atomic_i64_add(&o->sent, 1);
    }
    gm_atomic_i32_add(&o->producers_done, 1);
}

/* ... receives over them in the opposite order, until all are closed. */
static void order_receiver(void *p)
{
    struct order *o = p;
    int64_t v;
    gm_case cs[NCH];
    for (int k = 0; k < NCH; k++)
        cs[k] = (gm_case){o->c[NCH - 1 - k], GM_RECV, &v, false};
    for (int open = NCH; open > 0;) {
        int k = gm_select(cs, NCH, false);
        if (cs[k].ok) {
            gm_atomic_i64_add(&o->received, 1);
        } else {
            cs[k].chan = NULL; /* closed: never ready again */
            open--;
        }
    }
    gm_atomic_i32_add(&o->consumers_done, 1);
}

/* Never blocks: receives from the last channel, sends on the first,
 * listed backwards. */
static void order_mixed(void *p)
{
    struct order *o = p;
    int64_t v = 2;
    for (int i = 0; i < o->iters; i++) {
        gm_case cs[] = {{o->c[NCH - 1], GM_RECV, NULL, false}, {o->c[0], GM_SEND, &v, false}};
        int k = gm_select(cs, 2, true);
        if (k == 0)
            gm_atomic_i64_add(&o->mixed_received, 1);
        else if (k == 1)
            gm_atomic_i64_add(&o->mixed_sent, 1);
        if (i % 64 == 0)
            gm_gosched();
    }
    gm_atomic_i32_add(&o->producers_done, 1);
}

static void selects_locking_the_same_channels_in_opposite_orders_do_not_deadlock(void **state)
{
    (void)state;
    static struct order o;
    memset(&o, 0, sizeof o);
    for (int k = 0; k < NCH; k++)
        o.c[k] = gm_chan_make(sizeof(int64_t), (size_t)k); /* caps 0, 1, 2 */
    o.iters = ST_SCALED(100000);
    for (int t = 0; t < 2; t++) {
        assert_int_equal(gm_go(order_sender, &o), 0);
        assert_int_equal(gm_go(order_receiver, &o), 0);
    }
    assert_int_equal(gm_go(order_mixed, &o), 0);
    ST_WAIT_UNTIL(gm_atomic_i32_load(&o.producers_done) == 3,
                  "selects over the same channels in opposite orders finish");
    for (int k = 0; k < NCH; k++)
        gm_chan_close(o.c[k]);
    ST_WAIT_UNTIL(gm_atomic_i32_load(&o.consumers_done) == 2, "receivers see every close");
    /* every value sent was received exactly once */
    assert_int_equal(gm_atomic_i64_load(&o.sent), 2 * (int64_t)o.iters);
    assert_int_equal(gm_atomic_i64_load(&o.received) + gm_atomic_i64_load(&o.mixed_received),
                     gm_atomic_i64_load(&o.sent) + gm_atomic_i64_load(&o.mixed_sent));
    print_message("mixed select: %lld sent, %lld received\n",
                  (long long)gm_atomic_i64_load(&o.mixed_sent),
                  (long long)gm_atomic_i64_load(&o.mixed_received));
    for (int k = 0; k < NCH; k++)
        gm_chan_free(o.c[k]);
}

/* ---- fairness ---- */

#define FAIR_N 100000

static void check_fair(const int *counts, int ncase, int n, const char *what)
{
    for (int k = 0; k < ncase; k++) {
        double share = (double)counts[k] / n;
        print_message("%s: case %d chosen %.2f%%\n", what, k, 100 * share);
        if (share < 0.22 || share > 0.28)
            fail_msg("%s: case %d chosen %.2f%% of %d selects, want 25%% +- 3%%", what, k,
                     100 * share, n);
    }
}

static void select_chooses_uniformly_among_ready_cases(void **state)
{
    (void)state;
    /* 4 closed channels: always ready receives */
    gm_chan *c[4];
    for (int k = 0; k < 4; k++) {
        c[k] = gm_chan_make(sizeof(int), (size_t)k);
        gm_chan_close(c[k]);
    }
    gm_case cs[4];
    for (int k = 0; k < 4; k++)
        cs[k] = (gm_case){c[k], GM_RECV, NULL, false};
    int counts[4] = {0};
    for (int i = 0; i < FAIR_N; i++) {
        int k = gm_select(cs, 4, i % 2);
        assert_true(k >= 0 && k < 4);
        counts[k]++;
    }
    check_fair(counts, 4, FAIR_N, "closed receives");
    for (int k = 0; k < 4; k++)
        gm_chan_free(c[k]);

    /* 4 always-ready cases of both directions: two sends with room, two
     * receives with data; the chosen one is restored after each select */
    gm_chan *s0 = gm_chan_make(sizeof(int), 1), *s1 = gm_chan_make(sizeof(int), 8);
    gm_chan *r0 = gm_chan_make(sizeof(int), 1), *r1 = gm_chan_make(sizeof(int), 8);
    int one = 1, out;
    gm_chan_send(r0, &one);
    gm_chan_send(r1, &one);
    gm_case mix[] = {{s0, GM_SEND, &one, false},
                     {r0, GM_RECV, &out, false},
                     {s1, GM_SEND, &one, false},
                     {r1, GM_RECV, &out, false}};
    memset(counts, 0, sizeof counts);
    for (int i = 0; i < FAIR_N; i++) {
        int k = gm_select(mix, 4, false);
        assert_true(k >= 0 && k < 4);
        counts[k]++;
        if (mix[k].dir == GM_SEND)
            assert_true(gm_chan_try_recv(mix[k].chan, NULL, NULL));
        else
            assert_true(gm_chan_try_send(mix[k].chan, &one));
    }
    check_fair(counts, 4, FAIR_N, "sends and receives");
    gm_chan_free(s0);
    gm_chan_free(s1);
    gm_chan_free(r0);
    gm_chan_free(r1);
}

/* ---- timeouts ---- */

static void select_with_gm_after_times_out_on_the_timer_case(void **state)
{
    (void)state;
    gm_chan *never = gm_chan_make(sizeof(int), 0);
    for (int i = 0; i < 5; i++) {
        int64_t t0 = st_now_ns(), r0 = st_realtime_ns();
        gm_chan *timer = gm_after(10 * ST_MS);
        int64_t when = 0;
        int out;
        gm_case cs[] = {{never, GM_RECV, &out, false}, {timer, GM_RECV, &when, false}};
        assert_int_equal(gm_select(cs, 2, false), 1);
        int64_t elapsed = st_now_ns() - t0;
        assert_true(cs[1].ok);
        assert_true(elapsed >= 10 * ST_MS);
        assert_true(elapsed < 30 * ST_SEC);
        assert_true(when >= r0 - ST_SEC); /* the time of delivery, CLOCK_REALTIME */
        assert_true(when <= st_realtime_ns() + ST_SEC);
        gm_chan_free(timer);
    }
    gm_chan_free(never);
}

static void select_with_a_ready_case_beats_a_pending_timer(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    for (int i = 0; i < 200; i++) {
        int v = i;
        gm_chan_send(c, &v);
        gm_chan *timer = gm_after(10 * ST_SEC);
        int out = -1;
        gm_case cs[] = {{timer, GM_RECV, NULL, false}, {c, GM_RECV, &out, false}};
        assert_int_equal(gm_select(cs, 2, false), 1);
        assert_int_equal(out, i);
        gm_chan_free(timer); /* stops it */
    }
    gm_chan_free(c);
}

/* ---- many cases (beyond the on-stack arrays) ---- */

static void select_with_many_cases(void **state)
{
    (void)state;
    enum { N = 40 };
    gm_chan *c[N];
    gm_case cs[N];
    int out[N];
    for (int k = 0; k < N; k++) {
        c[k] = gm_chan_make(sizeof(int), 1);
        cs[k] = (gm_case){c[k], GM_RECV, &out[k], false};
    }
    for (int k = N - 1; k >= 0; k -= 3) {
        int v = k * 10;
        gm_chan_send(c[k], &v);
        assert_int_equal(gm_select(cs, N, false), k);
        assert_int_equal(out[k], k * 10);
        assert_int_equal(gm_select(cs, N, true), -1);
    }
    gm_case tail[N];
    memcpy(tail, cs, sizeof cs);
    tail[N - 1] = (gm_case){c[N - 1], GM_SEND, &out[0], false};
    assert_int_equal(gm_select(tail, N, false), N - 1); /* only the send is ready */
    for (int k = 0; k < N; k++)
        gm_chan_free(c[k]);
}

/* ---- misuse ---- */

static void child_select_send_on_closed(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    gm_chan_close(c);
    int v = 1;
    gm_case cs[] = {{c, GM_SEND, &v, false}};
    gm_select(cs, 1, true);
    _exit(0);
}

static void closer_fn(void *p)
{
    st_sleep_ms(50); /* likely parked by then; fatal either way */
    gm_chan_close(p);
}

static void child_parked_select_send_then_close(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 0);
    gm_chan *never = gm_chan_make(sizeof(int), 0);
    if (gm_go(closer_fn, c) != 0)
        _exit(3);
    int v = 1;
    gm_case cs[] = {{never, GM_RECV, NULL, false}, {c, GM_SEND, &v, false}};
    gm_select(cs, 2, false);
    _exit(0);
}

static void select_send_on_closed_channel_is_fatal(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_select_send_on_closed, NULL, "send on closed channel");
    ST_EXPECT_FATAL(child_parked_select_send_then_close, NULL, "send on closed channel");
}

/* ---- select to select ---- */

struct pair {
    gm_chan *c, *d;
    int iters;
    int64_t sum;
    gm_waitgroup wg;
};

static void pair_sender(void *p)
{
    struct pair *s = p;
    gm_chan *never = gm_chan_make(sizeof(int64_t), 0);
    for (int64_t i = 1; i <= s->iters; i++) {
        gm_case cs[] = {{never, GM_SEND, &i, false}, {s->c, GM_SEND, &i, false}};
        gm_select(cs, 2, false);
    }
    gm_chan_close(s->c);
    gm_chan_free(never);
    gm_waitgroup_done(&s->wg);
}

static void two_blocking_selects_rendezvous_with_each_other(void **state)
{
    (void)state;
    struct pair s = {.c = gm_chan_make(sizeof(int64_t), 0),
                     .d = gm_chan_make(sizeof(int64_t), 0),
                     .iters = ST_SCALED(20000)};
    gm_waitgroup_add(&s.wg, 1);
    assert_int_equal(gm_go(pair_sender, &s), 0);
    int64_t v, sum = 0, want = 1;
    for (;;) {
        gm_case cs[] = {{s.d, GM_RECV, NULL, false}, {s.c, GM_RECV, &v, false}};
        assert_int_equal(gm_select(cs, 2, false), 1);
        if (!cs[1].ok)
            break;
        assert_int_equal(v, want);
        want++;
        sum += v;
    }
    gm_waitgroup_wait(&s.wg);
    assert_int_equal(want - 1, s.iters);
    assert_int_equal(sum, (int64_t)s.iters * (s.iters + 1) / 2);
    gm_chan_free(s.c);
    gm_chan_free(s.d);
}

/* ---- a channel may be freed as soon as the caller's own operation on it
 * returned: the partner that was parked on it must not touch it again ---- */

/* each run has its own: a replier of the previous run may still be
 * returning from its last receive when the next run starts */
typedef struct reply_job {
    gm_chan *requests;
    bool use_select;
} reply_job;

static void replier(void *arg)
{
    reply_job *job = arg;
    gm_chan *reply;
    while (gm_chan_recv(job->requests, &reply)) {
        int v = 42;
        if (job->use_select) { /* parked on reply (send) and on a nil channel */
            gm_case cs[2] = {{reply, GM_SEND, &v, false}, {NULL, GM_RECV, NULL, false}};
            assert_int_equal(gm_select(cs, 2, false), 0);
        } else {
            gm_chan_send(reply, &v);
        }
    }
    gm_free(job);
}

static void reply_channels_freed_right_after_the_receive(bool use_select)
{
    reply_job *job = gm_malloc(sizeof *job);
    job->requests = gm_chan_make(sizeof(gm_chan *), 0);
    job->use_select = use_select;
    gm_chan *reply_requests = job->requests;
    assert_int_equal(gm_go(replier, job), 0);
    for (int i = 0; i < ST_SCALED(20000); i++) {
        gm_chan *reply = gm_chan_make(sizeof(int), 0);
        gm_chan_send(reply_requests, &reply);
        int v = 0;
        assert_true(gm_chan_recv(reply, &v));
        assert_int_equal(v, 42);
        gm_chan_free(reply); /* the replier may still be waking up */
        /* reuse the memory at once, so a late touch would corrupt it */
        int *junk = gm_malloc(sizeof(gm_chan *) * 16);
        memset(junk, 0xAB, sizeof(gm_chan *) * 16);
        gm_free(junk);
    }
    gm_chan_close(reply_requests); /* the channel itself is never freed: the
                                      replier may still be in its receive */
}

static void a_reply_channel_can_be_freed_once_received_from_a_select(void **state)
{
    (void)state;
    reply_channels_freed_right_after_the_receive(true);
}

static void a_reply_channel_can_be_freed_once_received_from_a_send(void **state)
{
    (void)state;
    reply_channels_freed_right_after_the_receive(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ready_case_is_chosen),
        cmocka_unit_test(a_reply_channel_can_be_freed_once_received_from_a_select),
        cmocka_unit_test(a_reply_channel_can_be_freed_once_received_from_a_send),
        cmocka_unit_test(default_is_taken_when_no_case_is_ready),
        cmocka_unit_test(empty_select_with_default_returns_minus_one),
        cmocka_unit_test(select_send_case),
        cmocka_unit_test(closed_channel_recv_case_gives_ok_false_and_zero),
        cmocka_unit_test(blocking_select_is_woken_by_a_later_send),
        cmocka_unit_test(blocking_select_is_woken_by_a_later_recv),
        cmocka_unit_test(blocking_select_is_woken_by_close),
        cmocka_unit_test(nil_cases_are_never_chosen),
        cmocka_unit_test(select_with_only_nil_cases_or_none_blocks_forever),
        cmocka_unit_test(select_over_the_same_channel_twice),
        cmocka_unit_test(select_sending_and_receiving_on_one_unbuffered_channel),
        cmocka_unit_test(selects_locking_the_same_channels_in_opposite_orders_do_not_deadlock),
        cmocka_unit_test(select_chooses_uniformly_among_ready_cases),
        cmocka_unit_test(select_with_gm_after_times_out_on_the_timer_case),
        cmocka_unit_test(select_with_a_ready_case_beats_a_pending_timer),
        cmocka_unit_test(select_with_many_cases),
        cmocka_unit_test(select_send_on_closed_channel_is_fatal),
        cmocka_unit_test(two_blocking_selects_rendezvous_with_each_other),
    };
    return ST_RUN(tests);
}
