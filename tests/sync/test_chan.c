/*
 * tests/sync/test_chan.c — channels: make, send, recv, try ops, close, len, cap.
 *
 * Go's semantics: an unbuffered channel is a rendezvous, a buffered one a
 * FIFO; close wakes every blocked receiver (false, zeroed out, after the
 * buffer drained) and every blocked sender (fatal error); a NULL channel
 * is never ready. Fatal errors run in forked children: exit status 2 and
 * "gomm: fatal error: <message>" on stderr.
 *
 * "Blocked" is established without sleeps where the API allows it: a
 * try_send on an unbuffered channel succeeds only if a receiver is parked,
 * a try_recv only if a sender is. Where it does not (close waking parked
 * threads), a short sleep makes the interesting interleaving likely; the
 * verdict holds either way.
 *
 * The NULL-channel deadlock case needs the deadlock detector, which stands
 * down under ThreadSanitizer (its background thread is a thread gomm does
 * not know): that case is skipped there.
 */
#include "sync_test.h"

/* ---- unbuffered rendezvous ---- */

struct rv {
    gm_chan *c;
    gm_atomic_i32 before, after;
    int64_t value;
    bool ok;
    gm_waitgroup wg;
};

static void rv_sender(void *p)
{
    struct rv *r = p;
    int64_t v = 1234;
    gm_atomic_i32_store(&r->before, 1);
    gm_chan_send(r->c, &v);
    gm_atomic_i32_store(&r->after, 1);
    gm_waitgroup_done(&r->wg);
}

static void rv_receiver(void *p)
{
    struct rv *r = p;
    gm_atomic_i32_store(&r->before, 1);
    r->ok = gm_chan_recv(r->c, &r->value);
    gm_atomic_i32_store(&r->after, 1);
    gm_waitgroup_done(&r->wg);
}

static void unbuffered_send_blocks_until_a_receiver_arrives(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct rv r = {.c = gm_chan_make(sizeof(int64_t), 0)};
        gm_waitgroup_add(&r.wg, 1);
        assert_int_equal(gm_go(rv_sender, &r), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&r.before), "sender started");
        if (round < 3)
            st_sleep_ms(20);
        /* no receiver yet: the send cannot have completed */
        assert_int_equal(gm_atomic_i32_load(&r.after), 0);
        assert_int_equal(gm_chan_len(r.c), 0);
        int64_t v = 0;
        assert_true(gm_chan_recv(r.c, &v));
        assert_int_equal(v, 1234);
        gm_waitgroup_wait(&r.wg);
        assert_int_equal(gm_atomic_i32_load(&r.after), 1);
        gm_chan_free(r.c);
    }
}

static void unbuffered_recv_blocks_until_a_sender_arrives(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct rv r = {.c = gm_chan_make(sizeof(int64_t), 0)};
        gm_waitgroup_add(&r.wg, 1);
        assert_int_equal(gm_go(rv_receiver, &r), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&r.before), "receiver started");
        if (round < 3)
            st_sleep_ms(20);
        assert_int_equal(gm_atomic_i32_load(&r.after), 0);
        int64_t v = 99;
        /* a parked receiver makes try_send succeed: no sleep needed */
        ST_WAIT_UNTIL(gm_chan_try_send(r.c, &v), "try_send to a parked receiver");
        gm_waitgroup_wait(&r.wg);
        assert_true(r.ok);
        assert_int_equal(r.value, 99);
        gm_chan_free(r.c);
    }
}

static void unbuffered_try_ops_fail_without_a_partner(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 0);
    int v = 5;
    bool ok = true;
    assert_false(gm_chan_try_send(c, &v));
    assert_false(gm_chan_try_recv(c, &v, &ok));
    assert_int_equal(gm_chan_len(c), 0);
    assert_int_equal(gm_chan_cap(c), 0);
    gm_chan_free(c);
}

/* A send and its receive synchronize (both ways when unbuffered): plain
 * data handed over by pointer is seen complete (TSan checks the edge). */
struct handoff {
    gm_chan *req, *ack;
    int rounds;
    gm_waitgroup done; /* the echo has returned from its last channel call */
};

struct msg {
    uint64_t words[32];
};

static void handoff_echo(void *p)
{
    struct handoff *h = p;
    struct msg *m;
    while (gm_chan_recv(h->req, &m)) {
        for (int i = 0; i < 32; i++)
            m->words[i] += 1; /* read and write the sender's plain memory */
        gm_chan_send(h->ack, &m);
    }
    gm_chan_close(h->ack);
    gm_waitgroup_done(&h->done);
}

static void send_and_receive_publish_plain_memory_both_ways(void **state)
{
    (void)state;
    struct handoff h = {
        gm_chan_make(sizeof(void *), 0), gm_chan_make(sizeof(void *), 0), ST_SCALED(5000), {0}};
    gm_waitgroup_add(&h.done, 1);
    assert_int_equal(gm_go(handoff_echo, &h), 0);
    static struct msg m;
    for (int r = 0; r < h.rounds; r++) {
        for (int i = 0; i < 32; i++)
            m.words[i] = (uint64_t)r * 100 + (uint64_t)i;
        struct msg *p = &m, *back = NULL;
        gm_chan_send(h.req, &p);
        assert_true(gm_chan_recv(h.ack, &back));
        assert_ptr_equal(back, &m);
        for (int i = 0; i < 32; i++)
            assert_int_equal(m.words[i], (uint64_t)r * 100 + (uint64_t)i + 1);
    }
    gm_chan_close(h.req);
    assert_false(gm_chan_recv(h.ack, NULL)); /* the echo closed it */
    /* gm_chan_free needs "no users": the echo may still be inside close */
    gm_waitgroup_wait(&h.done);
    gm_chan_free(h.req);
    gm_chan_free(h.ack);
}

/* ---- buffered ---- */

static void buffered_channel_is_a_fifo_with_len_and_cap(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 16);
    assert_int_equal(gm_chan_cap(c), 16);
    assert_int_equal(gm_chan_len(c), 0);
    for (int round = 0; round < 5; round++) { /* wraps the ring several times */
        for (int i = 0; i < 16; i++) {
            int v = round * 100 + i;
            if (i % 2)
                gm_chan_send(c, &v);
            else
                assert_true(gm_chan_try_send(c, &v));
            assert_int_equal(gm_chan_len(c), (size_t)i + 1);
        }
        int extra = -1;
        assert_false(gm_chan_try_send(c, &extra)); /* full */
        for (int i = 0; i < 7; i++) {
            int v = -1;
            assert_true(gm_chan_recv(c, &v));
            assert_int_equal(v, round * 100 + i);
        }
        for (int i = 7; i < 16; i++) {
            int v = -1;
            bool ok = false;
            assert_true(gm_chan_try_recv(c, &v, &ok));
            assert_true(ok);
            assert_int_equal(v, round * 100 + i);
            assert_int_equal(gm_chan_len(c), 15 - (size_t)i);
        }
        bool ok = true;
        assert_false(gm_chan_try_recv(c, &extra, &ok)); /* empty */
        assert_int_equal(gm_chan_cap(c), 16);
    }
    gm_chan_free(c);
}

/* A producer that keeps a small buffer full (so it parks, and receivers
 * move a parked sender's value to the tail) still delivers in order. */
struct seq_prod {
    gm_chan *c;
    int n;
    gm_waitgroup done;
};

static void seq_producer(void *p)
{
    struct seq_prod *s = p;
    for (int i = 0; i < s->n; i++)
        gm_chan_send(s->c, &i);
    gm_chan_close(s->c);
    gm_waitgroup_done(&s->done);
}

static void buffered_fifo_holds_with_parked_senders(void **state)
{
    (void)state;
    size_t caps[] = {1, 2, 3, 64};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        struct seq_prod s = {gm_chan_make(sizeof(int), caps[k]), ST_SCALED(100000), {0}};
        gm_waitgroup_add(&s.done, 1);
        assert_int_equal(gm_go(seq_producer, &s), 0);
        int v, want = 0;
        while (gm_chan_recv(s.c, &v)) {
            if (v != want)
                fail_msg("cap %zu: received %d, want %d", caps[k], v, want);
            want++;
            assert_true(gm_chan_len(s.c) <= caps[k]);
        }
        assert_int_equal(want, s.n);
        gm_waitgroup_wait(&s.done); /* out of close before the free */
        gm_chan_free(s.c);
    }
}

/* Capacity C as a counting semaphore (Go's rule: the k-th receive happens
 * before the (k+C)-th send completes): at most C holders at once. */
struct sem {
    gm_chan *tokens;
    gm_atomic_i32 inside, max_inside;
    gm_waitgroup wg;
    int iters;
};

static void sem_worker(void *p)
{
    struct sem *s = p;
    for (int i = 0; i < s->iters; i++) {
        int tok = 0;
        gm_chan_send(s->tokens, &tok); /* acquire */
        int32_t in = gm_atomic_i32_add(&s->inside, 1);
        int32_t m = gm_atomic_i32_load(&s->max_inside);
        while (in > m && !gm_atomic_i32_cas(&s->max_inside, m, in))
            m = gm_atomic_i32_load(&s->max_inside);
        if (i % 16 == 0)
            gm_gosched();
        gm_atomic_i32_add(&s->inside, -1);
        gm_chan_recv(s->tokens, NULL); /* release */
    }
    gm_waitgroup_done(&s->wg);
}

static void buffered_channel_bounds_concurrency_like_a_semaphore(void **state)
{
    (void)state;
    static struct sem s;
    memset(&s, 0, sizeof s);
    s.tokens = gm_chan_make(sizeof(int), 2);
    s.iters = ST_SCALED(20000);
    gm_waitgroup_add(&s.wg, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(gm_go(sem_worker, &s), 0);
    gm_waitgroup_wait(&s.wg);
    int32_t max = gm_atomic_i32_load(&s.max_inside);
    assert_true(max >= 1);
    assert_true(max <= 2);
    assert_int_equal(gm_chan_len(s.tokens), 0);
    gm_chan_free(s.tokens);
}

/* ---- close ---- */

static void recv_after_close_returns_false_and_zeroes_out(void **state)
{
    (void)state;
    size_t caps[] = {0, 1, 5};
    for (size_t k = 0; k < 3; k++) {
        gm_chan *c = gm_chan_make(24, caps[k]);
        gm_chan_close(c);
        unsigned char out[24];
        for (int i = 0; i < 3; i++) {
            memset(out, 0xAA, sizeof out);
            assert_false(gm_chan_recv(c, out));
            for (size_t j = 0; j < sizeof out; j++)
                assert_int_equal(out[j], 0);
        }
        assert_false(gm_chan_recv(c, NULL)); /* out may be NULL */
        memset(out, 0xAA, sizeof out);
        bool ok = true;
        assert_true(gm_chan_try_recv(c, out, &ok)); /* completes: closed */
        assert_false(ok);
        for (size_t j = 0; j < sizeof out; j++)
            assert_int_equal(out[j], 0);
        assert_true(gm_chan_try_recv(c, NULL, NULL));
        assert_int_equal(gm_chan_len(c), 0);
        assert_int_equal(gm_chan_cap(c), caps[k]);
        gm_chan_free(c);
    }
}

static void receive_after_close_drains_the_buffer_first(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 8);
    for (int i = 0; i < 5; i++)
        gm_chan_send(c, &i);
    gm_chan_close(c);
    assert_int_equal(gm_chan_len(c), 5);
    for (int i = 0; i < 5; i++) {
        int v = -1;
        bool ok = false;
        if (i % 2) {
            assert_true(gm_chan_recv(c, &v));
        } else {
            assert_true(gm_chan_try_recv(c, &v, &ok));
            assert_true(ok);
        }
        assert_int_equal(v, i);
        assert_int_equal(gm_chan_len(c), 4 - (size_t)i);
    }
    int v = 7;
    assert_false(gm_chan_recv(c, &v));
    assert_int_equal(v, 0);
    gm_chan_free(c);
}

#define NWAITERS 8

struct closer {
    gm_chan *c;
    gm_atomic_i32 started, returned, got_false, zeroed;
};

static void blocked_receiver(void *p)
{
    struct closer *s = p;
    int64_t out = -1;
    gm_atomic_i32_add(&s->started, 1);
    bool r = gm_chan_recv(s->c, &out);
    if (!r)
        gm_atomic_i32_add(&s->got_false, 1);
    if (out == 0)
        gm_atomic_i32_add(&s->zeroed, 1);
    gm_atomic_i32_add(&s->returned, 1);
}

static void close_wakes_every_blocked_receiver(void **state)
{
    (void)state;
    size_t caps[] = {0, 4};
    for (size_t k = 0; k < 2; k++) {
        static struct closer s;
        memset(&s, 0, sizeof s);
        s.c = gm_chan_make(sizeof(int64_t), caps[k]);
        for (int i = 0; i < NWAITERS; i++)
            assert_int_equal(gm_go(blocked_receiver, &s), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&s.started) == NWAITERS, "receivers started");
        st_sleep_ms(30); /* let them park */
        assert_int_equal(gm_atomic_i32_load(&s.returned), 0);
        gm_chan_close(s.c);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&s.returned) == NWAITERS,
                      "every blocked receiver returns after close");
        assert_int_equal(gm_atomic_i32_load(&s.got_false), NWAITERS);
        assert_int_equal(gm_atomic_i32_load(&s.zeroed), NWAITERS);
        gm_chan_free(s.c);
    }
}

static void blocked_sender_fn(void *p)
{
    int64_t v = 1;
    gm_chan_send(p, &v);
    _exit(0); /* the send returned: wrong */
}

static void child_close_with_blocked_senders(void *arg)
{
    size_t cap = (size_t)(uintptr_t)arg;
    gm_chan *c = gm_chan_make(sizeof(int64_t), cap);
    for (size_t i = 0; i < cap; i++) { /* fill the buffer */
        int64_t v = 7;
        gm_chan_send(c, &v);
    }
    for (int i = 0; i < 3; i++)
        if (gm_go(blocked_sender_fn, c) != 0)
            _exit(3);
    st_sleep_ms(50); /* let them park */
    gm_chan_close(c);
    st_sleep_ms(5000); /* a woken sender ends the process first */
    _exit(1);
}

static void close_wakes_every_blocked_sender_with_a_fatal_error(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_close_with_blocked_senders, (void *)(uintptr_t)0,
                    "send on closed channel");
    ST_EXPECT_FATAL(child_close_with_blocked_senders, (void *)(uintptr_t)2,
                    "send on closed channel");
}

static void child_send_on_closed(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 4);
    gm_chan_close(c);
    int v = 1;
    gm_chan_send(c, &v);
}

static void child_try_send_on_closed(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 0);
    gm_chan_close(c);
    int v = 1;
    gm_chan_try_send(c, &v);
}

static void child_close_of_closed(void *arg)
{
    (void)arg;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    gm_chan_close(c);
    gm_chan_close(c);
}

static void child_close_of_nil(void *arg)
{
    (void)arg;
    gm_chan_close(st_launder(NULL));
}

static void misuse_is_fatal_with_gos_messages(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_send_on_closed, NULL, "send on closed channel");
    ST_EXPECT_FATAL(child_try_send_on_closed, NULL, "send on closed channel");
    ST_EXPECT_FATAL(child_close_of_closed, NULL, "close of closed channel");
    ST_EXPECT_FATAL(child_close_of_nil, NULL, "close of nil channel");
}

static void try_ops_on_full_empty_and_closed_channels(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(int), 1);
    int v = 10, out = -1;
    bool ok = true;
    assert_false(gm_chan_try_recv(c, &out, &ok)); /* empty */
    assert_int_equal(out, -1);
    assert_true(gm_chan_try_send(c, &v));
    v = 11;
    assert_false(gm_chan_try_send(c, &v)); /* full */
    assert_int_equal(gm_chan_len(c), 1);
    gm_chan_close(c);
    ok = false;
    assert_true(gm_chan_try_recv(c, &out, &ok)); /* closed, not drained */
    assert_true(ok);
    assert_int_equal(out, 10);
    ok = true;
    assert_true(gm_chan_try_recv(c, &out, &ok)); /* closed and drained */
    assert_false(ok);
    assert_int_equal(out, 0);
    gm_chan_free(c);
}

/* ---- NULL channel ---- */

static void nil_channel_try_ops_fail_and_len_cap_are_zero(void **state)
{
    (void)state;
    gm_chan *nil = st_launder(NULL);
    int v = 3;
    bool ok = true;
    assert_false(gm_chan_try_send(nil, &v));
    assert_false(gm_chan_try_recv(nil, &v, &ok));
    assert_int_equal(v, 3);
    assert_int_equal(gm_chan_len(nil), 0);
    assert_int_equal(gm_chan_cap(nil), 0);
}

static void child_nil_send_with_another_thread(void *arg)
{
    (void)arg;
    st_exit_later(300, 42); /* a plain thread: no deadlock report */
    int v = 1;
    gm_chan_send(st_launder(NULL), &v);
    _exit(1); /* returned: wrong */
}

static void child_nil_recv_with_another_thread(void *arg)
{
    (void)arg;
    st_exit_later(300, 42);
    int v;
    gm_chan_recv(st_launder(NULL), &v);
    _exit(1);
}

static void nil_channel_blocking_ops_block_forever(void **state)
{
    (void)state;
    ST_EXPECT_EXIT(child_nil_send_with_another_thread, NULL, 42);
    ST_EXPECT_EXIT(child_nil_recv_with_another_thread, NULL, 42);
}

static void child_nil_recv_alone(void *arg)
{
    (void)arg;
    gm_chan_recv(st_launder(NULL), NULL);
    _exit(1);
}

static void nil_channel_recv_alone_is_a_deadlock(void **state)
{
    (void)state;
#if defined(ST_TSAN)
    /* TSan's background thread is a thread gomm does not know: the
     * deadlock detector rightly stands down. */
    skip();
#endif
    ST_EXPECT_FATAL(child_nil_recv_alone, NULL, "all goroutines are asleep - deadlock!");
}

/* ---- element sizes ---- */

struct zs {
    gm_chan *c;
    int n;
    gm_atomic_i32 got;
    gm_waitgroup done;
};

static void zs_receiver(void *p)
{
    struct zs *z = p;
    while (gm_chan_recv(z->c, NULL))
        gm_atomic_i32_add(&z->got, 1);
    gm_waitgroup_done(&z->done);
}

static void zero_size_elements(void **state)
{
    (void)state;
    char dummy = 0;
    gm_chan *c = gm_chan_make(0, 4);
    assert_int_equal(gm_chan_cap(c), 4);
    for (int i = 0; i < 4; i++)
        gm_chan_send(c, &dummy);
    assert_int_equal(gm_chan_len(c), 4);
    assert_false(gm_chan_try_send(c, &dummy));
    gm_chan_close(c);
    for (int i = 0; i < 4; i++)
        assert_true(gm_chan_recv(c, i % 2 ? NULL : &dummy));
    assert_false(gm_chan_recv(c, NULL));
    gm_chan_free(c);

    /* unbuffered, with a partner */
    struct zs z = {gm_chan_make(0, 0), ST_SCALED(20000), {0}, {0}};
    gm_waitgroup_add(&z.done, 1);
    assert_int_equal(gm_go(zs_receiver, &z), 0);
    for (int i = 0; i < z.n; i++)
        gm_chan_send(z.c, &dummy);
    gm_chan_close(z.c);
    gm_waitgroup_wait(&z.done); /* its last recv has returned */
    assert_int_equal(gm_atomic_i32_load(&z.got), z.n);
    gm_chan_free(z.c);
}

#define BIG 65535 /* the largest element allowed (64 KiB is fatal) */

static void fill_big(unsigned char *b, int tag)
{
    for (size_t i = 0; i < BIG; i++)
        b[i] = (unsigned char)(i * 31 + (size_t)tag * 7);
}

static bool check_big(const unsigned char *b, int tag)
{
    for (size_t i = 0; i < BIG; i++)
        if (b[i] != (unsigned char)(i * 31 + (size_t)tag * 7))
            return false;
    return true;
}

struct big_pipe {
    gm_chan *c;
    int n;
    gm_atomic_i32 bad, got;
    gm_waitgroup done;
};

static void big_receiver(void *p)
{
    struct big_pipe *b = p;
    unsigned char *buf = gm_malloc(BIG);
    int tag = 0;
    while (gm_chan_recv(b->c, buf)) {
        if (!check_big(buf, tag++))
            gm_atomic_i32_add(&b->bad, 1);
        gm_atomic_i32_add(&b->got, 1);
    }
    gm_free(buf);
    gm_waitgroup_done(&b->done);
}

static void large_elements(void **state)
{
    (void)state;
    unsigned char *buf = gm_malloc(BIG);
    size_t caps[] = {0, 3};
    for (size_t k = 0; k < 2; k++) {
        struct big_pipe b = {gm_chan_make(BIG, caps[k]), 40, {0}, {0}, {0}};
        gm_waitgroup_add(&b.done, 1);
        assert_int_equal(gm_go(big_receiver, &b), 0);
        for (int i = 0; i < b.n; i++) {
            fill_big(buf, i);
            gm_chan_send(b.c, buf);
            memset(buf, 0, BIG); /* the channel holds its own copy */
        }
        gm_chan_close(b.c);
        gm_waitgroup_wait(&b.done); /* its last recv has returned */
        assert_int_equal(gm_atomic_i32_load(&b.got), b.n);
        assert_int_equal(gm_atomic_i32_load(&b.bad), 0);
        gm_chan_free(b.c);
    }
    gm_free(buf);
}

static void child_make_64k(void *arg)
{
    (void)arg;
    gm_chan_make(65536, 1);
}

static void child_make_overflow(void *arg)
{
    (void)arg;
    gm_chan_make(16, SIZE_MAX / 8);
}

static void make_rejects_64k_elements_and_overflowing_sizes(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_make_64k, NULL, "makechan: invalid channel element type");
    ST_EXPECT_FATAL(child_make_overflow, NULL, "makechan: size out of range");
}

/* ---- many senders and receivers on one channel ---- */

struct mpmc {
    gm_chan *c;
    int per_sender;
    gm_atomic_i64 sum;
    gm_atomic_i32 count;
    gm_waitgroup senders, receivers;
};

static void mpmc_sender(void *p)
{
    struct mpmc *m = p;
    for (int i = 1; i <= m->per_sender; i++) {
        int64_t v = i;
        gm_chan_send(m->c, &v);
    }
    gm_waitgroup_done(&m->senders);
}

static void mpmc_receiver(void *p)
{
    struct mpmc *m = p;
    int64_t v, sum = 0;
    int32_t n = 0;
    while (gm_chan_recv(m->c, &v)) {
        sum += v;
        n++;
    }
    gm_atomic_i64_add(&m->sum, sum);
    gm_atomic_i32_add(&m->count, n);
    gm_waitgroup_done(&m->receivers);
}

static void many_senders_and_receivers_lose_and_duplicate_nothing(void **state)
{
    (void)state;
    size_t caps[] = {0, 1, 32};
    for (size_t k = 0; k < 3; k++) {
        struct mpmc m = {.c = gm_chan_make(sizeof(int64_t), caps[k]),
                         .per_sender = ST_SCALED(50000)};
        gm_waitgroup_add(&m.senders, 4);
        gm_waitgroup_add(&m.receivers, 4);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(gm_go(mpmc_sender, &m), 0);
            assert_int_equal(gm_go(mpmc_receiver, &m), 0);
        }
        gm_waitgroup_wait(&m.senders);
        gm_chan_close(m.c);
        gm_waitgroup_wait(&m.receivers);
        int64_t n = m.per_sender;
        assert_int_equal(gm_atomic_i32_load(&m.count), 4 * n);
        assert_int_equal(gm_atomic_i64_load(&m.sum), 4 * (n * (n + 1) / 2));
        gm_chan_free(m.c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unbuffered_send_blocks_until_a_receiver_arrives),
        cmocka_unit_test(unbuffered_recv_blocks_until_a_sender_arrives),
        cmocka_unit_test(unbuffered_try_ops_fail_without_a_partner),
        cmocka_unit_test(send_and_receive_publish_plain_memory_both_ways),
        cmocka_unit_test(buffered_channel_is_a_fifo_with_len_and_cap),
        cmocka_unit_test(buffered_fifo_holds_with_parked_senders),
        cmocka_unit_test(buffered_channel_bounds_concurrency_like_a_semaphore),
        cmocka_unit_test(recv_after_close_returns_false_and_zeroes_out),
        cmocka_unit_test(receive_after_close_drains_the_buffer_first),
        cmocka_unit_test(close_wakes_every_blocked_receiver),
        cmocka_unit_test(close_wakes_every_blocked_sender_with_a_fatal_error),
        cmocka_unit_test(misuse_is_fatal_with_gos_messages),
        cmocka_unit_test(try_ops_on_full_empty_and_closed_channels),
        cmocka_unit_test(nil_channel_try_ops_fail_and_len_cap_are_zero),
        cmocka_unit_test(nil_channel_blocking_ops_block_forever),
        cmocka_unit_test(nil_channel_recv_alone_is_a_deadlock),
        cmocka_unit_test(zero_size_elements),
        cmocka_unit_test(large_elements),
        cmocka_unit_test(make_rejects_64k_elements_and_overflowing_sizes),
        cmocka_unit_test(many_senders_and_receivers_lose_and_duplicate_nothing),
    };
    return ST_RUN(tests);
}
