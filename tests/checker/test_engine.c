/*
 * tests/checker/test_engine.c — the race checker's engine, deterministically.
 *
 * One OS thread plays several checker threads: contexts are made with
 * gm_race_go_create (the creator's clock flows in) and switched by setting
 * gm_rt_cur, so every interleaving is exactly the one written here. Races
 * are counted through gm_rt_state.n_races_found (found by the engine,
 * before report filtering); the test runs with report_bugs=0 so nothing is
 * printed. Accesses carry made-up pcs, distinct per access so the report
 * filter never hides one.
 *
 * Covered: epochs and vector clocks (release/acquire, merge), byte-exact
 * conflicts (mixed sizes, unaligned, adjacent fields), atomic vs plain,
 * C11 release/acquire, release sequences through relaxed RMWs, standalone
 * fences, read-shared state (spill), free vs access and use-after-free,
 * shadow reset on reallocation, slot reuse over thousands of threads, the
 * history ring (lookup and overwrite).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <gomm/alloc.h>

#include "rt.h"

void *gm_race_go_create(uintptr_t pc);

#ifdef GOMM_SELF_TSAN /* under the real TSan our entry points are renamed */
#define ABI(name) gm_selftsan_##name
#else
#define ABI(name) name
#endif
#define atomic32_load          ABI(__tsan_atomic32_load)
#define atomic32_store         ABI(__tsan_atomic32_store)
#define atomic32_fetch_add     ABI(__tsan_atomic32_fetch_add)
#define atomic32_cas           ABI(__tsan_atomic32_compare_exchange_strong)
#define atomic_thread_fence_mo ABI(__tsan_atomic_thread_fence)
unsigned int atomic32_load(const volatile unsigned int *a, int mo);
void atomic32_store(volatile unsigned int *a, unsigned int v, int mo);
unsigned int atomic32_fetch_add(volatile unsigned int *a, unsigned int v, int mo);
int atomic32_cas(volatile unsigned int *a, unsigned int *c, unsigned int v, int mo, int fmo);
void atomic_thread_fence_mo(int mo);

enum { RLX = 0, ACQ = 2, REL = 3, ACQREL = 4, SC = 5 };

static gm_thr *main_thr;
static uintptr_t next_pc = 0x1000;

static gm_thr *spawn(void)
{
    gm_rt_cur = main_thr;
    return gm_race_go_create(0);
}

static void on(gm_thr *t)
{
    gm_rt_cur = t;
}

static void wr(const void *p, size_t n)
{
    rt_access(gm_rt_cur, (uintptr_t)p, n, 0, next_pc++);
}

static void rd(const void *p, size_t n)
{
    rt_access(gm_rt_cur, (uintptr_t)p, n, CELL_READ, next_pc++);
}

static uint64_t races(void)
{
    return atomic_load_explicit(&gm_rt_state.n_races_found, memory_order_relaxed);
}

/* run body; assert it found exactly `want` races */
#define EXPECT_RACES(want, body)                                                                   \
    do {                                                                                           \
        uint64_t before_ = races();                                                                \
        body;                                                                                      \
        assert_int_equal(races() - before_, (want));                                               \
    } while (0)

static int setup(void **state)
{
    (void)state;
    main_thr = rt_thr();
    return 0;
}

static void test_unordered_writes_race(void **state)
{
    (void)state;
    static uint64_t x[2];
    gm_thr *a = spawn(), *b = spawn();
    EXPECT_RACES(1, {
        on(a);
        wr(&x[0], 8);
        on(b);
        wr(&x[0], 8);
    });
    /* two readers never race; a reader and a writer do */
    EXPECT_RACES(0, {
        on(a);
        rd(&x[1], 8);
        on(b);
        rd(&x[1], 8);
    });
    EXPECT_RACES(1, {
        on(a);
        wr(&x[1], 8);
    });
    on(main_thr);
}

static void test_creation_orders_parent_before_child(void **state)
{
    (void)state;
    static _Alignas(8) int x;
    EXPECT_RACES(0, {
        on(main_thr);
        wr(&x, 4);
        gm_thr *c = spawn();
        on(c);
        wr(&x, 4);
    });
    on(main_thr);
}

static void test_release_acquire(void **state)
{
    (void)state;
    static _Alignas(8) int x;
    static _Alignas(8) int sync_obj;
    gm_thr *a = spawn(), *b = spawn();
    EXPECT_RACES(0, {
        on(a);
        wr(&x, 4);
        rt_release(a, (uintptr_t)&sync_obj);
        on(b);
        rt_acquire(b, (uintptr_t)&sync_obj);
        wr(&x, 4);
    });
    /* after the release, a's later write is not covered */
    static _Alignas(8) int y;
    EXPECT_RACES(1, {
        on(a);
        wr(&y, 4);
        on(b);
        rt_acquire(b, (uintptr_t)&sync_obj);
        rd(&y, 4);
    });
    on(main_thr);
}

static void test_release_merge_and_assign(void **state)
{
    (void)state;
    static _Alignas(8) int xa;
    static _Alignas(8) int xb;
    static _Alignas(8) int wg;
    static _Alignas(8) int m;
    gm_thr *a = spawn(), *b = spawn(), *c = spawn();
    /* merge: c acquires both a's and b's releases */
    EXPECT_RACES(0, {
        on(a);
        wr(&xa, 4);
        rt_release_merge(a, (uintptr_t)&wg);
        on(b);
        wr(&xb, 4);
        rt_release_merge(b, (uintptr_t)&wg);
        on(c);
        rt_acquire(c, (uintptr_t)&wg);
        rd(&xa, 4);
        rd(&xb, 4);
    });
    /* assign: the second release replaces the first */
    static _Alignas(8) int ya;
    EXPECT_RACES(1, {
        on(a);
        wr(&ya, 4);
        rt_release(a, (uintptr_t)&m);
        on(b);
        rt_release(b, (uintptr_t)&m);
        on(c);
        rt_acquire(c, (uintptr_t)&m);
        rd(&ya, 4);
    });
    on(main_thr);
}

static void test_byte_exact(void **state)
{
    (void)state;
    static _Alignas(16) unsigned char buf[32];
    gm_thr *a = spawn(), *b = spawn();
    /* adjacent fields in one granule do not conflict */
    EXPECT_RACES(0, {
        on(a);
        wr(&buf[0], 1);
        on(b);
        wr(&buf[1], 1);
        on(a);
        wr(&buf[2], 2);
        on(b);
        wr(&buf[4], 4);
    });
    /* a 1-byte write inside an 8-byte read conflicts */
    EXPECT_RACES(1, {
        on(a);
        rd(&buf[8], 8);
        on(b);
        wr(&buf[11], 1);
    });
    /* an unaligned 4-byte write across a granule boundary meets a 1-byte
     * read on the far side */
    EXPECT_RACES(1, {
        on(a);
        wr(&buf[22], 4); /* bytes 22..25 */
        on(b);
        rd(&buf[25], 1);
    });
    EXPECT_RACES(0, {
        on(b);
        rd(&buf[26], 1);
        rd(&buf[21], 1);
    });
    on(main_thr);
}

static void test_atomic_vs_plain(void **state)
{
    (void)state;
    static _Alignas(8) unsigned int v;
    static _Alignas(8) unsigned int w;
    gm_thr *a = spawn(), *b = spawn();
    EXPECT_RACES(0, {
        on(a);
        atomic32_store(&v, 1, RLX);
        on(b);
        (void)atomic32_load(&v, RLX);
        atomic32_fetch_add(&v, 1, RLX);
    });
    EXPECT_RACES(1, {
        on(a);
        atomic32_store(&w, 1, SC);
        on(b);
        rd(&w, 4); /* plain read of an atomic written concurrently */
    });
    on(main_thr);
}

static void test_c11_release_acquire(void **state)
{
    (void)state;
    static _Alignas(8) int data;
    static _Alignas(8) unsigned int flag;
    gm_thr *a = spawn(), *b = spawn();
    EXPECT_RACES(0, {
        on(a);
        wr(&data, 4);
        atomic32_store(&flag, 1, REL);
        on(b);
        assert_int_equal(atomic32_load(&flag, ACQ), 1);
        rd(&data, 4);
    });
    /* relaxed on either side: no edge */
    static _Alignas(8) int data2;
    static _Alignas(8) unsigned int flag2;
    EXPECT_RACES(1, {
        on(a);
        wr(&data2, 4);
        atomic32_store(&flag2, 1, RLX);
        on(b);
        (void)atomic32_load(&flag2, ACQ);
        rd(&data2, 4);
    });
    static _Alignas(8) int data3;
    static _Alignas(8) unsigned int flag3;
    EXPECT_RACES(1, {
        on(a);
        wr(&data3, 4);
        atomic32_store(&flag3, 1, REL);
        on(b);
        (void)atomic32_load(&flag3, RLX);
        rd(&data3, 4);
    });
    on(main_thr);
}

static void test_release_sequence(void **state)
{
    (void)state;
    static _Alignas(8) int data;
    static _Alignas(8) unsigned int flag;
    gm_thr *a = spawn(), *b = spawn(), *c = spawn();
    /* a relaxed RMW by another thread continues a's release sequence */
    EXPECT_RACES(0, {
        on(a);
        wr(&data, 4);
        atomic32_store(&flag, 1, REL);
        on(c);
        atomic32_fetch_add(&flag, 1, RLX);
        on(b);
        assert_int_equal(atomic32_load(&flag, ACQ), 2);
        rd(&data, 4);
    });
    /* a plain (relaxed) store by another thread ends it */
    static _Alignas(8) int data2;
    static _Alignas(8) unsigned int flag2;
    EXPECT_RACES(1, {
        on(a);
        wr(&data2, 4);
        atomic32_store(&flag2, 1, REL);
        on(c);
        atomic32_store(&flag2, 2, RLX);
        on(b);
        (void)atomic32_load(&flag2, ACQ);
        rd(&data2, 4);
    });
    /* a successful relaxed CAS continues it too */
    static _Alignas(8) int data3;
    static _Alignas(8) unsigned int flag3;
    EXPECT_RACES(0, {
        on(a);
        wr(&data3, 4);
        atomic32_store(&flag3, 1, REL);
        on(c);
        unsigned int expect = 1;
        assert_true(atomic32_cas(&flag3, &expect, 5, RLX, RLX));
        on(b);
        (void)atomic32_load(&flag3, ACQ);
        rd(&data3, 4);
    });
    on(main_thr);
}

static void test_fences(void **state)
{
    (void)state;
    gm_thr *a = spawn(), *b = spawn();
    /* release fence + relaxed store ... relaxed load + acquire fence */
    static _Alignas(8) int data;
    static _Alignas(8) unsigned int flag;
    EXPECT_RACES(0, {
        on(a);
        wr(&data, 4);
        atomic_thread_fence_mo(REL);
        atomic32_store(&flag, 1, RLX);
        on(b);
        (void)atomic32_load(&flag, RLX);
        atomic_thread_fence_mo(ACQ);
        rd(&data, 4);
    });
    /* no acquire fence: the relaxed load alone gives no edge */
    static _Alignas(8) int data2;
    static _Alignas(8) unsigned int flag2;
    EXPECT_RACES(1, {
        on(a);
        wr(&data2, 4);
        atomic_thread_fence_mo(REL);
        atomic32_store(&flag2, 1, RLX);
        on(b);
        (void)atomic32_load(&flag2, RLX);
        rd(&data2, 4);
    });
    /* the write after the release fence is not covered by it */
    static _Alignas(8) int data3;
    static _Alignas(8) unsigned int flag3;
    EXPECT_RACES(1, {
        on(a);
        atomic_thread_fence_mo(REL);
        wr(&data3, 4);
        atomic32_store(&flag3, 1, RLX);
        on(b);
        (void)atomic32_load(&flag3, RLX);
        atomic_thread_fence_mo(ACQ);
        rd(&data3, 4);
    });
    /* fence on one side, acquire load on the other; seq_cst fences */
    static _Alignas(8) int data4;
    static _Alignas(8) unsigned int flag4;
    EXPECT_RACES(0, {
        on(a);
        wr(&data4, 4);
        atomic_thread_fence_mo(SC);
        atomic32_store(&flag4, 1, RLX);
        on(b);
        (void)atomic32_load(&flag4, ACQ);
        rd(&data4, 4);
    });
    on(main_thr);
}

static void test_read_shared(void **state)
{
    (void)state;
    static uint64_t x;
    static _Alignas(8) int s1;
    static _Alignas(8) int s2;
    on(main_thr);
    wr(&x, 8);
    gm_thr *r[6];
    for (int i = 0; i < 6; i++)
        r[i] = spawn();
    /* six unordered readers: the granule spills */
    EXPECT_RACES(0, {
        for (int i = 0; i < 6; i++) {
            on(r[i]);
            rd(&x, 8);
        }
    });
    assert_true(atomic_load_explicit(&gm_rt_state.n_spill, memory_order_relaxed) > 0);
    /* a writer ordered after five of them still races with the sixth */
    gm_thr *w = spawn();
    EXPECT_RACES(1, {
        for (int i = 0; i < 5; i++) {
            on(r[i]);
            rt_release_merge(r[i], (uintptr_t)&s1);
        }
        on(w);
        rt_acquire(w, (uintptr_t)&s1);
        wr(&x, 8);
    });
    /* ordered after all six: no race, and the write takes the granule back */
    static uint64_t y;
    on(main_thr);
    wr(&y, 8);
    gm_thr *q[6];
    for (int i = 0; i < 6; i++) {
        q[i] = spawn();
        on(q[i]);
        rd(&y, 8);
        rt_release_merge(q[i], (uintptr_t)&s2);
    }
    gm_thr *w2 = spawn();
    EXPECT_RACES(0, {
        on(w2);
        rt_acquire(w2, (uintptr_t)&s2);
        wr(&y, 8);
    });
    on(main_thr);
}

static void test_free_and_use_after_free(void **state)
{
    (void)state;
    gm_thr *a = spawn();
    int *p = gm_malloc(64);
    on(a);
    /* a writes the block; main frees it with no edge: a race */
    EXPECT_RACES(1, {
        wr(p, 4);
        on(main_thr);
        gm_free(p);
    });
    /* a later access by a thread unordered with the free: use after free */
    gm_thr *b = spawn();
    int *q = gm_malloc(64);
    on(main_thr);
    uint64_t gran = (uintptr_t)q & ~(uintptr_t)7;
    gm_thr *c = spawn(); /* created before the free: not ordered after it */
    gm_free(q);
    EXPECT_RACES(1, {
        on(c);
        rd(q, 4);
    });
    (void)gran;
    (void)b;
    on(main_thr);
}

static void test_reuse_resets_shadow(void **state)
{
    (void)state;
    gm_thr *a = spawn(), *b = spawn();
    on(a);
    char *p = gm_malloc(48);
    wr(p, 8);
    wr(p + 40, 8);
    gm_free(p);
    /* b allocates (likely the same block: the shadow was reset) and writes */
    EXPECT_RACES(0, {
        on(b);
        char *q = gm_malloc(48);
        wr(q, 8);
        wr(q + 40, 8);
        gm_free(q);
    });
    on(main_thr);
}

static void test_slot_reuse(void **state)
{
    (void)state;
    unsigned before = atomic_load_explicit(&gm_rt_state.nslots, memory_order_relaxed);
    static _Alignas(8) int x;
    on(main_thr);
    wr(&x, 4);
    /* every child is ordered after the creator's write: no race, however
     * many slots have been recycled */
    EXPECT_RACES(0, {
        for (int i = 0; i < 5000; i++) {
            gm_thr *t = spawn();
            gm_rt_thread_start(t);
            rd(&x, 4);
            gm_rt_thread_finish();
        }
    });
    on(main_thr);
    unsigned after = atomic_load_explicit(&gm_rt_state.nslots, memory_order_relaxed);
    /* one at a time: the quarantine (64) plus a few */
    assert_true(after - before < 80);
    /* goroutine ends order nothing: the last child's read races with a
     * write by the creator */
    EXPECT_RACES(1, { wr(&x, 4); });
}

static void test_join_and_detach(void **state)
{
    (void)state;
    static _Alignas(8) int x;
    static _Alignas(8) int y;
    on(main_thr);
    /* exit -> join: the joiner sees everything the thread did */
    gm_thr *t = gm_rt_thread_create(0, false);
    gm_rt_thread_start(t);
    wr(&x, 4);
    gm_rt_thread_finish();
    on(main_thr);
    gm_rt_thread_join(t);
    EXPECT_RACES(0, { wr(&x, 4); });
    /* detached: nobody is ordered after its end */
    gm_thr *d = gm_rt_thread_create(0, false);
    gm_rt_thread_detach(d);
    gm_rt_thread_start(d);
    wr(&y, 4);
    gm_rt_thread_finish();
    on(main_thr);
    EXPECT_RACES(1, { wr(&y, 4); });
    /* many create/join rounds reuse slots */
    unsigned before = atomic_load_explicit(&gm_rt_state.nslots, memory_order_relaxed);
    for (int i = 0; i < 3000; i++) {
        gm_thr *c = gm_rt_thread_create(0, false);
        gm_rt_thread_start(c);
        wr(&x, 4);
        gm_rt_thread_finish();
        on(main_thr);
        gm_rt_thread_join(c);
    }
    EXPECT_RACES(0, { wr(&x, 4); });
    unsigned after = atomic_load_explicit(&gm_rt_state.nslots, memory_order_relaxed);
    assert_true(after - before < 80);
}

static void test_history_find_and_overwrite(void **state)
{
    (void)state;
    static uint64_t x, other;
    gm_thr *a = spawn();
    on(a);
    uintptr_t pc = 0x7777000;
    rt_access(a, (uintptr_t)&x, 8, 0, pc);
    gm_rstack st;
    uintptr_t addr;
    size_t size;
    gm_rt_registry_lock();
    bool found =
        rt_history_find(a->sid, a->epoch, (uintptr_t)&x, 0xff, EVF_WRITE, &st, &addr, &size);
    gm_rt_registry_unlock();
    assert_true(found);
    assert_int_equal(st.pc[0], pc);
    assert_int_equal(addr, (uintptr_t)&x);
    assert_int_equal(size, 8);
    uint64_t epoch = a->epoch;
    /* fill the ring: one event per access that changes the shadow */
    static _Alignas(8) int sink;
    for (uint64_t i = 0; i < gm_rt_state.ring_events + 16; i++) {
        rt_access(a, (uintptr_t)&other, 8, 0, 0x9000);
        rt_release(a, (uintptr_t)&sink); /* new epoch: the next write is recorded */
    }
    gm_rt_registry_lock();
    found = rt_history_find(a->sid, epoch, (uintptr_t)&x, 0xff, EVF_WRITE, &st, &addr, &size);
    gm_rt_registry_unlock();
    assert_false(found);
    on(main_thr);
}

/* A load reads memory and takes its clock in one step: when a sync object
 * exists, begin returns with its bucket locked (so no store and clock
 * update can come between the two), and a load that began unlocked and
 * finds an object afterwards is told to read again under the lock. */
static void test_atomic_load_locks_clock(void **state)
{
    (void)state;
    static _Alignas(8) unsigned int flag;
    gm_thr *p = spawn(), *c = spawn();
    on(c);
    void *l = rt_atomic_begin(c, (uintptr_t)&flag, RT_ATOMIC_LOAD, RLX);
    assert_null(l); /* no object yet: no lock */
    unsigned int v = flag;
    /* p's releasing store lands between c's read and c's look-up */
    on(p);
    atomic32_store(&flag, 1, REL);
    on(c);
    l = rt_atomic_load_relock((uintptr_t)&flag);
    assert_non_null(l); /* read again: under the lock, v is 1 */
    v = flag;
    rt_atomic_end(c, l, (uintptr_t)&flag, RT_ATOMIC_LOAD, ACQ);
    assert_int_equal(v, 1);
    assert_true(c->clk[p->sid] >= p->epoch - 1); /* acquired p's store */
    /* with the object there, begin locks before the read */
    l = rt_atomic_begin(c, (uintptr_t)&flag, RT_ATOMIC_LOAD, RLX);
    assert_non_null(l);
    rt_atomic_end(c, l, (uintptr_t)&flag, RT_ATOMIC_LOAD, RLX);
    on(main_thr);
}

/* Freeing a range drops exactly the sync objects inside it, found through
 * the per-chunk index (a chunk's first and last byte, a 16 MiB region
 * boundary), and leaves the neighbours' alone. */
static void test_free_range_drops_sync_objects(void **state)
{
    (void)state;
    on(main_thr);
    size_t region = (size_t)1 << 24, n = 3 * region;
    char *m = gm_malloc(n);
    assert_non_null(m);
    uintptr_t base = ((uintptr_t)m + region - 1) & ~(uintptr_t)(region - 1); /* a region start */
    uintptr_t in[] = {base - 1, base, base + 511, base + 512, base + 4096 + 3, base + region - 8};
    size_t before = rt_sync_count();
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        rt_release(main_thr, in[i]);
    rt_release(main_thr, base - 2);      /* just below the range */
    rt_release(main_thr, base + region); /* just above it */
    assert_int_equal(rt_sync_count(), before + sizeof in / sizeof in[0] + 2);
    rt_sync_free_range(base - 1, region + 1);
    assert_int_equal(rt_sync_count(), before + 2);
    /* a range with no objects in it: nothing changes */
    rt_sync_free_range(base + 8, region / 2);
    assert_int_equal(rt_sync_count(), before + 2);
    rt_sync_free_range(base - 2, 1);
    rt_sync_free_range(base + region, 1);
    assert_int_equal(rt_sync_count(), before);
    gm_free(m);
}

/* Interned stacks lose the runtime's frames: its thread start and
 * everything that called it, and its trampolines above. */
static void test_stack_drops_runtime_bottom(void **state)
{
    (void)state;
    uintptr_t lo = rt_text_lo, len = rt_text_len;
    rt_text_lo = 0x100000;
    rt_text_len = 0x100000;
    uintptr_t out[GM_REPORT_MAX_FRAMES];
    uintptr_t shadow[] = {0x5000, 0x5100, 0x180000}; /* callers, then thread_start */
    uint32_t id = rt_stack_intern(shadow, 3);
    assert_int_equal(rt_stack_get(id, out, GM_REPORT_MAX_FRAMES), 2);
    assert_int_equal(out[0], 0x5000);
    assert_int_equal(out[1], 0x5100);
    uintptr_t goroutine[] = {0x5000, 0x150000, 0x7f0000001000, 0x7f0000002000}; /* libc below */
    id = rt_stack_intern(goroutine, 4);
    assert_int_equal(rt_stack_get(id, out, GM_REPORT_MAX_FRAMES), 1);
    assert_int_equal(out[0], 0x5000);
    uintptr_t once[] = {0x170000, 0x5200, 0x180000}; /* an initializer's trampoline */
    id = rt_stack_intern(once, 3);
    assert_int_equal(rt_stack_get(id, out, GM_REPORT_MAX_FRAMES), 1);
    assert_int_equal(out[0], 0x5200);
    uintptr_t only[] = {0x180000}; /* a thread function's own access */
    assert_int_equal(rt_stack_intern(only, 1), 0);
    uintptr_t plain[] = {0x5000, 0x6000};
    id = rt_stack_intern(plain, 2);
    assert_int_equal(rt_stack_get(id, out, GM_REPORT_MAX_FRAMES), 2);
    rt_text_lo = lo;
    rt_text_len = len;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unordered_writes_race),
        cmocka_unit_test(test_creation_orders_parent_before_child),
        cmocka_unit_test(test_release_acquire),
        cmocka_unit_test(test_release_merge_and_assign),
        cmocka_unit_test(test_byte_exact),
        cmocka_unit_test(test_atomic_vs_plain),
        cmocka_unit_test(test_c11_release_acquire),
        cmocka_unit_test(test_release_sequence),
        cmocka_unit_test(test_fences),
        cmocka_unit_test(test_read_shared),
        cmocka_unit_test(test_free_and_use_after_free),
        cmocka_unit_test(test_reuse_resets_shadow),
        cmocka_unit_test(test_slot_reuse),
        cmocka_unit_test(test_join_and_detach),
        cmocka_unit_test(test_history_find_and_overwrite),
        cmocka_unit_test(test_atomic_load_locks_clock),
        cmocka_unit_test(test_free_range_drops_sync_objects),
        cmocka_unit_test(test_stack_drops_runtime_bottom),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
