/*
 * tests/sync/test_torture.c — channels and select under load.
 *
 * P = 4 producers and C = 4 consumers over K = 4 channels of capacities 0,
 * 1, 16 and 128 pass sequence-numbered messages (producer, channel, seq):
 * seq counts per (producer, channel) from 0. Producers mix gm_chan_send,
 * gm_chan_try_send (retried), gm_select over all K send cases with a
 * default (retried), a blocking gm_select, and a gm_select with a gm_after
 * timeout case (retried on timeout). Consumers mix gm_chan_recv on their
 * own channel, gm_chan_try_recv on any open one, and gm_select over every
 * open channel (blocking, with a default, or with a gm_after timeout).
 * When every producer is done the main thread closes the K channels; the
 * consumers drain until each channel has reported closed to them.
 *
 * Verdict: every message arrives on the channel it names, exactly once (a
 * bitmap per (producer, channel)), none is lost (every sequence number
 * below the producer's final count is seen), and each consumer sees the
 * sequence numbers of each (producer, channel) strictly increasing
 * (channels are FIFO and each producer sends one message at a time).
 *
 * Why it cannot deadlock by design: consumer j's only single-channel
 * blocking receive is on channel j (C == K), every other blocking consumer
 * operation is a select over all open channels, and every blocking
 * producer operation is a send to a channel that has a dedicated consumer.
 *
 * Scale: 10^7 messages in release; 5 * 10^5 under TSan/ASan
 * (GOMM_TEST_SANITIZED: instrumented atomics and futex paths are 10-50x
 * slower) and 10^6 in the -O0 debug build. GOMM_TORTURE_MESSAGES=<n>
 * overrides. A watchdog fails the test if no message moves for 30 s.
 */
#include "sync_test.h"

#define P 4
#define C 4
#define K 4

#if ST_SANITIZED
#define DEFAULT_TOTAL 500000
#elif defined(GOMM_DEBUG)
#define DEFAULT_TOTAL 1000000
#else
#define DEFAULT_TOTAL 10000000
#endif

static const size_t caps[K] = {0, 1, 16, 128};

/* Which channel a single-channel send goes to, in 16ths: rendezvous
 * (cap 0 and 1) cost a park and a wake-up per message, so they get fewer
 * messages (still over a million of the 10^7 each). */
static uint32_t pick_channel(uint64_t r)
{
    static const uint32_t table[16] = {0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3};
    return table[r % 16];
}

typedef struct msg {
    uint32_t producer;
    uint32_t chan;
    uint64_t seq;
} msg;

enum {
    M_SEND,
    M_TRY,
    M_SEL_DEFAULT,
    M_SEL_BLOCK,
    M_SEL_TIMER,
    M_RECV,
    M_TRYRECV,
    M_SEL_RECV,
    M_SEL_RECV_DEFAULT,
    M_SEL_RECV_TIMER,
    M_TIMEOUTS,
    M_DEFAULTS,
    NSTAT
};
static const char *const stat_names[NSTAT] = {"send",
                                              "try_send",
                                              "select+default",
                                              "select",
                                              "select+timer",
                                              "recv",
                                              "try_recv",
                                              "select recv",
                                              "select recv+default",
                                              "select recv+timer",
                                              "timeouts",
                                              "defaults"};

struct torture {
    gm_chan *ch[K];
    int64_t per_producer;
    uint64_t sent[P][K];          /* final counts, written by each producer */
    _Atomic uint64_t *seen[P][K]; /* bitmaps over seq */
    gm_atomic_i64 received, dup, bad, order, stat[NSTAT];
    gm_atomic_i32 producers_done, consumers_done;
};

static struct torture T;

static void stat_add(int i, int64_t n)
{
    gm_atomic_i64_add(&T.stat[i], n);
}

/* ---- producers ---- */

struct producer {
    uint32_t id;
    uint64_t seq[K];
    uint64_t rnd;
    int64_t local[NSTAT];
    gm_chan *timer; /* reused until it fires */
};

static msg make_msg(struct producer *p, uint32_t k)
{
    return (msg){p->id, k, p->seq[k]};
}

static void producer_main(void *arg)
{
    struct producer *p = arg;
    for (int64_t n = 0; n < T.per_producer; n++) {
        uint64_t r = st_rand(&p->rnd);
        uint32_t k = pick_channel(r >> 8);
        unsigned how = (unsigned)(r % 16);
        if (how == 15 && (r >> 20) % 16 != 0)
            how = 12; /* timers are expensive: 1 in 256 sends */
        if (how < 6) {
            msg m = make_msg(p, k);
            gm_chan_send(T.ch[k], &m);
            p->seq[k]++;
            p->local[M_SEND]++;
        } else if (how < 9) {
            msg m = make_msg(p, k);
            for (unsigned tries = 1; !gm_chan_try_send(T.ch[k], &m); tries++)
                if (tries % 4 == 0)
                    gm_gosched();
            p->seq[k]++;
            p->local[M_TRY]++;
        } else {
            msg ms[K];
            gm_case cs[K + 1];
            for (uint32_t j = 0; j < K; j++) {
                ms[j] = make_msg(p, j);
                cs[j] = (gm_case){T.ch[j], GM_SEND, &ms[j], false};
            }
            bool with_default = how < 12;
            bool with_timer = how == 15;
            size_t n_cases = K;
            if (with_timer) {
                if (!p->timer)
                    p->timer = gm_after(50000); /* 50 us */
                cs[K] = (gm_case){p->timer, GM_RECV, NULL, false};
                n_cases = K + 1;
            }
            int chosen;
            for (;;) {
                chosen = gm_select(cs, n_cases, with_default);
                if (chosen >= 0 && chosen < K)
                    break;
                if (chosen == K) { /* timed out: retry with a new timer */
                    p->local[M_TIMEOUTS]++;
                    gm_chan_free(p->timer);
                    p->timer = gm_after(50000);
                    cs[K].chan = p->timer;
                } else {
                    p->local[M_DEFAULTS]++;
                    gm_gosched();
                }
            }
            p->seq[chosen]++;
            p->local[with_timer ? M_SEL_TIMER : with_default ? M_SEL_DEFAULT : M_SEL_BLOCK]++;
        }
    }
    for (uint32_t k = 0; k < K; k++)
        T.sent[p->id][k] = p->seq[k];
    if (p->timer)
        gm_chan_free(p->timer);
    for (int i = 0; i < NSTAT; i++)
        stat_add(i, p->local[i]);
    gm_atomic_i32_add(&T.producers_done, 1);
}

/* ---- consumers ---- */

struct consumer {
    uint32_t id;
    bool open[K];
    int nopen;
    int64_t last[P][K]; /* last seq seen from (producer, channel); -1: none */
    uint64_t rnd;
    int64_t local[NSTAT];
    int64_t pending; /* received, not yet added to T.received */
    gm_chan *timer;
};

static void got(struct consumer *c, uint32_t k, const msg *m)
{
    if (m->chan != k || m->producer >= P) {
        gm_atomic_i64_add(&T.bad, 1);
        return;
    }
    if ((int64_t)m->seq <= c->last[m->producer][k])
        gm_atomic_i64_add(&T.order, 1);
    c->last[m->producer][k] = (int64_t)m->seq;
    if (m->seq >= (uint64_t)T.per_producer) {
        gm_atomic_i64_add(&T.bad, 1);
        return;
    }
    uint64_t bit = (uint64_t)1 << (m->seq % 64);
    uint64_t old =
        atomic_fetch_or_explicit(&T.seen[m->producer][k][m->seq / 64], bit, memory_order_relaxed);
    if (old & bit)
        gm_atomic_i64_add(&T.dup, 1);
    if (++c->pending == 1024) {
        gm_atomic_i64_add(&T.received, c->pending);
        c->pending = 0;
    }
}

static void closed(struct consumer *c, uint32_t k)
{
    if (c->open[k]) {
        c->open[k] = false;
        c->nopen--;
    }
}

static uint32_t random_open(struct consumer *c, uint64_t r)
{
    uint32_t k = (uint32_t)(r % K);
    while (!c->open[k])
        k = (k + 1) % K;
    return k;
}

static void consumer_main(void *arg)
{
    struct consumer *c = arg;
    uint32_t own = c->id % K;
    while (c->nopen > 0) {
        uint64_t r = st_rand(&c->rnd);
        unsigned how = (unsigned)(r % 8);
        msg m;
        if (how < 3 && c->open[own]) {
            if (gm_chan_recv(T.ch[own], &m))
                got(c, own, &m);
            else
                closed(c, own);
            c->local[M_RECV]++;
        } else if (how < 5) {
            uint32_t k = random_open(c, r >> 8);
            bool ok = false;
            if (gm_chan_try_recv(T.ch[k], &m, &ok)) {
                if (ok)
                    got(c, k, &m);
                else
                    closed(c, k);
                c->local[M_TRYRECV]++;
            } else if ((r >> 16) % 8 == 0) {
                gm_gosched();
            }
        } else {
            msg ms[K];
            gm_case cs[K + 1];
            for (uint32_t j = 0; j < K; j++)
                cs[j] = (gm_case){c->open[j] ? T.ch[j] : NULL, GM_RECV, &ms[j], false};
            size_t n_cases = K;
            bool with_default = how == 5 && (r >> 16) % 4 == 0;
            bool with_timer = !with_default && (r >> 24) % 64 == 0;
            if (with_timer) {
                if (!c->timer)
                    c->timer = gm_after(100000); /* 100 us */
                cs[K] = (gm_case){c->timer, GM_RECV, NULL, false};
                n_cases = K + 1;
            }
            int k = gm_select(cs, n_cases, with_default);
            if (k < 0) {
                c->local[M_DEFAULTS]++;
                gm_gosched();
            } else if (k == K) {
                c->local[M_TIMEOUTS]++;
                gm_chan_free(c->timer);
                c->timer = NULL;
            } else {
                if (cs[k].ok)
                    got(c, (uint32_t)k, &ms[k]);
                else
                    closed(c, (uint32_t)k);
                c->local[with_timer     ? M_SEL_RECV_TIMER
                         : with_default ? M_SEL_RECV_DEFAULT
                                        : M_SEL_RECV]++;
            }
        }
    }
    gm_atomic_i64_add(&T.received, c->pending);
    if (c->timer)
        gm_chan_free(c->timer);
    for (int i = 0; i < NSTAT; i++)
        stat_add(i, c->local[i]);
    gm_atomic_i32_add(&T.consumers_done, 1);
}

/* ---- the test ---- */

/* Wait until *flag == want; fail if nothing was received for 30 s. */
static void wait_with_watchdog(gm_atomic_i32 *flag, int32_t want, const char *what)
{
    int64_t last_count = -1, last_change = st_now_ns();
    while (gm_atomic_i32_load(flag) != want) {
        st_sleep_ms(5);
        int64_t n = gm_atomic_i64_load(&T.received);
        int64_t now = st_now_ns();
        if (n != last_count) {
            last_count = n;
            last_change = now;
        } else if (now - last_change > 30 * ST_SEC) {
            fail_msg("%s: no progress for 30 s (%lld received; producers done %d, consumers "
                     "done %d)",
                     what, (long long)n, gm_atomic_i32_load(&T.producers_done),
                     gm_atomic_i32_load(&T.consumers_done));
        }
    }
}

static void torture_producers_consumers_select_timeouts_and_close(void **state)
{
    (void)state;
    int64_t total = DEFAULT_TOTAL;
    const char *env = getenv("GOMM_TORTURE_MESSAGES");
    if (env && *env)
        total = strtoll(env, NULL, 10);
    assert_true(total >= P);
    memset(&T, 0, sizeof T);
    T.per_producer = total / P;
    total = T.per_producer * P;
    size_t words = ((size_t)T.per_producer + 63) / 64;
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++) {
            T.seen[p][k] = calloc(words, sizeof(uint64_t));
            assert_non_null(T.seen[p][k]);
        }
    for (int k = 0; k < K; k++)
        T.ch[k] = gm_chan_make(sizeof(msg), caps[k]);

    static struct producer prods[P];
    static struct consumer cons[C];
    int64_t t0 = st_now_ns();
    for (uint32_t i = 0; i < C; i++) {
        memset(&cons[i], 0, sizeof cons[i]);
        cons[i].id = i;
        cons[i].nopen = K;
        for (int k = 0; k < K; k++)
            cons[i].open[k] = true;
        for (int p = 0; p < P; p++)
            for (int k = 0; k < K; k++)
                cons[i].last[p][k] = -1;
        cons[i].rnd = 0x9E3779B97F4A7C15ull * (i + 101);
        assert_int_equal(gm_go(consumer_main, &cons[i]), 0);
    }
    for (uint32_t i = 0; i < P; i++) {
        memset(&prods[i], 0, sizeof prods[i]);
        prods[i].id = i;
        prods[i].rnd = 0xD1B54A32D192ED03ull * (i + 7);
        assert_int_equal(gm_go(producer_main, &prods[i]), 0);
    }
    wait_with_watchdog(&T.producers_done, P, "producers");
    for (int k = 0; k < K; k++)
        gm_chan_close(T.ch[k]);
    wait_with_watchdog(&T.consumers_done, C, "consumers");
    double secs = (double)(st_now_ns() - t0) / 1e9;

    print_message("%lld messages in %.2f s (%.0f ns/message)\n", (long long)total, secs,
                  secs * 1e9 / (double)total);
    for (int i = 0; i < NSTAT; i++)
        print_message("  %-20s %lld\n", stat_names[i], (long long)gm_atomic_i64_load(&T.stat[i]));

    assert_int_equal(gm_atomic_i64_load(&T.bad), 0);
    assert_int_equal(gm_atomic_i64_load(&T.dup), 0);
    assert_int_equal(gm_atomic_i64_load(&T.order), 0);
    int64_t sent = 0;
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++) {
            sent += (int64_t)T.sent[p][k];
            uint64_t n = T.sent[p][k];
            for (uint64_t s = 0; s < n; s++)
                if (!(atomic_load_explicit(&T.seen[p][k][s / 64], memory_order_relaxed) &
                      ((uint64_t)1 << (s % 64))))
                    fail_msg("lost: producer %d channel %d (cap %zu) seq %llu of %llu", p, k,
                             caps[k], (unsigned long long)s, (unsigned long long)n);
            for (uint64_t s = n; s < (uint64_t)words * 64; s++) /* nothing beyond */
                if (atomic_load_explicit(&T.seen[p][k][s / 64], memory_order_relaxed) &
                    ((uint64_t)1 << (s % 64)))
                    fail_msg("producer %d channel %d: seq %llu received, only %llu sent", p, k,
                             (unsigned long long)s, (unsigned long long)n);
        }
    for (int k = 0; k < K; k++) {
        uint64_t n = 0;
        for (int p = 0; p < P; p++)
            n += T.sent[p][k];
        print_message("  channel %d (cap %3zu): %llu messages\n", k, caps[k],
                      (unsigned long long)n);
    }
    assert_int_equal(sent, total);
    assert_int_equal(gm_atomic_i64_load(&T.received), total);
    for (int k = 0; k < K; k++) {
        assert_int_equal(gm_chan_len(T.ch[k]), 0);
        gm_chan_free(T.ch[k]);
    }
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++)
            free(T.seen[p][k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torture_producers_consumers_select_timeouts_and_close),
    };
    return ST_RUN(tests);
}
