/*
 * tests/alloc/test_threads.c — multi-thread stress: random sizes, content
 * canaries, cross-thread frees, and thread churn.
 *
 * Four slots each run a sequence of short-lived worker threads (the main
 * thread joins a slot's worker and starts the next one while the other
 * slots keep going), so caches are released at thread exit, recycled for
 * new threads, and their spans orphaned while other threads still hold
 * objects in them. Objects travel between threads through mutex-protected
 * mailboxes and are freed by whoever receives them: the remote-free path,
 * including frees into full spans (the owner must be notified) and into
 * orphaned spans (the span goes to its central list).
 *
 * Every object carries a canary derived from its address and size, checked
 * before every free and realloc: an object handed out twice, or a free list
 * link written into a live object, shows up as a broken canary.
 *
 * The run is sized by iteration counts, never by time: GT_SCALED divides
 * them in sanitizer builds. All shared state is behind a mutex or atomic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <gomm/alloc.h>

#include "internal.h"
#include "test_util.h"

#define KIB ((size_t)1 << 10)

#define NSLOTS           4
#define WORKERS_TOTAL    32 /* threads started over the run */
#define ITERS_PER_WORKER GT_SCALED(120000)
#define LIVE_PER_WORKER  256
#define MAILBOX_CAP      2048

typedef struct item {
    void *p;
    size_t n;
} item;

typedef struct mailbox {
    pthread_mutex_t lock;
    item buf[MAILBOX_CAP];
    size_t head, len;
} mailbox;

static mailbox boxes[NSLOTS];
static atomic_ulong canary_failures;
static atomic_ulong null_allocs;
static atomic_ulong cross_frees;

static void boxes_init(void)
{
    for (int i = 0; i < NSLOTS; i++) {
        pthread_mutex_init(&boxes[i].lock, NULL);
        boxes[i].head = boxes[i].len = 0;
    }
}

static bool box_put(int slot, item it)
{
    mailbox *m = &boxes[slot];
    bool ok = false;
    pthread_mutex_lock(&m->lock);
    if (m->len < MAILBOX_CAP) {
        m->buf[(m->head + m->len) % MAILBOX_CAP] = it;
        m->len++;
        ok = true;
    }
    pthread_mutex_unlock(&m->lock);
    return ok;
}

/* Take up to max items out of the mailbox into out; returns how many. */
static size_t box_take(int slot, item *out, size_t max)
{
    mailbox *m = &boxes[slot];
    size_t k = 0;
    pthread_mutex_lock(&m->lock);
    while (k < max && m->len > 0) {
        out[k++] = m->buf[m->head];
        m->head = (m->head + 1) % MAILBOX_CAP;
        m->len--;
    }
    pthread_mutex_unlock(&m->lock);
    return k;
}

static void verify(item it)
{
    if (gt_canary_check(it.p, it.n) != (size_t)-1)
        atomic_fetch_add(&canary_failures, 1);
    if (gm_usable_size(it.p) < it.n)
        atomic_fetch_add(&canary_failures, 1);
}

static void verify_and_free(item it)
{
    verify(it);
    gm_free(it.p);
}

/* 8 B .. 64 KiB, mostly small: 85% <= 512 B, 12% <= 8 KiB, 3% up to
 * 64 KiB (large beyond 32 KiB). */
static size_t random_size(uint64_t *rng)
{
    uint64_t r = gt_rand(rng) % 100;
    if (r < 85)
        return gt_rand_range(rng, 8, 512);
    if (r < 97)
        return gt_rand_range(rng, 513, 8 * KIB);
    return gt_rand_range(rng, 8 * KIB + 1, 64 * KIB);
}

static item new_item(uint64_t *rng)
{
    item it = {NULL, random_size(rng)};
    it.p = gm_malloc(it.n);
    if (!it.p) {
        atomic_fetch_add(&null_allocs, 1);
        it.n = 0;
        return it;
    }
    gt_canary_write(it.p, it.n);
    return it;
}

/* Realloc keeps the first min(old, new) bytes: check them against the old
 * canary (a function of the old address, which is only used as a number),
 * then write the new block's canary. */
static item realloc_item(item it, uint64_t *rng)
{
    size_t n = random_size(rng);
    uintptr_t old = (uintptr_t)it.p;
    uint8_t *q = gm_realloc(it.p, n);
    if (!q) {
        atomic_fetch_add(&null_allocs, 1);
        return it; /* it.p is still valid */
    }
    size_t keep = n < it.n ? n : it.n;
    GT_CANARY_FOR(i, it.n)
    {
        if (i >= keep)
            break;
        if (q[i] != gt_canary_byte((const void *)old, it.n, i)) {
            atomic_fetch_add(&canary_failures, 1);
            break;
        }
    }
    item r = {q, n};
    gt_canary_write(q, n);
    return r;
}

struct worker_arg {
    int slot;
    uint64_t seed;
};

static void *worker(void *argp)
{
    struct worker_arg *arg = argp;
    int slot = arg->slot;
    uint64_t rng = arg->seed;
    item live[LIVE_PER_WORKER] = {{0}};
    item inbox[64];

    for (long it = 0; it < ITERS_PER_WORKER; it++) {
        uint64_t r = gt_rand(&rng) % 1000;
        if (r < 100) { /* receive: objects other threads sent us */
            size_t k = box_take(slot, inbox, 64);
            for (size_t j = 0; j < k; j++)
                verify_and_free(inbox[j]);
            atomic_fetch_add_explicit(&cross_frees, k, memory_order_relaxed);
            continue;
        }
        if (r == 100 && it % 7 == 0) { /* give the cache back mid-run */
            gm_thread_cache_flush();
            continue;
        }
        size_t i = (size_t)(gt_rand(&rng) % LIVE_PER_WORKER);
        if (live[i].p && r < 150) {
            verify(live[i]);
            live[i] = realloc_item(live[i], &rng);
            continue;
        }
        if (live[i].p) {
            verify(live[i]);
            int to = (int)(gt_rand(&rng) % NSLOTS);
            if (r < 450 && to != slot && box_put(to, live[i])) {
                /* sent: the receiver frees it */
            } else {
                gm_free(live[i].p);
            }
            live[i].p = NULL;
        }
        live[i] = new_item(&rng);
    }
    /* Leaving: what is still live goes to the mailboxes, our own slot's
     * included (our successor frees those), so objects outlive the cache
     * that made them. Whatever does not fit is freed here. */
    for (size_t i = 0; i < LIVE_PER_WORKER; i++) {
        if (!live[i].p)
            continue;
        verify(live[i]);
        if (!box_put((int)(i % NSLOTS), live[i]))
            gm_free(live[i].p);
    }
    return NULL;
}

static void drain_all_boxes(void)
{
    item buf[64];
    for (int s = 0; s < NSLOTS; s++) {
        size_t k;
        while ((k = box_take(s, buf, 64)) > 0)
            for (size_t j = 0; j < k; j++)
                verify_and_free(buf[j]);
    }
}

static void assert_heap_ok(void)
{
    const char *err = heap_check();
    if (err)
        fail_msg("heap_check: %s", err);
}

static void test_threads_with_cross_thread_frees_and_churn_keep_every_canary(void **state)
{
    (void)state;
    boxes_init();
    gm_memstats before, after;
    gm_read_memstats(&before);

    pthread_t th[NSLOTS];
    struct worker_arg args[WORKERS_TOTAL];
    for (int k = 0; k < WORKERS_TOTAL; k++) {
        int slot = k % NSLOTS;
        if (k >= NSLOTS)
            assert_int_equal(pthread_join(th[slot], NULL), 0);
        args[k].slot = slot;
        args[k].seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1);
        assert_int_equal(pthread_create(&th[slot], NULL, worker, &args[k]), 0);
    }
    for (int s = 0; s < NSLOTS; s++)
        assert_int_equal(pthread_join(th[s], NULL), 0);
    drain_all_boxes();

    assert_int_equal(atomic_load(&canary_failures), 0);
    assert_int_equal(atomic_load(&null_allocs), 0);
    assert_true(atomic_load(&cross_frees) > 0);
    assert_heap_ok();
    gm_read_memstats(&after);
    print_message("threads: %d workers x %ld iterations, %lu cross-thread frees, "
                  "%llu mallocs, heap_sys %llu MiB\n",
                  WORKERS_TOTAL, (long)ITERS_PER_WORKER, atomic_load(&cross_frees),
                  (unsigned long long)(after.mallocs - before.mallocs),
                  (unsigned long long)(after.heap_sys >> 20));
    assert_int_equal(after.heap_objects, before.heap_objects);
    assert_int_equal(after.heap_alloc, before.heap_alloc);
    assert_int_equal(after.large_objects, before.large_objects);
    assert_int_equal(after.heap_sys, after.heap_inuse + after.heap_idle);
    /* every worker has exited: only the main thread may hold a cache */
    assert_true(after.num_threads <= 1);
    gm_free_os_memory();
    assert_heap_ok();
}

/* ---- producer/consumer: one side only allocates, the other only frees ----
 * The producers' spans fill up and go to their full lists, so nearly every
 * consumer free lands in a full span of a live owner (the notify path). */

#define PC_CAP          512
#define PC_PER_PRODUCER GT_SCALED(300000)

static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    item buf[PC_CAP];
    size_t head, len;
    int producers_left;
} pc = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .not_empty = PTHREAD_COND_INITIALIZER,
        .not_full = PTHREAD_COND_INITIALIZER};

static void *producer(void *arg)
{
    uint64_t rng = (uint64_t)(uintptr_t)arg;
    for (long i = 0; i < PC_PER_PRODUCER; i++) {
        item it = {NULL, gt_rand(&rng) % 4 == 0 ? gt_rand_range(&rng, 8, 2048)
                                                : gt_rand_range(&rng, 8, 64)};
        it.p = gm_malloc(it.n);
        if (!it.p) {
            atomic_fetch_add(&null_allocs, 1);
            continue;
        }
        gt_canary_write(it.p, it.n);
        pthread_mutex_lock(&pc.lock);
        while (pc.len == PC_CAP)
            pthread_cond_wait(&pc.not_full, &pc.lock);
        pc.buf[(pc.head + pc.len) % PC_CAP] = it;
        pc.len++;
        pthread_cond_signal(&pc.not_empty);
        pthread_mutex_unlock(&pc.lock);
    }
    pthread_mutex_lock(&pc.lock);
    pc.producers_left--;
    pthread_cond_broadcast(&pc.not_empty);
    pthread_mutex_unlock(&pc.lock);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        item batch[32];
        size_t k = 0;
        pthread_mutex_lock(&pc.lock);
        while (pc.len == 0 && pc.producers_left > 0)
            pthread_cond_wait(&pc.not_empty, &pc.lock);
        while (k < 32 && pc.len > 0) {
            batch[k++] = pc.buf[pc.head];
            pc.head = (pc.head + 1) % PC_CAP;
            pc.len--;
        }
        bool done = k == 0 && pc.producers_left == 0;
        pthread_cond_broadcast(&pc.not_full);
        pthread_mutex_unlock(&pc.lock);
        if (done)
            return NULL;
        for (size_t j = 0; j < k; j++)
            verify_and_free(batch[j]);
    }
}

static void test_objects_freed_by_consumers_come_back_to_producers(void **state)
{
    (void)state;
    gm_memstats before, after;
    gm_read_memstats(&before);
    pc.producers_left = 2;
    pthread_t p[2], c[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&p[i], NULL, producer, (void *)(uintptr_t)(i + 11)), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&c[i], NULL, consumer, NULL), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(p[i], NULL), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(c[i], NULL), 0);
    assert_int_equal(pc.len, 0);
    assert_int_equal(atomic_load(&canary_failures), 0);
    assert_int_equal(atomic_load(&null_allocs), 0);
    assert_heap_ok();
    gm_read_memstats(&after);
    assert_int_equal(after.heap_objects, before.heap_objects);
    assert_int_equal(after.heap_alloc, before.heap_alloc);
    /* at most PC_CAP objects (plus a batch per consumer) were ever live at
     * once, so freed objects must have been reused: 600k objects of up to
     * 2 KiB did not each get new memory */
    assert_true(after.heap_sys - before.heap_sys <= (uint64_t)256 << 20);
}

/* ---- one thread allocates everything, then exits; others free it all ----
 * Every span of the exiting thread is orphaned with live objects; the
 * frees then list it centrally and, once empty, give it back. */

#define ORPHAN_N GT_SCALED(60000)
static item orphan_items[60000];

static void *alloc_all_then_exit(void *arg)
{
    uint64_t rng = (uint64_t)(uintptr_t)arg;
    for (long i = 0; i < ORPHAN_N; i++) {
        item it = {NULL, random_size(&rng)};
        it.p = gm_malloc(it.n);
        if (!it.p) {
            atomic_fetch_add(&null_allocs, 1);
            it.n = 0;
        } else {
            gt_canary_write(it.p, it.n);
        }
        orphan_items[i] = it;
    }
    return NULL;
}

struct range {
    long from, to;
};

static void *free_range(void *arg)
{
    struct range *r = arg;
    for (long i = r->from; i < r->to; i++)
        if (orphan_items[i].p)
            verify_and_free(orphan_items[i]);
    return NULL;
}

static void test_objects_of_an_exited_thread_can_be_freed_by_others(void **state)
{
    (void)state;
    gm_memstats before, after;
    gm_read_memstats(&before);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, alloc_all_then_exit, (void *)(uintptr_t)5), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_heap_ok();
    /* three threads free interleaved thirds, so every span sees frees from
     * several threads */
    struct range r[3];
    pthread_t f[3];
    long third = ORPHAN_N / 3;
    for (int i = 0; i < 3; i++) {
        r[i].from = i * third;
        r[i].to = i == 2 ? ORPHAN_N : (i + 1) * third;
        assert_int_equal(pthread_create(&f[i], NULL, free_range, &r[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_join(f[i], NULL), 0);
    assert_int_equal(atomic_load(&canary_failures), 0);
    assert_heap_ok();
    gm_read_memstats(&after);
    assert_int_equal(after.heap_objects, before.heap_objects);
    /* the orphaned spans are all free now: reclaiming gives them back */
    gm_free_os_memory();
    gm_read_memstats(&after);
    assert_int_equal(after.heap_released, after.heap_idle);
    assert_heap_ok();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_with_cross_thread_frees_and_churn_keep_every_canary),
        cmocka_unit_test(test_objects_freed_by_consumers_come_back_to_producers),
        cmocka_unit_test(test_objects_of_an_exited_thread_can_be_freed_by_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
