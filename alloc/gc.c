/*
 * alloc/gc.c — the collection cycle: when to start one (pacing), the two
 * stops, the background worker, gm_gc, statistics and GOMM_GCTRACE.
 *
 * A cycle (run_cycle, under cycle_lock, by the background worker or by
 * the caller of gm_gc): finish sweeping; stop the world; run the STW hooks
 * (sync.Pool's cleanup); scan every root; switch the barrier on
 * (GCS_MARKING); restart the world; mark concurrently (the driver, at
 * ~25% of the machine when it is the background worker, with allocators
 * assisting in proportion to what they allocate); when the gray queue is
 * empty, stop the world again: still empty means marking is done (a
 * barrier may have shaded something meanwhile: then restart and go on);
 * switch the barrier off, queue finalizers, flush the caches, flip the
 * span lists to "unswept", compute the next goal; restart the world.
 * With GOMM_GC=stw, marking runs entirely inside the first stop.
 *
 * Pacing (Go's GOGC): goal = live * (1 + GOGC/100), at least 4 MiB *
 * GOGC/100; GOMM_MEMLIMIT caps the goal at the limit less the memory the
 * collector does not manage (gm_malloc heap, metadata); the trigger is at
 * 85% of the way from live to goal (100% with GOMM_GC=stw). heap_live
 * counts the collected heap as Go's heapLive: what the last mark found
 * live plus every span's free slots as threads take it into their caches.
 * Assists: an allocator owes ratio * bytes of scan work for the bytes it
 * allocates while marking, ratio = live / (goal - heap at mark start).
 *
 * Locking: cycle_lock (one cycle at a time; waited for in a blocking
 * region), stats_lock (the figures, never held with the world stopped).
 * gm_gc_state is written with seq_cst RMWs by the driver and read relaxed
 * by every fast path; a thread sees the change at the latest at its next
 * stop (the world stops around every change of GCS_MARKING).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <gomm/gc.h>

#include "gc.h"

_Atomic uint32_t gm_gc_state;
gc_params gc_cfg = {.gogc = 100};
_Atomic uint64_t gc_heap_live;
_Atomic uint64_t gc_trigger_bytes = UINT64_MAX;

static pthread_mutex_t cycle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cycle_cv = PTHREAD_COND_INITIALIZER;
static bool cycle_busy;          /* cycle_mu */
static _Atomic uint32_t handoff; /* 1: a started cycle waits for the worker */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Atomic bool gc_ready;
static _Atomic uint32_t worker_wake; /* futex: 1 = a cycle is wanted */
static _Atomic bool worker_started;
static int ncpu = 1;
static int64_t start_ns;
static _Atomic uint64_t assist_ratio_milli = 1000;

/* ---------- statistics (stats_lock) ---------- */

#define PAUSE_RING 1024
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint32_t num_gc, num_forced;
    uint64_t pause_total_ns, pause_max_ns, pause_last_ns;
    uint64_t cycle_pause_ns[256]; /* per cycle, both stops: memstats.pause_ns */
    uint64_t pauses[PAUSE_RING];  /* each stop */
    uint64_t npauses;
    uint64_t last_gc_unix_ns;
    uint64_t heap_marked, heap_goal;
    uint64_t mark_cpu_ns; /* driver CPU in cycles (includes its stops) */
} st;

/* ---------- hooks run in the first stop ---------- */

#define MAX_HOOKS 8
static void (*stw_hooks[MAX_HOOKS])(void);
static _Atomic int nhooks;

void gc_register_stw_hook(void (*fn)(void))
{
    int n = atomic_load_explicit(&nhooks, memory_order_relaxed);
    if (n == MAX_HOOKS)
        gm_fatal("gc: too many stop-the-world hooks");
    stw_hooks[n] = fn;
    /* release: pairs with the acquire load in gc_run_stw_hooks */
    atomic_store_explicit(&nhooks, n + 1, memory_order_release);
}

void gc_run_stw_hooks(void)
{
    int n = atomic_load_explicit(&nhooks, memory_order_acquire);
    for (int i = 0; i < n; i++)
        stw_hooks[i]();
}

/* ---------- configuration ---------- */

static uint64_t parse_bytes(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return 0;
    while (*end == ' ')
        end++;
    double mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024;
    else if (*end == 'M' || *end == 'm')
        mul = 1024.0 * 1024;
    else if (*end == 'G' || *end == 'g')
        mul = 1024.0 * 1024 * 1024;
    else if (*end == 'T' || *end == 't')
        mul = 1024.0 * 1024 * 1024 * 1024;
    return (uint64_t)(v * mul);
}

static void read_env(void)
{
    const char *e = getenv("GOMM_GOGC");
    if (e && *e) {
        if (!strcmp(e, "off"))
            gc_cfg.gogc = -1;
        else
            gc_cfg.gogc = atoi(e) > 0 ? atoi(e) : (strcmp(e, "0") == 0 ? 0 : 100);
    }
    e = getenv("GOMM_MEMLIMIT");
    if (e && *e && strcmp(e, "off") != 0)
        gc_cfg.memlimit = parse_bytes(e);
    e = getenv("GOMM_GC");
    gc_cfg.stw_mode = e && !strcmp(e, "stw");
    e = getenv("GOMM_GCTRACE");
    gc_cfg.trace = e && atoi(e) > 0;
}

/* ---------- pacing ---------- */

static uint64_t goal_for(uint64_t marked)
{
    uint64_t goal;
    if (gc_cfg.gogc < 0) {
        goal = UINT64_MAX;
    } else {
        goal = marked + marked / 100 * (uint64_t)gc_cfg.gogc;
        uint64_t floor = GC_MIN_HEAP / 100 * (uint64_t)gc_cfg.gogc;
        if (goal < floor)
            goal = floor;
    }
    if (gc_cfg.memlimit) {
        /* what the collector does not manage: gm_malloc's heap, metadata */
        heap_stats hs;
        heap_read_stats(&hs);
        uint64_t gcb = atomic_load_explicit(&gc_span_bytes, memory_order_relaxed);
        uint64_t inuse = hs.sys - hs.idle;
        uint64_t other = (inuse > gcb ? inuse - gcb : 0) + hs.arena_meta;
        uint64_t lim = gc_cfg.memlimit > other ? gc_cfg.memlimit - other : 0;
        lim = lim / 100 * 95;
        if (lim < marked + marked / 16) /* leave room to work: Go's limiter in miniature */
            lim = marked + marked / 16 + (1 << 20);
        if (goal > lim)
            goal = lim;
    }
    return goal;
}

static uint64_t trigger_for(uint64_t marked, uint64_t goal)
{
    if (goal == UINT64_MAX)
        return UINT64_MAX;
    if (gc_cfg.stw_mode)
        return goal;
    return marked + (goal - marked) / 100 * 85;
}

double gc_assist_ratio(void)
{
    return (double)atomic_load_explicit(&assist_ratio_milli, memory_order_relaxed) / 1000.0;
}

void gc_assist(gc_thread *t)
{
    int64_t t0 = gc_thread_cpu_ns(); /* CPU time: waiting is not work */
    double ratio = gc_assist_ratio();
    for (int idle = 0; t->assist_debt > 0 && (gc_state() & GCS_MARKING);) {
        uint64_t want = (uint64_t)((double)t->assist_debt * ratio);
        if (want < (64u << 10))
            want = 64u << 10;
        uint64_t done = gc_drain(want);
        t->assist_debt -= (int64_t)((double)done / ratio);
        if (done)
            continue;
        /* Nothing to scan but marking goes on (the worker holds the last
         * gray objects, or is about to finish): wait a little, as Go parks
         * an assist, so the heap does not outrun the collector; give up
         * after 10 ms (the debt is then forgiven). */
        if (++idle > 200)
            break;
        gc_block_enter();
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
        gc_block_exit();
    }
    if (t->assist_debt < 0 || !(gc_state() & GCS_MARKING))
        t->assist_debt = 0;
    gc_counter_add(&t->assist_ns, (uint64_t)(gc_thread_cpu_ns() - t0));
}

static void futex_wake_one(_Atomic uint32_t *a)
{
    syscall(SYS_futex, (uint32_t *)a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void gc_start_triggered(void);

void gc_maybe_trigger(void)
{
    if (atomic_load_explicit(&gc_heap_live, memory_order_relaxed) >=
        atomic_load_explicit(&gc_trigger_bytes, memory_order_relaxed))
        gc_start_triggered();
}

/* ---------- the cycle ---------- */

static void record_pause(uint64_t ns)
{
    st.pauses[st.npauses % PAUSE_RING] = ns;
    st.npauses++;
    st.pause_total_ns += ns;
    st.pause_last_ns = ns;
    if (ns > st.pause_max_ns)
        st.pause_max_ns = ns;
}

static void mark_concurrently(bool background, uint64_t *pause2_ns, int64_t *p2_start)
{
    double util = 0.25 * ncpu;
    if (util > 1)
        util = 1;
    int64_t begin = gc_nanotime(), worked = 0;
    for (;;) {
        int64_t t0 = gc_nanotime();
        gc_drain(background ? (256u << 10) : 0);
        worked += gc_nanotime() - t0;
        if (!gc_work_empty()) {
            if (background) { /* ~25% of the machine: sleep off the rest */
                int64_t elapsed = gc_nanotime() - begin;
                if ((double)worked > util * (double)elapsed + 1e6) {
                    struct timespec ts = {0, 1000000};
                    nanosleep(&ts, NULL);
                }
            }
            continue;
        }
        *p2_start = gc_nanotime();
        gc_stop_the_world();
        if (gc_work_empty())
            return; /* world stays stopped: mark termination */
        gc_start_the_world();
        uint64_t ns = (uint64_t)(gc_nanotime() - *p2_start);
        *pause2_ns += ns;
        pthread_mutex_lock(&stats_lock);
        record_pause(ns);
        pthread_mutex_unlock(&stats_lock);
    }
}

/* ---------- who runs the cycle ---------- */

/* One cycle at a time: cycle_busy under cycle_mu. Ownership passes from
 * the thread that starts a cycle (an allocator crossing the trigger, or
 * gm_gc's caller) to the worker that finishes it, so it is a flag, not a
 * mutex. Waiters sleep in a blocking region (they never delay a stop);
 * cycle_mu is never taken with the world stopped. */
static void cycle_acquire(void)
{
    gc_block_enter();
    pthread_mutex_lock(&cycle_mu);
    while (cycle_busy)
        pthread_cond_wait(&cycle_cv, &cycle_mu);
    cycle_busy = true;
    pthread_mutex_unlock(&cycle_mu);
    gc_block_exit();
}

static bool cycle_try_acquire(void)
{
    bool got = false;
    gc_block_enter();
    pthread_mutex_lock(&cycle_mu);
    if (!cycle_busy)
        got = cycle_busy = true;
    pthread_mutex_unlock(&cycle_mu);
    gc_block_exit();
    return got;
}

static void cycle_release(void)
{
    pthread_mutex_lock(&cycle_mu);
    cycle_busy = false;
    pthread_cond_broadcast(&cycle_cv);
    pthread_mutex_unlock(&cycle_mu);
}

/* The current cycle's figures (the cycle's owner only). */
static struct {
    bool forced;
    int64_t t_begin, p1, mark_begin;
    uint64_t heap_before, pause1, pause2;
    int64_t cpu; /* drivers' CPU time */
} cyc;

static void cycle_terminate(gc_thread *self, int64_t p2);

/* Sweep termination and the first stop: every root scanned, the barrier
 * on. With GOMM_GC=stw the whole cycle runs here, world stopped. The
 * caller owns the cycle and has noted its own stack (driver). */
static void cycle_start(gc_thread *self, bool forced)
{
    int64_t cpu0 = gc_thread_cpu_ns();
    cyc.forced = forced;
    cyc.t_begin = gc_nanotime();
    cyc.heap_before = atomic_load_explicit(&gc_heap_live, memory_order_relaxed);
    cyc.pause1 = cyc.pause2 = 0;
    cyc.cpu = 0;
    gc_sweep_finish();
    gc_roots_refresh();
    cyc.p1 = gc_nanotime();
    gc_stop_the_world();
    gc_run_stw_hooks();
    gc_scan_roots();
    gc_counter_add(&self->marked_bytes, gc_roots_done());
    uint64_t goal_now = goal_for(st.heap_marked);
    uint64_t live_now = atomic_load_explicit(&gc_heap_live, memory_order_relaxed);
    uint64_t runway = goal_now > live_now + (1 << 20) ? goal_now - live_now : (1 << 20);
    double ratio = (double)(st.heap_marked ? st.heap_marked : live_now) / (double)runway;
    if (ratio < 0.1)
        ratio = 0.1;
    atomic_store_explicit(&assist_ratio_milli, (uint64_t)(ratio * 1000), memory_order_relaxed);
    atomic_fetch_or_explicit(&gm_gc_state, GCS_MARKING, memory_order_seq_cst);
    if (gc_cfg.stw_mode) {
        cyc.mark_begin = gc_nanotime();
        gc_drain(0);
        cyc.cpu += gc_thread_cpu_ns() - cpu0;
        cycle_terminate(self, cyc.p1);
        return;
    }
    gc_start_the_world();
    cyc.pause1 = (uint64_t)(gc_nanotime() - cyc.p1);
    cyc.mark_begin = gc_nanotime();
    cyc.cpu += gc_thread_cpu_ns() - cpu0;
    pthread_mutex_lock(&stats_lock);
    record_pause(cyc.pause1);
    pthread_mutex_unlock(&stats_lock);
}

/* Concurrent marking until the gray queue is empty with the world
 * stopped, then mark termination. background: the worker, at ~25% of the
 * machine; otherwise at full speed (gm_gc's caller waits anyway). */
static void cycle_mark(gc_thread *self, bool background)
{
    int64_t cpu0 = gc_thread_cpu_ns();
    int64_t p2 = 0;
    mark_concurrently(background, &cyc.pause2, &p2);
    cyc.cpu += gc_thread_cpu_ns() - cpu0;
    cycle_terminate(self, p2);
}

/* World stopped (since p2): mark termination, then restart the world,
 * account, trace, release the cycle. */
static void cycle_terminate(gc_thread *self, int64_t p2)
{
    (void)self;
    int64_t cpu0 = gc_thread_cpu_ns();
    int64_t mark_end = gc_nanotime();
    atomic_fetch_and_explicit(&gm_gc_state, ~GCS_MARKING, memory_order_seq_cst);
    gc_fin_collect_stw();
    uint64_t marked = gc_threads_take_marked_stw();
    gc_sweep_flip_stw();
    for (gc_thread *t = gc_threads_first(); t; t = t->next)
        gc_cache_flush_stw(t);
    atomic_store_explicit(&gc_heap_live, marked, memory_order_relaxed);
    uint64_t goal = goal_for(marked);
    atomic_store_explicit(&gc_trigger_bytes, trigger_for(marked, goal), memory_order_relaxed);
    gc_start_the_world();
    int64_t t_end = gc_nanotime();
    uint64_t last_pause = (uint64_t)(t_end - p2);
    cyc.pause2 += last_pause;
    cyc.cpu += gc_thread_cpu_ns() - cpu0;

    gc_fin_after_cycle();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t assist_total, alloc_total;
    gc_threads_sum(&alloc_total, &assist_total);
    pthread_mutex_lock(&stats_lock);
    record_pause(last_pause);
    st.cycle_pause_ns[st.num_gc % 256] = cyc.pause1 + cyc.pause2;
    st.num_gc++;
    st.num_forced += cyc.forced;
    st.heap_marked = marked;
    st.heap_goal = goal;
    st.mark_cpu_ns += (uint64_t)cyc.cpu;
    st.last_gc_unix_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    uint32_t n = st.num_gc;
    double cpu_frac =
        (double)(st.mark_cpu_ns + assist_total) / ((double)(t_end - start_ns) * ncpu + 1);
    pthread_mutex_unlock(&stats_lock);
    bool forced = cyc.forced;
    uint64_t pause1 = cyc.pause1, heap_before = cyc.heap_before;
    int64_t t_begin = cyc.t_begin, mark_begin = cyc.mark_begin, cpu = cyc.cpu;
    cycle_release();

    if (gc_cfg.trace) {
        /* Go's gctrace: gc # @time %cpu: stop1+mark+stop2 ms clock, cpu
         * ms, heap at start -> at end of mark -> live MB, goal, procs */
        uint64_t at_end = heap_before > marked ? heap_before : marked;
        fprintf(stderr,
                "gc %u @%.3fs %.0f%%: %.3f+%.3f+%.3f ms clock, %.3f ms cpu, "
                "%llu->%llu->%llu MB, %llu MB goal, %d P%s\n",
                n, (double)(t_begin - start_ns) / 1e9, cpu_frac * 100, (double)pause1 / 1e6,
                (double)(mark_end - mark_begin) / 1e6, (double)last_pause / 1e6, (double)cpu / 1e6,
                (unsigned long long)(heap_before >> 20), (unsigned long long)(at_end >> 20),
                (unsigned long long)(marked >> 20),
                (unsigned long long)(goal == UINT64_MAX ? 0 : goal >> 20), ncpu,
                forced ? " (forced)" : (gc_cfg.stw_mode ? " (stw)" : ""));
    }
}

/* An allocator crossed the trigger: if no cycle runs, start one here (the
 * first stop, as Go's gcStart runs on the allocating goroutine) and hand
 * the marking to the worker. noinline: this frame is where the scan of the
 * caller's stack begins. */
static __attribute__((noinline)) void gc_start_triggered(void)
{
    if (atomic_load_explicit(&gc_heap_live, memory_order_relaxed) <
            atomic_load_explicit(&gc_trigger_bytes, memory_order_relaxed) ||
        gc_nosuspend_depth > 0 || !cycle_try_acquire())
        return;
    if (atomic_load_explicit(&gc_heap_live, memory_order_relaxed) <
        atomic_load_explicit(&gc_trigger_bytes, memory_order_relaxed)) {
        cycle_release(); /* a cycle just ended */
        return;
    }
    gc_thread *self = gc_thread_cur();
    gc_roots_note_driver(self, gc_save_regs(self->driver_regs));
    cycle_start(self, false);
    if (gc_cfg.stw_mode)
        return; /* done, and released */
    /* release: the worker's acquire sees the cycle's figures */
    atomic_store_explicit(&handoff, 1, memory_order_release);
    atomic_store_explicit(&worker_wake, 1, memory_order_release);
    futex_wake_one(&worker_wake);
}

/* ---------- the background worker ---------- */

static void *worker_main(void *arg)
{
    (void)arg;
    gc_thread *t = gc_thread_cur();
    t->no_stack_scan = true; /* it holds no user pointer */
    gc_runtime_thread_started();
    for (;;) {
        gc_block_enter();
        while (atomic_load_explicit(&worker_wake, memory_order_acquire) == 0)
            syscall(SYS_futex, (uint32_t *)&worker_wake, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        atomic_store_explicit(&worker_wake, 0, memory_order_relaxed);
        gc_block_exit();
        /* acquire: pairs with the release store in gc_start_triggered */
        if (atomic_exchange_explicit(&handoff, 0, memory_order_acquire))
            cycle_mark(t, true);
        /* background sweeping, until done or another cycle is wanted */
        while (atomic_load_explicit(&worker_wake, memory_order_relaxed) == 0 && gc_sweep_one()) {
        }
    }
    return NULL;
}

static void start_worker(void)
{
    if (atomic_exchange_explicit(&worker_started, true, memory_order_relaxed))
        return;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, worker_main, NULL) != 0)
        gm_fatal("gc: cannot start the collector's worker thread");
    pthread_attr_destroy(&attr);
}

/* ---------- fork ---------- */

static void atfork_prepare(void)
{
    cycle_acquire(); /* a cycle may be running: wait for it */
    gc_stw_atfork_prepare();
}

static void atfork_parent(void)
{
    gc_stw_atfork_parent();
    cycle_release();
}

static void atfork_child(void)
{
    gc_stw_atfork_child();
    pthread_mutex_init(&cycle_mu, NULL);
    pthread_cond_init(&cycle_cv, NULL);
    cycle_busy = false;
    atomic_store_explicit(&handoff, 0, memory_order_relaxed);
    pthread_mutex_init(&stats_lock, NULL);
    atomic_store_explicit(&worker_started, false, memory_order_relaxed);
    atomic_store_explicit(&worker_wake, 0, memory_order_relaxed);
    /* the worker is gone: the next trigger starts a new one */
    if (atomic_load_explicit(&gc_ready, memory_order_relaxed))
        start_worker();
}

/* ---------- init and the public entry points ---------- */

static void init_once_fn(void)
{
    gm_alloc_ensure_init();
    read_env();
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    ncpu = n > 0 ? (int)n : 1;
    start_ns = gc_nanotime();
    gc_sweep_init();
    gc_mark_init();
    gc_stw_init();
    uint64_t goal = goal_for(0);
    pthread_mutex_lock(&stats_lock);
    st.heap_goal = goal;
    pthread_mutex_unlock(&stats_lock);
    atomic_store_explicit(&gc_trigger_bytes, trigger_for(0, goal), memory_order_relaxed);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    start_worker();
    /* release: pairs with the acquire load in gc_init */
    atomic_store_explicit(&gc_ready, true, memory_order_release);
}

void gc_init(void)
{
    if (GM_UNLIKELY(!atomic_load_explicit(&gc_ready, memory_order_acquire)))
        pthread_once(&init_once, init_once_fn);
}

void gm_gc_register_thread(void)
{
    gc_thread_cur();
}

__attribute__((noinline)) void gm_gc(void)
{
    gc_init();
    gc_thread *t = gc_thread_cur();
    /* dead frames below become uninitialized parts of live ones later:
     * wipe them while this is the deepest frame (Boehm GC does as much) */
    gm_heap_grew = false;
    gm_stack_scrub();
    gc_roots_note_driver(t, gc_save_regs(t->driver_regs));
    cycle_acquire();
    cycle_start(t, true);
    if (!gc_cfg.stw_mode)
        cycle_mark(t, false);
    gc_sweep_finish(); /* as Go's runtime.GC: the heap is swept on return */
}

/* ---------- memstats ---------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void gc_read_stats(gm_memstats *out)
{
    if (!atomic_load_explicit(&gc_ready, memory_order_acquire))
        return;
    static uint64_t sorted[PAUSE_RING];
    static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;
    uint64_t alloc_total, assist_total;
    gc_threads_sum(&alloc_total, &assist_total);
    pthread_mutex_lock(&sort_lock);
    pthread_mutex_lock(&stats_lock);
    out->num_gc = st.num_gc;
    out->num_forced_gc = st.num_forced;
    out->pause_total_ns = st.pause_total_ns;
    out->last_gc_ns = st.last_gc_unix_ns;
    out->next_gc = st.heap_goal;
    memcpy(out->pause_ns, st.cycle_pause_ns, sizeof out->pause_ns);
    out->pause_last_ns = st.pause_last_ns;
    out->pause_max_ns = st.pause_max_ns;
    out->gc_heap_goal = st.heap_goal;
    out->gc_heap_live = st.heap_marked;
    out->gc_mark_cpu_ns = st.mark_cpu_ns;
    size_t n = st.npauses < PAUSE_RING ? st.npauses : PAUSE_RING;
    memcpy(sorted, st.pauses, n * sizeof *sorted);
    int64_t elapsed = gc_nanotime() - start_ns;
    double cpu = (double)(st.mark_cpu_ns + assist_total);
    pthread_mutex_unlock(&stats_lock);
    if (n) {
        qsort(sorted, n, sizeof *sorted, cmp_u64);
        out->pause_p50_ns = sorted[(n - 1) / 2];
        out->pause_p99_ns = sorted[(n - 1) * 99 / 100];
    }
    pthread_mutex_unlock(&sort_lock);
    out->gc_cpu_fraction = elapsed > 0 ? cpu / ((double)elapsed * ncpu) : 0;
    out->assist_ns = assist_total;
    out->gc_heap_alloc = atomic_load_explicit(&gc_heap_live, memory_order_relaxed);
    out->gc_total_alloc = alloc_total;
    out->gc_freed_bytes = atomic_load_explicit(&gc_sweep_freed_bytes, memory_order_relaxed);
    out->gc_freed_objects = atomic_load_explicit(&gc_sweep_freed_objects, memory_order_relaxed);
    out->gc_spans = atomic_load_explicit(&gc_spans_in_use, memory_order_relaxed);
    out->finalizers_run = atomic_load_explicit(&gc_finalizers_run, memory_order_relaxed);
    out->finalizers_queued = atomic_load_explicit(&gc_finalizers_queued, memory_order_relaxed);
}
