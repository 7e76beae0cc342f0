/*
 * tests/sync/test_cond.c — gm_cond (sync.Cond).
 *
 * Signal wakes exactly one waiter, broadcast wakes every waiter, a signal
 * with no waiter is not remembered, wait returns with the mutex held, and a
 * bounded-buffer producer/consumer with predicate loops loses no wake-up
 * (it finishes, with every item delivered once). "Waiting" is established
 * deterministically: a waiter counts itself under the mutex before it
 * waits, and gm_cond_wait takes its place in line before it unlocks, so
 * once the main thread sees the count under the mutex, the waiters are in
 * line for the next signal.
 */
#include "sync_test.h"

struct sleepers {
    gm_mutex mu;
    gm_cond cond;
    int waiting; /* under mu */
    gm_atomic_i32 woken, held_on_return;
    gm_waitgroup wg;
};

static void sleeper(void *p)
{
    struct sleepers *s = p;
    gm_mutex_lock(&s->mu);
    s->waiting++;
    gm_cond_wait(&s->cond, &s->mu); /* no predicate: count the wake-ups */
    /* the mutex is held again: trylock must fail */
    if (!gm_mutex_trylock(&s->mu))
        gm_atomic_i32_add(&s->held_on_return, 1);
    else
        gm_mutex_unlock(&s->mu);
    s->waiting--;
    gm_atomic_i32_add(&s->woken, 1);
    gm_mutex_unlock(&s->mu);
    gm_waitgroup_done(&s->wg);
}

static bool all_waiting(struct sleepers *s, int n)
{
    gm_mutex_lock(&s->mu);
    bool r = s->waiting == n;
    gm_mutex_unlock(&s->mu);
    return r;
}

static void signal_wakes_exactly_one_waiter(void **state)
{
    (void)state;
    enum { W = 4 };
    for (int round = 0; round < 10; round++) {
        static struct sleepers s;
        memset(&s, 0, sizeof s);
        gm_waitgroup_add(&s.wg, W);
        for (int i = 0; i < W; i++)
            assert_int_equal(gm_go(sleeper, &s), 0);
        ST_WAIT_UNTIL(all_waiting(&s, W), "waiters in line");
        for (int k = 1; k <= W; k++) {
            if (k % 2)
                gm_cond_signal(&s.cond); /* without the mutex */
            else {
                gm_mutex_lock(&s.mu);
                gm_cond_signal(&s.cond); /* with it */
                gm_mutex_unlock(&s.mu);
            }
            ST_WAIT_UNTIL(gm_atomic_i32_load(&s.woken) >= k, "a signalled waiter wakes");
            if (round < 2)
                st_sleep_ms(10); /* a second wake-up would show now */
            if (gm_atomic_i32_load(&s.woken) != k)
                fail_msg("%d signals woke %d waiters", k, gm_atomic_i32_load(&s.woken));
        }
        gm_waitgroup_wait(&s.wg);
        assert_int_equal(gm_atomic_i32_load(&s.held_on_return), W);
    }
}

static void broadcast_wakes_every_waiter(void **state)
{
    (void)state;
    enum { W = 8 };
    for (int round = 0; round < 20; round++) {
        static struct sleepers s;
        memset(&s, 0, sizeof s);
        gm_waitgroup_add(&s.wg, W);
        for (int i = 0; i < W; i++)
            assert_int_equal(gm_go(sleeper, &s), 0);
        ST_WAIT_UNTIL(all_waiting(&s, W), "waiters in line");
        gm_cond_broadcast(&s.cond);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&s.woken) == W, "every waiter wakes on broadcast");
        gm_waitgroup_wait(&s.wg);
        assert_int_equal(gm_atomic_i32_load(&s.held_on_return), W);
        gm_cond_broadcast(&s.cond); /* nobody waits: a no-op */
    }
}

static void a_signal_with_no_waiter_is_not_remembered(void **state)
{
    (void)state;
    static struct sleepers s;
    memset(&s, 0, sizeof s);
    gm_cond_signal(&s.cond);
    gm_cond_broadcast(&s.cond);
    gm_waitgroup_add(&s.wg, 1);
    assert_int_equal(gm_go(sleeper, &s), 0);
    ST_WAIT_UNTIL(all_waiting(&s, 1), "waiter in line");
    st_sleep_ms(20);
    assert_int_equal(gm_atomic_i32_load(&s.woken), 0); /* the old signals are gone */
    gm_cond_signal(&s.cond);
    gm_waitgroup_wait(&s.wg);
    assert_int_equal(gm_atomic_i32_load(&s.woken), 1);
}

/* ---- producer/consumer ---- */

#define QCAP 4

struct queue {
    gm_mutex mu;
    gm_cond not_empty, not_full;
    int64_t items[QCAP]; /* plain: under mu */
    int head, len;
    bool closed;
    int per_producer;
    gm_atomic_i64 sum, count;
    gm_waitgroup producers, consumers;
};

static void q_producer(void *p)
{
    struct queue *q = p;
    for (int i = 1; i <= q->per_producer; i++) {
        gm_mutex_lock(&q->mu);
        while (q->len == QCAP)
            gm_cond_wait(&q->not_full, &q->mu);
        q->items[(q->head + q->len) % QCAP] = i;
        q->len++;
        gm_cond_signal(&q->not_empty);
        gm_mutex_unlock(&q->mu);
    }
    gm_waitgroup_done(&q->producers);
}

static void q_consumer(void *p)
{
    struct queue *q = p;
    int64_t sum = 0, n = 0;
    for (;;) {
        gm_mutex_lock(&q->mu);
        while (q->len == 0 && !q->closed)
            gm_cond_wait(&q->not_empty, &q->mu);
        if (q->len == 0) { /* closed and drained */
            gm_mutex_unlock(&q->mu);
            break;
        }
        int64_t v = q->items[q->head];
        q->head = (q->head + 1) % QCAP;
        q->len--;
        if (n % 7 == 0)
            gm_cond_broadcast(&q->not_full);
        else
            gm_cond_signal(&q->not_full);
        gm_mutex_unlock(&q->mu);
        sum += v;
        n++;
    }
    gm_atomic_i64_add(&q->sum, sum);
    gm_atomic_i64_add(&q->count, n);
    gm_waitgroup_done(&q->consumers);
}

static void producer_consumer_with_predicate_loops_loses_no_wakeup(void **state)
{
    (void)state;
    enum { P = 3, C = 3 };
    static struct queue q;
    memset(&q, 0, sizeof q);
    q.per_producer = ST_SCALED(100000);
    gm_waitgroup_add(&q.producers, P);
    gm_waitgroup_add(&q.consumers, C);
    for (int i = 0; i < C; i++)
        assert_int_equal(gm_go(q_consumer, &q), 0);
    for (int i = 0; i < P; i++)
        assert_int_equal(gm_go(q_producer, &q), 0);
    gm_waitgroup_wait(&q.producers);
    gm_mutex_lock(&q.mu);
    q.closed = true;
    gm_cond_broadcast(&q.not_empty);
    gm_mutex_unlock(&q.mu);
    gm_waitgroup_wait(&q.consumers);
    int64_t n = q.per_producer;
    assert_int_equal(gm_atomic_i64_load(&q.count), P * n);
    assert_int_equal(gm_atomic_i64_load(&q.sum), P * (n * (n + 1) / 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signal_wakes_exactly_one_waiter),
        cmocka_unit_test(broadcast_wakes_every_waiter),
        cmocka_unit_test(a_signal_with_no_waiter_is_not_remembered),
        cmocka_unit_test(producer_consumer_with_predicate_loops_loses_no_wakeup),
    };
    return ST_RUN(tests);
}
