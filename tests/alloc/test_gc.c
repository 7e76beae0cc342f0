/*
 * tests/alloc/test_gc.c — the garbage collector: what is collected, what
 * is kept and by which root, typed and noscan objects, finalizers, stops
 * with blocked threads, pacing, GOMM_GCTRACE.
 *
 * Collection is observed through finalizers (a finalizer runs iff the
 * collector found its object unreachable) and the memstats counters.
 * Objects meant to die are made in noinline helpers that return nothing,
 * so no copy of their address stays in the test's frame or registers:
 * gm_gc scans its caller's stack from gm_gc's own frame up, never the
 * dead frames below it. The same binary runs again with GOMM_GC=stw.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gomm/gomm.h>

#include "test_util.h"

static int64_t gt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define CANARY 0x5eed5eed5eed5eedull

typedef struct node {
    uint64_t canary;
    struct node *next;
    uint64_t value;
} node;

static _Atomic int fin_runs;
static _Atomic uint64_t fin_sum; /* sum of the finalized nodes' values */

/* Each test is an epoch (new_epoch, its setup), passed to the finalizer
 * as arg: a finalizer that runs late (the collector is conservative: a
 * stale copy of an address in a dead stack slot can keep an object for a
 * while) counts for the test that made the object, not for the next. */
static _Atomic uintptr_t epoch;

static int new_epoch(void **state)
{
    (void)state;
    atomic_fetch_add(&epoch, 1);
    return 0;
}

static void count_fin(void *obj, void *arg)
{
    if ((uintptr_t)arg != atomic_load(&epoch))
        return;
    node *n = obj;
    atomic_fetch_add(&fin_sum, n->value);
    atomic_fetch_add(&fin_runs, 1);
}

/* Wait (bounded) until at least want finalizers have run in total. */
static int wait_fins(int want)
{
    for (int i = 0; i < 2000 && atomic_load(&fin_runs) < want; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(&fin_runs);
}

static node *new_node(uint64_t value, bool with_fin)
{
    node *n = gm_new(sizeof *n);
    assert_non_null(n);
    n->canary = CANARY;
    n->value = value;
    if (with_fin)
        gm_gc_set_finalizer(n, count_fin, (void *)atomic_load(&epoch));
    return n;
}

/* Zero the stack below the caller's frame, before each collection: stale
 * copies of an object's address in dead frames would otherwise end up in
 * the uninitialized parts of gm_gc's frames, which the collector scans
 * (the tests check exact counts; a conservative collector may keep such
 * an object). */
static __attribute__((noinline)) void scrub_stack(void)
{
    volatile uintptr_t words[2048];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        words[i] = 0;
}

static void gc_n(int n)
{
    scrub_stack();
    for (int i = 0; i < n; i++)
        gm_gc();
}

/* ---------- unreachable objects are collected, memory reused ---------- */

static __attribute__((noinline)) void make_garbage(int n, bool fin)
{
    for (int i = 0; i < n; i++)
        (void)new_node(1, fin);
}

static void test_unreachable_objects_are_collected_and_memory_reused(void **state)
{
    (void)state;
    gm_gc();
    int base = atomic_load(&fin_runs);
    make_garbage(1000, true);
    gc_n(2);
    /* all of them, but for the odd one a stale word still pins (a dead
     * stack slot, a register a thread inherited: the collector is
     * conservative, as Boehm GC's own tests allow for) */
    int got = wait_fins(base + 1000);
    assert_true(got >= base + 995 && got <= base + 1000);
    gc_n(2); /* the finalized objects are freed the cycle after */

    static gm_memstats before, after; /* static: no 4 KiB of stale stack */
    gm_read_memstats(&before);
    for (int round = 0; round < 20; round++) {
        make_garbage(20000, false);
        gm_gc();
    }
    gm_read_memstats(&after);
    /* 400000 * 32 B were allocated; the heap did not grow by that */
    assert_true(after.gc_freed_objects - before.gc_freed_objects >= 390000);
    assert_true(after.gc_spans <= before.gc_spans + 200);
    assert_true(after.gc_heap_live < (4u << 20));
    assert_true(after.num_gc >= before.num_gc + 20);
    assert_true(after.num_forced_gc >= 20);
}

/* ---------- roots ---------- */

static void test_stack_keeps_object_alive(void **state)
{
    (void)state;
    int base = atomic_load(&fin_runs);
    node *volatile n = new_node(7, true);
    make_garbage(50000, false);
    gc_n(3);
    assert_int_equal(n->canary, CANARY);
    assert_int_equal(n->value, 7);
    assert_int_equal(wait_fins(base), base);
    gm_gc_set_finalizer(n, NULL, NULL);
}

static node *global_root; /* a plain global: data/bss is a root */

static __attribute__((noinline)) void set_global(uint64_t v)
{
    global_root = new_node(v, true);
}

static void test_global_keeps_object_alive_without_registration(void **state)
{
    (void)state;
    int base = atomic_load(&fin_runs);
    set_global(11);
    make_garbage(50000, false);
    gc_n(3);
    assert_int_equal(global_root->canary, CANARY);
    assert_int_equal(wait_fins(base), base);
    global_root = NULL;
    gc_n(2);
    assert_int_equal(wait_fins(base + 1), base + 1);
}

static __attribute__((noinline)) void store_in(void **where, uint64_t v)
{
    *where = new_node(v, true);
}

static void test_registered_root_keeps_object_alive(void **state)
{
    (void)state;
    /* plain mmap memory: no root unless registered */
    void **region = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(region != MAP_FAILED);
    gm_gc_add_roots(region, 4096);
    int base = atomic_load(&fin_runs);
    store_in(&region[17], 21);
    gc_n(3);
    assert_int_equal(((node *)region[17])->canary, CANARY);
    assert_int_equal(wait_fins(base), base);
    gm_gc_remove_roots(region, 4096);
    gc_n(2);
    assert_int_equal(wait_fins(base + 1), base + 1);
    munmap(region, 4096);
}

static void test_unregistered_memory_does_not_keep_object(void **state)
{
    (void)state;
    void **region = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int base = atomic_load(&fin_runs);
    store_in(&region[3], 22);
    gc_n(2);
    assert_int_equal(wait_fins(base + 1), base + 1);
    munmap(region, 4096);
}

static void test_gm_malloc_block_keeps_object_alive(void **state)
{
    (void)state;
    void **block = gm_malloc(64);
    memset(block, 0, 64);
    int base = atomic_load(&fin_runs);
    store_in(&block[5], 31);
    make_garbage(20000, false);
    gc_n(3);
    assert_int_equal(((node *)block[5])->canary, CANARY);
    assert_int_equal(wait_fins(base), base);
    block[5] = NULL;
    gc_n(2);
    assert_int_equal(wait_fins(base + 1), base + 1);
    gm_free(block);
}

static __attribute__((noinline)) node *build_list(int n, uint64_t first)
{
    node *head = NULL;
    for (int i = 0; i < n; i++) {
        node *x = new_node(first + (uint64_t)i, false);
        gm_write_ptr(&x->next, head);
        head = x;
    }
    return head;
}

static uint64_t freed_objects(void)
{
    gm_memstats ms;
    gm_read_memstats(&ms);
    return ms.gc_freed_objects;
}

/* Walk and cut in helpers: no copy of a node's address stays in the
 * test's own frame, which the collector scans. */
static __attribute__((noinline)) int check_list(node *const volatile *head, uint64_t *sum)
{
    int count = 0;
    *sum = 0;
    for (node *x = *head; x; x = x->next, count++) {
        if (x->canary != CANARY)
            return -1;
        *sum += x->value;
    }
    return count;
}

static __attribute__((noinline)) void cut_list(node *const volatile *head, int keep)
{
    node *x = *head;
    for (int i = 1; i < keep; i++)
        x = x->next;
    gm_write_ptr(&x->next, NULL);
}

static void test_objects_reachable_through_other_objects_survive(void **state)
{
    (void)state;
    node *volatile head = build_list(10000, 0);
    make_garbage(50000, false);
    gc_n(3);
    uint64_t sum;
    assert_int_equal(check_list(&head, &sum), 10000);
    assert_int_equal(sum, 10000ull * 9999 / 2);
    /* cut the list in the middle: the second half goes (a finalizer on
     * each node would take a cycle per node: Go's order) */
    uint64_t f0 = freed_objects();
    cut_list(&head, 5000);
    gc_n(2);
    uint64_t f1 = freed_objects();
    /* (a sanitizer runtime's globals, roots too, may hold a stray address
     * into the cut half and keep part of it) */
    assert_true(f1 - f0 >= (GT_SANITIZED ? 1 : 4999));
    assert_true(f1 - f0 < 5100);
    head = NULL;
    gc_n(2);
    assert_true(freed_objects() - f1 >= 4999);
}

static void test_interior_pointer_keeps_object_alive(void **state)
{
    (void)state;
    int base = atomic_load(&fin_runs);
    node *n = new_node(41, true);
    uint64_t *volatile inner = &n->value; /* only an interior pointer */
    n = NULL;
    make_garbage(20000, false);
    gc_n(3);
    assert_int_equal(*inner, 41);
    node *back = (node *)((char *)inner - offsetof(node, value));
    assert_int_equal(back->canary, CANARY);
    assert_int_equal(wait_fins(base), base);
    gm_gc_set_finalizer(back, NULL, NULL);
}

static __attribute__((noinline)) void send_node(gm_chan *c, uint64_t v)
{
    node *n = new_node(v, true);
    gm_chan_send(c, &n);
}

static void test_channel_buffer_keeps_object_alive(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(node *), 4);
    int base = atomic_load(&fin_runs);
    send_node(c, 51);
    send_node(c, 52);
    make_garbage(20000, false);
    gc_n(3);
    assert_int_equal(wait_fins(base), base);
    node *got = NULL;
    assert_true(gm_chan_recv(c, &got));
    assert_int_equal(got->canary, CANARY);
    assert_int_equal(got->value, 51);
    assert_true(gm_chan_recv(c, &got));
    assert_int_equal(got->value, 52);
    gm_chan_free(c);
}

/* A sender blocked on an unbuffered channel holds the only pointer. */
static void blocked_sender(void *arg)
{
    send_node(arg, 61);
}

static void test_blocked_sender_keeps_object_alive(void **state)
{
    (void)state;
    gm_chan *c = gm_chan_make(sizeof(node *), 0);
    int base = atomic_load(&fin_runs);
    assert_int_equal(gm_go(blocked_sender, c), 0);
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL); /* let it block (not needed for correctness) */
    make_garbage(20000, false);
    gc_n(3);
    node *got = NULL;
    assert_true(gm_chan_recv(c, &got));
    assert_int_equal(got->canary, CANARY);
    assert_int_equal(got->value, 61);
    assert_int_equal(wait_fins(base), base);
    gm_gc_set_finalizer(got, NULL, NULL);
    gm_chan_free(c);
}

/* ---------- typed and noscan objects ---------- */

typedef struct typed_obj {
    node *ptr;     /* word 0: a pointer */
    uintptr_t num; /* word 1: an integer that may look like a pointer */
    char pad[48];  /* words 2..7: bytes */
} typed_obj;

static __attribute__((noinline)) void fill_typed(typed_obj *t, uint64_t v)
{
    node *a = new_node(v, true);
    node *b = new_node(v + 1, true);
    gm_write_ptr(&t->ptr, a);
    t->num = (uintptr_t)b; /* hidden from the precise scan */
}

static void test_typed_object_is_scanned_precisely(void **state)
{
    (void)state;
    static const uint64_t mask[1] = {1}; /* only word 0 */
    typed_obj *volatile t = gm_new_typed(sizeof(typed_obj), mask);
    assert_non_null(t);
    assert_int_equal(((uintptr_t)t) % 8, 0);
    int base = atomic_load(&fin_runs);
    uint64_t sum0 = atomic_load(&fin_sum);
    fill_typed(t, 1000);
    gc_n(2);
    /* b (value 1001) was reachable only through the integer field */
    assert_int_equal(wait_fins(base + 1), base + 1);
    assert_int_equal(atomic_load(&fin_sum) - sum0, 1001);
    assert_int_equal(t->ptr->canary, CANARY);
    assert_int_equal(t->ptr->value, 1000);
    gm_gc_set_finalizer(t->ptr, NULL, NULL);
}

static void test_conservative_object_keeps_integer_lookalikes(void **state)
{
    (void)state;
    typed_obj *volatile t = gm_new(sizeof(typed_obj));
    int base = atomic_load(&fin_runs);
    fill_typed(t, 2000);
    gc_n(2);
    assert_int_equal(wait_fins(base), base); /* both kept: conservative */
    gm_gc_set_finalizer(t->ptr, NULL, NULL);
    gm_gc_set_finalizer((void *)t->num, NULL, NULL);
}

static void test_pointers_in_noscan_objects_are_not_followed(void **state)
{
    (void)state;
    void **volatile ns = gm_new_noscan(64);
    int base = atomic_load(&fin_runs);
    store_in(&ns[2], 71);
    gc_n(2);
    assert_int_equal(wait_fins(base + 1), base + 1);
}

/* The first half of test_large_objects, in its own frame: once it has
 * returned no live frame of the caller holds big's address (a copy left
 * in a register or a spill slot of the test would keep big alive: the
 * collector is conservative, and that is not what this test checks). */
static __attribute__((noinline)) void large_object_keeps_contents(int base)
{
    /* a large conservative object keeps what it holds, at any offset */
    void **volatile big = gm_new(1 << 20);
    assert_non_null(big);
    for (size_t i = 0; i < (1 << 20) / sizeof(void *); i++)
        assert_null(big[i]);
    store_in(&big[(1 << 20) / sizeof(void *) - 1], 81);
    store_in(&big[40000], 82);
    gc_n(2);
    assert_int_equal(wait_fins(base), base);
    assert_int_equal(((node *)big[40000])->canary, CANARY);
    big = NULL;
}

static void test_large_objects(void **state)
{
    (void)state;
    int base = atomic_load(&fin_runs);
    large_object_keeps_contents(base);
    gc_n(3);
    /* both go with big (under a sanitizer its runtime's own globals, which
     * are roots too, may hold a stray copy of big's address) */
    assert_true(wait_fins(base + 2) >= base + 2 - GT_SANITIZED * 2);
    base = atomic_load(&fin_runs);
    /* large typed */
    uint64_t mask[(1 << 16) / 8 / 64] = {0};
    mask[0] = 1;
    void **volatile lt = gm_new_typed(1 << 16, mask);
    store_in(&lt[0], 83);
    for (int k = 1; k <= 20; k++)
        store_in(&lt[k * 100], 84); /* not pointer words */
    gc_n(2);
    /* all 20 go (a sanitizer runtime's own globals may keep a stray
     * address of one alive: conservative roots) */
    assert_true(wait_fins(base + 20) >= base + 18);
    assert_int_equal(((node *)lt[0])->value, 83);
    gm_gc_set_finalizer(lt[0], NULL, NULL);
}

/* ---------- finalizers ---------- */

static _Atomic int order_pos;
static _Atomic int order_a, order_b;

static void fin_a(void *obj, void *arg)
{
    (void)obj;
    (void)arg;
    atomic_store(&order_a, atomic_fetch_add(&order_pos, 1) + 1);
}

static void fin_b(void *obj, void *arg)
{
    (void)obj;
    (void)arg;
    atomic_store(&order_b, atomic_fetch_add(&order_pos, 1) + 1);
}

static __attribute__((noinline)) void make_a_points_to_b(void)
{
    node *a = new_node(1, false), *b = new_node(2, false);
    gm_write_ptr(&a->next, b);
    gm_gc_set_finalizer(a, fin_a, NULL);
    gm_gc_set_finalizer(b, fin_b, NULL);
}

static void test_finalizer_order_follows_references(void **state)
{
    (void)state;
    make_a_points_to_b();
    gm_gc();
    for (int i = 0; i < 1000 && !atomic_load(&order_a); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&order_a), 1);
    assert_int_equal(atomic_load(&order_b), 0); /* a kept b for its finalizer */
    gm_gc();
    gm_gc();
    for (int i = 0; i < 1000 && !atomic_load(&order_b); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&order_b), 2);
}

static _Atomic int once_runs;
static _Atomic(void *) resurrected;
static _Atomic uintptr_t fin_arg_seen;

static void fin_once(void *obj, void *arg)
{
    atomic_fetch_add(&once_runs, 1);
    atomic_store(&fin_arg_seen, (uintptr_t)arg);
    node *n = obj;
    assert_int_equal(n->canary, CANARY); /* still intact when it runs */
}

static __attribute__((noinline)) void make_fin_once(void)
{
    /* eight: a sanitizer runtime's globals (roots too) may hold a stray
     * copy of one address, e.g. a span's first object */
    for (int i = 0; i < 8; i++) {
        node *n = new_node(5, false);
        gm_gc_set_finalizer(n, fin_once, (void *)0x1234);
    }
}

static void test_finalizer_runs_once_and_object_is_freed_after(void **state)
{
    (void)state;
    gm_gc();
    uint64_t f0 = freed_objects();
    make_fin_once();
    for (int i = 0; i < 1000 && atomic_load(&once_runs) < 8; i++) {
        if (i % 100 == 0)
            gm_gc();
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    int runs = atomic_load(&once_runs);
    assert_true(runs >= 7 - 2 * GT_SANITIZED && runs <= 8);
    assert_int_equal(atomic_load(&fin_arg_seen), 0x1234);
    /* the finalized objects are freed by a later cycle, and no finalizer
     * runs twice */
    gm_gc();
    gm_gc();
    assert_true(freed_objects() - f0 >= (uint64_t)runs);
    assert_true(atomic_load(&once_runs) <= 8);
    (void)resurrected;
}

/* ---------- stops with threads blocked in gomm ---------- */

static void block_sigpwr(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPWR);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void blocked_receiver(void *arg)
{
    gm_chan **cs = arg;
    /* no signal can stop this thread: only being parked in gomm can */
    block_sigpwr();
    node *n = NULL;
    gm_chan_recv(cs[0], &n);
    assert_int_equal(n->canary, CANARY);
    gm_chan_send(cs[1], &n);
}

static void test_thread_blocked_in_channel_receive_does_not_delay_a_stop(void **state)
{
    (void)state;
    gm_chan *cs[2] = {gm_chan_make(sizeof(node *), 0), gm_chan_make(sizeof(node *), 0)};
    assert_int_equal(gm_go(blocked_receiver, cs), 0);
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    int64_t t0 = gt_now_ns();
    gc_n(5);
    int64_t dt = gt_now_ns() - t0;
    assert_true(dt < 5000000000ll); /* it finishes: nothing waits for the receiver */
    node *n = new_node(91, false);
    gm_chan_send(cs[0], &n);
    node *back = NULL;
    gm_chan_recv(cs[1], &back);
    assert_ptr_equal(back, n);
    gm_chan_free(cs[0]);
    gm_chan_free(cs[1]);
}

static _Atomic int sleeper_done;

static void *blocking_sleeper(void *arg)
{
    (void)arg;
    gm_gc_register_thread();
    block_sigpwr();
    gm_blocking_enter();
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    gm_blocking_exit();
    atomic_store(&sleeper_done, 1);
    return NULL;
}

static void test_thread_in_blocking_region_does_not_delay_a_stop(void **state)
{
    (void)state;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocking_sleeper, NULL), 0);
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    gm_gc();
    /* the collection finished while the sleeper still slept */
    assert_int_equal(atomic_load(&sleeper_done), 0);
    gm_blocking_enter(); /* waiting outside gomm: not a stop's concern */
    pthread_join(th, NULL);
    gm_blocking_exit();
}

/* A thread spinning in user code, never calling gomm, is stopped by the
 * signal. */
static _Atomic int spin_stop;
static node *volatile spin_node;

static void *spinner(void *arg)
{
    (void)arg;
    gm_gc_register_thread();
    node *volatile mine = new_node(95, false);
    spin_node = NULL;
    uint64_t x = 0;
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        x += mine->value;
    assert_int_equal(mine->canary, CANARY);
    return (void *)(uintptr_t)(x & 1);
}

static void test_spinning_thread_is_stopped_by_signal(void **state)
{
    (void)state;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, spinner, NULL), 0);
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
    make_garbage(20000, false);
    gc_n(3);
    atomic_store(&spin_stop, 1);
    gm_blocking_enter(); /* waiting outside gomm: not a stop's concern */
    pthread_join(th, NULL);
    gm_blocking_exit();
}

/* ---------- pacing ---------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_heap_stays_near_the_goal_with_a_steady_live_set(void **state)
{
    (void)state;
    /* 8 MiB live that keeps turning over, and 1 KiB garbage objects */
    enum { SLOTS = 1024, SAMPLES = 4096 };
    void **live = gm_malloc(SLOTS * sizeof(void *));
    for (int i = 0; i < SLOTS; i++)
        live[i] = gm_new(8192);
    gm_gc();
    gm_memstats ms;
    static uint64_t samples[SAMPLES];
    size_t ns = 0;
    gm_read_memstats(&ms);
    uint32_t gc0 = ms.num_gc;
    uint64_t rnd = 42;
    long iters = GT_SCALED(200000);
    for (long i = 0; i < iters; i++) {
        void *g = gm_new(1024); /* garbage */
        (void)g;
        if (i % 8 == 0)
            live[gt_rand(&rnd) % SLOTS] = gm_new(8192); /* the live set turns over */
        if (i % 256 == 0 && ns < SAMPLES) {
            gm_read_memstats(&ms);
            samples[ns++] = ms.gc_heap_alloc;
        }
    }
    gm_read_memstats(&ms);
    qsort(samples, ns, sizeof *samples, cmp_u64);
    uint64_t live_bytes = SLOTS * 8192ull, median = samples[ns / 2], max = samples[ns - 1];
    print_message("live %llu MiB: heap median %llu MiB, max %llu MiB; goal %llu MiB; %u cycles\n",
                  (unsigned long long)live_bytes >> 20, (unsigned long long)median >> 20,
                  (unsigned long long)max >> 20, (unsigned long long)ms.gc_heap_goal >> 20,
                  ms.num_gc - gc0);
    assert_true(ms.num_gc - gc0 >= 3);
    /* GOGC=100: the goal is twice the live heap (allocate-black during a
     * mark counts as live, so a little more) */
    assert_true(ms.gc_heap_goal >= live_bytes);
    assert_true(ms.gc_heap_goal <= 5 * live_bytes / 2);
    /* the heap stays around the goal: half the time under 2.5x live, and
     * never runs away (the trigger, assists and a loaded 2-core machine
     * leave some overshoot; heap_alloc counts cached spans whole) */
    assert_true(median <= 5 * live_bytes / 2);
    assert_true(max <= 5 * live_bytes);
    gm_free(live);
}

static void test_memstats_gc_fields(void **state)
{
    (void)state;
    gm_gc();
    gm_memstats ms;
    gm_read_memstats(&ms);
    assert_true(ms.num_gc >= 1);
    assert_true(ms.pause_total_ns > 0);
    assert_true(ms.pause_max_ns >= ms.pause_p99_ns);
    assert_true(ms.pause_p99_ns >= ms.pause_p50_ns);
    assert_true(ms.pause_last_ns > 0);
    assert_true(ms.last_gc_ns > 0);
    assert_true(ms.next_gc == ms.gc_heap_goal);
    assert_true(ms.next_gc >= (4u << 20) - 100);
    assert_true(ms.gc_cpu_fraction >= 0 && ms.gc_cpu_fraction < 1);
    assert_true(ms.pause_ns[(ms.num_gc + 255) % 256] > 0);
    assert_true(ms.gc_total_alloc > 0);
}

/* ---------- GOMM_GCTRACE: one line per cycle, Go's layout ---------- */

static int child_main(void)
{
    for (int i = 0; i < 3; i++) {
        make_garbage(1000, false);
        gm_gc();
    }
    return 0;
}

static void test_gctrace_prints_one_line_per_cycle(void **state)
{
    (void)state;
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    char *argv[] = {"/proc/self/exe", "--gctrace-child", NULL};
    char *envp[] = {"GOMM_GCTRACE=1", "GOMM_GOGC=off", NULL};
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    char buf[8192];
    size_t len = 0;
    ssize_t r;
    while ((r = read(pfd[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(pfd[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int lines = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned n;
        double at, pct, s1, mk, s2, cpu;
        unsigned long long before, peak, live, goal;
        int procs;
        char tail[32] = "";
        int got =
            sscanf(line,
                   "gc %u @%lfs %lf%%: %lf+%lf+%lf ms clock, %lf ms cpu, %llu->%llu->%llu MB, "
                   "%llu MB goal, %d P %31s",
                   &n, &at, &pct, &s1, &mk, &s2, &cpu, &before, &peak, &live, &goal, &procs, tail);
        if (got < 12)
            print_error("bad gctrace line: %s\n", line);
        assert_true(got >= 12);
        assert_int_equal(n, (unsigned)lines + 1);
        assert_string_equal(tail, "(forced)");
        lines++;
    }
    assert_int_equal(lines, 3);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--gctrace-child"))
        return child_main();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_unreachable_objects_are_collected_and_memory_reused, new_epoch),
        cmocka_unit_test_setup(test_stack_keeps_object_alive, new_epoch),
        cmocka_unit_test_setup(test_global_keeps_object_alive_without_registration, new_epoch),
        cmocka_unit_test_setup(test_registered_root_keeps_object_alive, new_epoch),
        cmocka_unit_test_setup(test_unregistered_memory_does_not_keep_object, new_epoch),
        cmocka_unit_test_setup(test_gm_malloc_block_keeps_object_alive, new_epoch),
        cmocka_unit_test_setup(test_objects_reachable_through_other_objects_survive, new_epoch),
        cmocka_unit_test_setup(test_interior_pointer_keeps_object_alive, new_epoch),
        cmocka_unit_test_setup(test_channel_buffer_keeps_object_alive, new_epoch),
        cmocka_unit_test_setup(test_blocked_sender_keeps_object_alive, new_epoch),
        cmocka_unit_test_setup(test_typed_object_is_scanned_precisely, new_epoch),
        cmocka_unit_test_setup(test_conservative_object_keeps_integer_lookalikes, new_epoch),
        cmocka_unit_test_setup(test_pointers_in_noscan_objects_are_not_followed, new_epoch),
        cmocka_unit_test_setup(test_large_objects, new_epoch),
        cmocka_unit_test_setup(test_finalizer_order_follows_references, new_epoch),
        cmocka_unit_test_setup(test_finalizer_runs_once_and_object_is_freed_after, new_epoch),
        cmocka_unit_test_setup(test_thread_blocked_in_channel_receive_does_not_delay_a_stop,
                               new_epoch),
        cmocka_unit_test_setup(test_thread_in_blocking_region_does_not_delay_a_stop, new_epoch),
        cmocka_unit_test_setup(test_spinning_thread_is_stopped_by_signal, new_epoch),
        cmocka_unit_test_setup(test_heap_stays_near_the_goal_with_a_steady_live_set, new_epoch),
        cmocka_unit_test_setup(test_memstats_gc_fields, new_epoch),
        cmocka_unit_test_setup(test_gctrace_prints_one_line_per_cycle, new_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
