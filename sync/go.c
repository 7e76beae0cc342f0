/*
 * sync/go.c — gm_go: goroutines on a pool of threads.
 *
 * A goroutine is a pthread. Threads that finish their function wait idle
 * (parked on their futex word) for the next gm_go; a thread idle for
 * IDLE_EXIT_NS exits. gm_go takes an idle thread if there is one (a
 * hand-off of fn/arg and an unpark: microseconds cheaper than
 * pthread_create), else starts a detached thread.
 *
 * Locking: pool_lock protects the idle list. A worker's fn/arg are written
 * by gm_go before the release store of has_work, read after the acquire
 * load (the gm_go call happens before fn starts: Go's rule). To the race
 * checker each goroutine is a thread of its own: gm_go makes its context
 * (RACE_GO_CREATE: the creator's clock flows into it) and the worker runs
 * fn inside RACE_GO_START/RACE_GO_END, so goroutines that share a pool
 * thread are not ordered by it.
 *
 * Deadlock accounting (g.c): gm_go counts the new goroutine as live before
 * it runs (over-counting only delays a report, never invents one); the
 * worker drops that count once its own g is counted, and moves from live
 * to runtime threads while idle.
 */
#define _GNU_SOURCE
#include <gomm/go.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <gomm/alloc.h>

#include "../alloc/fatal.h"
#include "../alloc/gc.h"
#include "futex.h"
#include "g.h"
#include "race_hooks.h"

#define IDLE_EXIT_NS (10LL * 1000000000)

typedef struct worker {
    gm_g *g; /* set by the worker before it first idles */
    void (*fn)(void *);
    void *arg;
    void *race_ctx;        /* the goroutine's race-checker context (race build) */
    _Atomic bool has_work; /* release by gm_go, acquire by the worker */
    struct worker *next;   /* idle list (pool_lock) */
    bool idle;             /* on the idle list (pool_lock) */
} worker;

static gm_lock pool_lock;
static worker *idle_list;

static void run(worker *w)
{
    RACE_GO_START(w->race_ctx);
    w->fn(w->arg);
    RACE_GO_END();
}

/* Wait for the next job. False: idle too long, the thread should exit. */
static bool wait_for_work(worker *w)
{
    gm_g *g = w->g;
    /* live -> idle: count the runtime thread first, so that the deadlock
     * check in goroutine_finished sees the thread accounted for */
    atomic_fetch_add_explicit(&gm_runtime_threads, 1, memory_order_seq_cst);
    gm_sched_goroutine_finished(g);
    atomic_store_explicit(&w->has_work, false, memory_order_relaxed);
    gm_lock_acquire(&pool_lock);
    w->idle = true;
    w->next = idle_list;
    idle_list = w;
    gm_lock_release(&pool_lock);
    for (;;) {
        if (atomic_load_explicit(&w->has_work, memory_order_acquire))
            break;
        if (gm_park_timed(g, IDLE_EXIT_NS))
            continue;
        /* timed out: leave, unless gm_go took us meanwhile */
        gm_lock_acquire(&pool_lock);
        if (w->idle) {
            worker **pp = &idle_list;
            while (*pp != w)
                pp = &(*pp)->next;
            *pp = w->next;
            w->idle = false;
            gm_lock_release(&pool_lock);
            atomic_fetch_sub_explicit(&gm_runtime_threads, 1, memory_order_seq_cst);
            return false;
        }
        gm_lock_release(&pool_lock);
    }
    /* gm_go counted us live already (and took us off the idle list) */
    atomic_fetch_sub_explicit(&gm_runtime_threads, 1, memory_order_seq_cst);
    g->counted = true;
    return true;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    atomic_load_explicit(&w->has_work, memory_order_acquire);
    w->g = gm_getg();         /* counts this thread live ... */
    gm_sched_precount_drop(); /* ... so drop gm_go's advance count */
    do
        run(w);
    while (wait_for_work(w));
    gm_free(w);
    return NULL;
}

void gm_pool_atfork_prepare(void)
{
    gm_lock_acquire(&pool_lock);
}

void gm_pool_atfork_parent(void)
{
    gm_lock_release(&pool_lock);
}

void gm_pool_atfork_child(void)
{
    /* the idle threads do not exist in the child: forget them */
    idle_list = NULL;
    atomic_store_explicit(&pool_lock.state, 0, memory_order_relaxed);
}

int gm_go(void (*fn)(void *arg), void *arg)
{
    gm_sync_init();
    gm_sched_precount_add();
    gm_lock_acquire(&pool_lock);
    worker *w = idle_list;
    if (w) {
        idle_list = w->next;
        w->idle = false;
    }
    gm_lock_release(&pool_lock);
    if (w) {
        w->fn = fn;
        w->arg = arg;
        w->race_ctx = RACE_GO_CREATE();
        /* release: pairs with the acquire load in wait_for_work */
        atomic_store_explicit(&w->has_work, true, memory_order_release);
        gm_unpark(w->g);
        return 0;
    }
    w = gm_malloc(sizeof *w);
    if (!w) {
        gm_sched_precount_drop();
        return ENOMEM;
    }
    w->g = NULL;
    w->fn = fn;
    w->arg = arg;
    w->next = NULL;
    w->idle = false;
    w->race_ctx = RACE_GO_CREATE();
    atomic_store_explicit(&w->has_work, true, memory_order_release);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int err = pthread_create(&th, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (err) {
        RACE_GO_DISCARD(w->race_ctx);
        gm_free(w);
        gm_sched_precount_drop();
        return err;
    }
    return 0;
}

void gm_gosched(void)
{
    sched_yield();
}

void gm_blocking_enter(void)
{
    gm_getg()->blocking++;
    gc_block_enter(); /* does not delay a stop-the-world */
}

void gm_blocking_exit(void)
{
    gm_g *g = gm_getg();
    if (g->blocking <= 0)
        gm_fatal("gm_blocking_exit without gm_blocking_enter");
    g->blocking--;
    gc_block_exit(); /* waits here if the world is stopped */
}
