/*
 * sync/g.c — per-thread records, parking, waiters, and the deadlock check.
 *
 * See g.h for the permit protocol and the deadlock rule. Counters:
 *   live     goroutines known to gomm and not idle in the pool
 *            (relaxed: only compared when everything is quiescent);
 *   blocked  of those, parked in a gomm operation. Incremented by the
 *            parker before its waiter becomes visible to wakers (under the
 *            lock of the queue it joins), decremented by the waker in
 *            gm_ready, so a thread that has been woken never counts as
 *            blocked even before it runs.
 */
#define _GNU_SOURCE
#include "g.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gomm/alloc.h>

#include "../alloc/fatal.h"
#include "../alloc/gc.h"
#include "futex.h"
#include "timer.h"

static __thread gm_g *tls_g __attribute__((tls_model("initial-exec")));
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t next_goid = 1;

static _Atomic int64_t live, blocked;
_Atomic int64_t gm_timers_pending;
_Atomic int64_t gm_runtime_threads;

#define SPIN_BEFORE_SLEEP 400

int64_t gm_nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* g records are recycled, never freed: a waker may still be inside
 * gm_unpark(g) after the thread it woke has returned and exited. A recycled
 * g may so receive a stale permit; every park loops on its own condition. */
static gm_lock g_free_lock;
static gm_g *g_free_list;

static void g_destroy(void *arg)
{
    gm_g *g = arg;
    if (tls_g == g)
        tls_g = NULL;
    gm_sched_goroutine_finished(g);
    gm_lock_acquire(&g_free_lock);
    g->next_free = g_free_list;
    g_free_list = g;
    gm_lock_release(&g_free_lock);
}

/* fork(): the child has one thread. Locks that a vanished thread may have
 * held are taken around the fork (prepare) or reset (child); the counters
 * start over with the forking thread alone. A channel or semaphore that
 * another thread was inside at the fork stays unusable in the child (the
 * same holds for Go, which does not support fork without exec). */
static void sync_atfork_prepare(void)
{
    gm_timer_atfork_prepare();
    gm_pool_atfork_prepare();
    gm_lock_acquire(&g_free_lock);
}

static void sync_atfork_parent(void)
{
    gm_lock_release(&g_free_lock);
    gm_pool_atfork_parent();
    gm_timer_atfork_parent();
}

static void sync_atfork_child(void)
{
    atomic_store_explicit(&g_free_lock.state, 0, memory_order_relaxed);
    atomic_store_explicit(&live, tls_g && tls_g->counted ? 1 : 0, memory_order_relaxed);
    atomic_store_explicit(&blocked, 0, memory_order_relaxed);
    atomic_store_explicit(&gm_runtime_threads, 0, memory_order_relaxed);
    gm_sema_atfork_child();
    gm_pool_atfork_child();
    gm_timer_atfork_child();
}

static void sync_init_once(void)
{
    pthread_key_create(&g_key, g_destroy);
    pthread_atfork(sync_atfork_prepare, sync_atfork_parent, sync_atfork_child);
}

void gm_sync_init(void)
{
    pthread_once(&g_key_once, sync_init_once);
}

gm_g *gm_getg(void)
{
    gm_g *g = tls_g;
    if (__builtin_expect(g != NULL, 1))
        return g;
    gm_sync_init();
    gm_lock_acquire(&g_free_lock);
    g = g_free_list;
    if (g)
        g_free_list = g->next_free;
    gm_lock_release(&g_free_lock);
    if (!g && !(g = gm_calloc(1, sizeof *g)))
        gm_fatal("out of memory allocating a thread record");
    gc_thread_cur(); /* a thread that uses gomm is known to the collector */
    g->next_free = NULL;
    g->blocking = 0;
    g->id = atomic_fetch_add_explicit(&next_goid, 1, memory_order_relaxed);
    g->rand = (g->id * 0x9E3779B97F4A7C15ull) ^ (uint64_t)gm_nanotime() ^ (uintptr_t)g;
    if (!g->rand)
        g->rand = 1;
    tls_g = g;
    pthread_setspecific(g_key, g);
    gm_sched_goroutine_started(g);
    return g;
}

uint32_t gm_fastrandn(gm_g *g, uint32_t n)
{
    uint64_t x = g->rand;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g->rand = x;
    /* Lemire's multiply-shift: uniform enough for n << 2^32 */
    return (uint32_t)(((x >> 32) * (uint64_t)n) >> 32);
}

/* ---------- deadlock detection ---------- */

/* Threads of this process, from /proc/self/stat (field 20). -1 if unknown. */
static long os_thread_count(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return -1;
    /* after ')': field 3 is state; num_threads is field 20 */
    int field = 2;
    for (; *p && field < 20; p++)
        if (*p == ' ')
            field++;
    return field == 20 ? strtol(p, NULL, 10) : -1;
}

static void check_deadlock(void)
{
    int64_t l = atomic_load_explicit(&live, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&blocked, memory_order_seq_cst);
    if (l <= 0 || b != l || atomic_load_explicit(&gm_timers_pending, memory_order_seq_cst) > 0)
        return;
    long os = os_thread_count();
    int64_t known = l + atomic_load_explicit(&gm_runtime_threads, memory_order_seq_cst) +
                    gc_runtime_thread_count(); /* the collector's worker, finalizer thread */
    if (os < 0 || os != known)
        return; /* a thread gomm does not know may still wake someone */
    /* Look again: everything must have held still meanwhile. */
    if (atomic_load_explicit(&blocked, memory_order_seq_cst) != l ||
        atomic_load_explicit(&live, memory_order_seq_cst) != l ||
        atomic_load_explicit(&gm_timers_pending, memory_order_seq_cst) > 0)
        return;
    gm_fatal("all goroutines are asleep - deadlock!");
}

void gm_sched_goroutine_started(gm_g *g)
{
    if (!g->counted) {
        g->counted = true;
        atomic_fetch_add_explicit(&live, 1, memory_order_seq_cst);
    }
}

void gm_sched_goroutine_finished(gm_g *g)
{
    if (g->counted) {
        g->counted = false;
        atomic_fetch_sub_explicit(&live, 1, memory_order_seq_cst);
        check_deadlock();
    }
}

void gm_sched_precount_add(void)
{
    atomic_fetch_add_explicit(&live, 1, memory_order_seq_cst);
}

void gm_sched_precount_drop(void)
{
    atomic_fetch_sub_explicit(&live, 1, memory_order_seq_cst);
}

/* ---------- parking ---------- */

void gm_unpark(gm_g *g)
{
    /* release: pairs with the acquire exchange in park_once */
    if (atomic_exchange_explicit(&g->park_word, 1, memory_order_release) == 2)
        gm_futex_wake(&g->park_word, 1);
}

/* Wait for a permit: spin a little, then sleep. False on timeout. */
static bool park_once(gm_g *g, const struct timespec *rel)
{
    for (int i = 0; i < SPIN_BEFORE_SLEEP; i++) {
        if (atomic_load_explicit(&g->park_word, memory_order_relaxed) == 1)
            break;
        gm_cpu_relax();
    }
    for (;;) {
        /* acquire: pairs with the release exchange in gm_unpark */
        if (atomic_exchange_explicit(&g->park_word, 0, memory_order_acquire) == 1)
            return true;
        uint32_t expect = 0;
        if (!atomic_compare_exchange_strong_explicit(&g->park_word, &expect, 2,
                                                     memory_order_relaxed, memory_order_relaxed))
            continue; /* a permit arrived */
        long r = gm_futex_wait(&g->park_word, 2, rel);
        if (r != 0 && rel) {
            /* timed out (or interrupted): take a permit if one came */
            expect = 2;
            if (atomic_compare_exchange_strong_explicit(&g->park_word, &expect, 0,
                                                        memory_order_relaxed, memory_order_relaxed))
                return false;
        }
    }
}

void gm_park_until(gm_g *g, _Atomic bool *flag)
{
    atomic_fetch_add_explicit(&blocked, 1, memory_order_seq_cst);
    check_deadlock();
    /* parked: a stop-the-world takes this thread as it is, no signal */
    gc_block_enter();
    /* acquire: pairs with the release store in gm_ready */
    while (!atomic_load_explicit(flag, memory_order_acquire))
        park_once(g, NULL);
    gc_block_exit();
}

void gm_block_forever(void)
{
    gm_g *g = gm_getg();
    _Atomic bool never = false;
    gm_park_until(g, &never);
    gm_fatal("woken from a block that has no waker");
}

bool gm_park_timed(gm_g *g, int64_t timeout_ns)
{
    bool ok;
    gc_block_enter();
    if (timeout_ns < 0) {
        ok = park_once(g, NULL);
    } else {
        struct timespec rel = {timeout_ns / 1000000000, timeout_ns % 1000000000};
        ok = park_once(g, &rel);
    }
    gc_block_exit();
    return ok;
}

void gm_ready(gm_waiter *w)
{
    gm_g *g = w->g;
    _Atomic bool *flag = w->flag ? w->flag : &w->done;
    g->param = w;
    atomic_fetch_sub_explicit(&blocked, 1, memory_order_seq_cst);
    /* release: the parked thread reads what we wrote (elem, success,
     * param); after this store w and its select may be gone */
    atomic_store_explicit(flag, true, memory_order_release);
    gm_unpark(g);
}

/* ---------- waiters ---------- */

gm_waiter *gm_waiter_get(gm_g *g)
{
    gm_waiter *w = gm_malloc(sizeof *w);
    if (!w)
        gm_fatal("out of memory allocating a waiter");
    memset(w, 0, sizeof *w);
    w->g = g;
    return w;
}

void gm_waiter_put(gm_waiter *w)
{
    gm_free(w);
}
