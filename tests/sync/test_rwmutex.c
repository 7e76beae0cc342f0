/*
 * tests/sync/test_rwmutex.c — gm_rwmutex (sync.RWMutex).
 *
 * Readers share the lock (two readers meet at a rendezvous while both hold
 * it: if readers excluded each other the rendezvous could never happen);
 * a writer excludes readers and writers; a writer that is waiting keeps
 * new readers out (established without sleeps: tryrlock fails exactly
 * while a writer is pending, and the late reader must find the writer's
 * critical section finished); writers are not starved by a stream of
 * overlapping readers; misuse is fatal with Go's messages.
 */
#include "sync_test.h"

/* ---- readers share ---- */

struct meet {
    gm_rwmutex rw;
    gm_atomic_i32 inside, met, timed_out;
    gm_waitgroup wg;
};

static void reader_meets_the_other(void *p)
{
    struct meet *m = p;
    gm_rwmutex_rlock(&m->rw);
    gm_atomic_i32_add(&m->inside, 1);
    /* wait, holding the read lock, until the other reader is inside too */
    if (ST_SPIN_UNTIL(gm_atomic_i32_load(&m->inside) >= 2))
        gm_atomic_i32_add(&m->met, 1);
    else
        gm_atomic_i32_add(&m->timed_out, 1);
    gm_rwmutex_runlock(&m->rw);
    gm_waitgroup_done(&m->wg);
}

static void two_readers_hold_the_read_lock_at_the_same_time(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct meet m = {0};
        gm_waitgroup_add(&m.wg, 2);
        assert_int_equal(gm_go(reader_meets_the_other, &m), 0);
        assert_int_equal(gm_go(reader_meets_the_other, &m), 0);
        gm_waitgroup_wait(&m.wg);
        assert_int_equal(gm_atomic_i32_load(&m.timed_out), 0);
        assert_int_equal(gm_atomic_i32_load(&m.met), 2);
        /* free again */
        assert_true(gm_rwmutex_trylock(&m.rw));
        gm_rwmutex_unlock(&m.rw);
    }
}

/* ---- writer excludes everybody ---- */

struct rw_excl {
    gm_rwmutex rw;
    int64_t value[8]; /* plain: written by writers, read by readers */
    gm_atomic_i32 readers, writers, violations, torn;
    int iters;
    gm_waitgroup wg;
};

static void excl_writer(void *p)
{
    struct rw_excl *e = p;
    for (int i = 0; i < e->iters; i++) {
        if (i % 4 == 0) {
            while (!gm_rwmutex_trylock(&e->rw))
                gm_gosched();
        } else {
            gm_rwmutex_lock(&e->rw);
        }
        if (gm_atomic_i32_add(&e->writers, 1) != 1 || gm_atomic_i32_load(&e->readers) != 0)
            gm_atomic_i32_add(&e->violations, 1);
        for (int k = 0; k < 8; k++)
            e->value[k]++;
        if (i % 64 == 0)
            gm_gosched();
        gm_atomic_i32_add(&e->writers, -1);
        gm_rwmutex_unlock(&e->rw);
    }
    gm_waitgroup_done(&e->wg);
}

static void excl_reader(void *p)
{
    struct rw_excl *e = p;
    for (int i = 0; i < 4 * e->iters; i++) {
        if (i % 4 == 0) {
            while (!gm_rwmutex_tryrlock(&e->rw))
                gm_gosched();
        } else {
            gm_rwmutex_rlock(&e->rw);
        }
        gm_atomic_i32_add(&e->readers, 1);
        if (gm_atomic_i32_load(&e->writers) != 0)
            gm_atomic_i32_add(&e->violations, 1);
        for (int k = 1; k < 8; k++) /* a writer updates all 8 at once */
            if (e->value[k] != e->value[0])
                gm_atomic_i32_add(&e->torn, 1);
        gm_atomic_i32_add(&e->readers, -1);
        gm_rwmutex_runlock(&e->rw);
    }
    gm_waitgroup_done(&e->wg);
}

static void writer_excludes_readers_and_other_writers(void **state)
{
    (void)state;
    static struct rw_excl e;
    memset(&e, 0, sizeof e);
    e.iters = ST_SCALED(20000);
    gm_waitgroup_add(&e.wg, 5);
    for (int i = 0; i < 2; i++)
        assert_int_equal(gm_go(excl_writer, &e), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(gm_go(excl_reader, &e), 0);
    gm_waitgroup_wait(&e.wg);
    assert_int_equal(gm_atomic_i32_load(&e.violations), 0);
    assert_int_equal(gm_atomic_i32_load(&e.torn), 0);
    for (int k = 0; k < 8; k++)
        assert_int_equal(e.value[k], 2 * (int64_t)e.iters);
}

/* ---- a waiting writer blocks new readers ---- */

#define LATE_READERS 3

struct pending {
    gm_rwmutex rw;
    gm_atomic_i32 writer_in, writer_done, reader_trying, reader_in, reader_saw_writer_done;
    gm_waitgroup wg;
};

static void pending_writer(void *p)
{
    struct pending *s = p;
    gm_rwmutex_lock(&s->rw);
    gm_atomic_i32_store(&s->writer_in, 1);
    st_sleep_ms(2); /* a late reader would get in now if it could */
    gm_atomic_i32_store(&s->writer_done, 1);
    gm_rwmutex_unlock(&s->rw);
    gm_waitgroup_done(&s->wg);
}

static void late_reader(void *p)
{
    struct pending *s = p;
    gm_atomic_i32_add(&s->reader_trying, 1);
    gm_rwmutex_rlock(&s->rw);
    gm_atomic_i32_add(&s->reader_in, 1);
    if (gm_atomic_i32_load(&s->writer_done) == 1)
        gm_atomic_i32_add(&s->reader_saw_writer_done, 1);
    gm_rwmutex_runlock(&s->rw);
    gm_waitgroup_done(&s->wg);
}

/* tryrlock fails exactly when a writer has announced itself (holds or
 * waits); a success is undone at once. */
static bool writer_pending(gm_rwmutex *rw)
{
    if (!gm_rwmutex_tryrlock(rw))
        return true;
    gm_rwmutex_runlock(rw);
    return false;
}

static void a_waiting_writer_blocks_new_readers(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct pending s = {0};
        gm_rwmutex_rlock(&s.rw); /* the reader already inside */
        gm_waitgroup_add(&s.wg, 1 + LATE_READERS);
        assert_int_equal(gm_go(pending_writer, &s), 0);
        ST_WAIT_UNTIL(writer_pending(&s.rw), "the writer announces itself");
        /* the writer waits for us: it cannot be in */
        assert_int_equal(gm_atomic_i32_load(&s.writer_in), 0);
        for (int i = 0; i < LATE_READERS; i++)
            assert_int_equal(gm_go(late_reader, &s), 0);
        ST_WAIT_UNTIL(gm_atomic_i32_load(&s.reader_trying) == LATE_READERS, "late readers started");
        if (round < 3)
            st_sleep_ms(20);
        /* the late readers must wait for the pending writer */
        assert_int_equal(gm_atomic_i32_load(&s.reader_in), 0);
        assert_int_equal(gm_atomic_i32_load(&s.writer_in), 0);
        gm_rwmutex_runlock(&s.rw);
        gm_waitgroup_wait(&s.wg);
        /* all of them got in, each after the writer was done */
        assert_int_equal(gm_atomic_i32_load(&s.reader_in), LATE_READERS);
        assert_int_equal(gm_atomic_i32_load(&s.reader_saw_writer_done), LATE_READERS);
    }
}

/* ---- writers are not starved ---- */

struct stream {
    gm_rwmutex rw;
    gm_atomic_bool stop;
    gm_atomic_i64 reads;
    gm_waitgroup wg;
};

static void overlapping_reader(void *p)
{
    struct stream *s = p;
    while (!gm_atomic_bool_load(&s->stop)) {
        gm_rwmutex_rlock(&s->rw);
        int64_t until = st_now_ns() + 20000; /* the readers overlap */
        while (st_now_ns() < until) {
        }
        gm_rwmutex_runlock(&s->rw);
        gm_atomic_i64_add(&s->reads, 1);
    }
    gm_waitgroup_done(&s->wg);
}

static void writer_is_not_starved_by_overlapping_readers(void **state)
{
    (void)state;
    const int64_t bound = (ST_SANITIZED ? 3 : 1) * ST_SEC;
    static struct stream s;
    memset(&s, 0, sizeof s);
    gm_waitgroup_add(&s.wg, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(gm_go(overlapping_reader, &s), 0);
    ST_WAIT_UNTIL(gm_atomic_i64_load(&s.reads) > 100, "readers looping");
    int64_t max = 0;
    for (int r = 0; r < 50; r++) {
        int64_t t0 = st_now_ns();
        gm_rwmutex_lock(&s.rw);
        int64_t w = st_now_ns() - t0;
        gm_rwmutex_unlock(&s.rw);
        max = w > max ? w : max;
        int64_t reads = gm_atomic_i64_load(&s.reads);
        ST_WAIT_UNTIL(gm_atomic_i64_load(&s.reads) > reads + 10, "readers resumed");
    }
    gm_atomic_bool_store(&s.stop, true);
    gm_waitgroup_wait(&s.wg);
    print_message("writer's longest wait: %.3f ms\n", max / 1e6);
    if (max >= bound)
        fail_msg("a writer waited %.3f ms behind a stream of readers (bound %.0f ms)", max / 1e6,
                 bound / 1e6);
}

/* ---- try operations ---- */

static void trylock_and_tryrlock(void **state)
{
    (void)state;
    gm_rwmutex rw = {0};
    assert_true(gm_rwmutex_tryrlock(&rw));
    assert_true(gm_rwmutex_tryrlock(&rw)); /* readers share */
    assert_false(gm_rwmutex_trylock(&rw));
    gm_rwmutex_runlock(&rw);
    assert_false(gm_rwmutex_trylock(&rw));
    gm_rwmutex_runlock(&rw);
    assert_true(gm_rwmutex_trylock(&rw));
    assert_false(gm_rwmutex_tryrlock(&rw));
    assert_false(gm_rwmutex_trylock(&rw));
    gm_rwmutex_unlock(&rw);
    gm_rwmutex_lock(&rw);
    gm_rwmutex_unlock(&rw);
    gm_rwmutex_rlock(&rw);
    gm_rwmutex_runlock(&rw);
    assert_true(gm_rwmutex_trylock(&rw));
    gm_rwmutex_unlock(&rw);
}

/* ---- misuse ---- */

static void child_runlock_unlocked(void *arg)
{
    (void)arg;
    gm_rwmutex rw = {0};
    gm_rwmutex_runlock(&rw);
}

static void child_runlock_while_write_locked(void *arg)
{
    (void)arg;
    gm_rwmutex rw = {0};
    gm_rwmutex_lock(&rw);
    gm_rwmutex_runlock(&rw);
}

static void child_unlock_unlocked(void *arg)
{
    (void)arg;
    gm_rwmutex rw = {0};
    gm_rwmutex_unlock(&rw);
}

static void child_unlock_read_locked(void *arg)
{
    (void)arg;
    gm_rwmutex rw = {0};
    gm_rwmutex_rlock(&rw);
    gm_rwmutex_unlock(&rw);
}

static void child_double_unlock(void *arg)
{
    (void)arg;
    gm_rwmutex rw = {0};
    gm_rwmutex_lock(&rw);
    gm_rwmutex_unlock(&rw);
    gm_rwmutex_unlock(&rw);
}

static void misuse_is_fatal_with_gos_messages(void **state)
{
    (void)state;
    ST_EXPECT_FATAL(child_runlock_unlocked, NULL, "sync: RUnlock of unlocked RWMutex");
    ST_EXPECT_FATAL(child_runlock_while_write_locked, NULL, "sync: RUnlock of unlocked RWMutex");
    ST_EXPECT_FATAL(child_unlock_unlocked, NULL, "sync: Unlock of unlocked RWMutex");
    ST_EXPECT_FATAL(child_unlock_read_locked, NULL, "sync: Unlock of unlocked RWMutex");
    ST_EXPECT_FATAL(child_double_unlock, NULL, "sync: Unlock of unlocked RWMutex");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_readers_hold_the_read_lock_at_the_same_time),
        cmocka_unit_test(writer_excludes_readers_and_other_writers),
        cmocka_unit_test(a_waiting_writer_blocks_new_readers),
        cmocka_unit_test(writer_is_not_starved_by_overlapping_readers),
        cmocka_unit_test(trylock_and_tryrlock),
        cmocka_unit_test(misuse_is_fatal_with_gos_messages),
    };
    return ST_RUN(tests);
}
