/*
 * bench/sync_bench.c — gomm's channels and sync primitives against plain
 * pthreads (bench/go/ has the same workloads in Go; scripts/bench-sync.sh
 * runs all three interleaved; docs/BENCHMARKS.md has the results).
 *
 *   sync_bench IMPL WORKLOAD [-n OPS] [-T SECONDS]
 *
 * IMPL is gomm (gm_go, gm_chan, gm_select, gm_mutex, ...) or pthread
 * (pthread_create, the mutex+condvar queues of bench/pthread_queue.h,
 * pthread_mutex, pthread_once, ...). One WORKLOAD per process, timed once:
 *
 *   pingpong   unbuffered round trip: main sends i on ping, a helper thread
 *              receives it and sends i+1 back on pong. OPS round trips.
 *   buffered   a helper produces 0,1,2,... into a cap-128 channel, main
 *              consumes and checks the order. OPS items.
 *   select     a helper sends i into channel i%4 (four cap-128 channels),
 *              main receives with a 4-case select and checks each
 *              channel's order. OPS items. (pthread: pq_group, four rings
 *              behind one mutex and one "not empty" condvar.)
 *   mutex      one thread: lock, counter++, unlock. OPS times.
 *   mutex2     two threads, OPS/2 each: lock, counter++, unlock; ns per
 *              op = wall / OPS (all ops of both threads).
 *   once       the fast path: Once.Do after the first call. OPS calls.
 *              (pthread: pthread_once.)
 *   waitgroup  one thread: Add(1), Done(). OPS pairs, then one Wait.
 *              (pthread: a counter under a mutex, broadcast at zero.)
 *   spawn      start a goroutine that bumps an atomic and signals Done,
 *              then Wait, one at a time. OPS goroutines. (pthread:
 *              pthread_create + pthread_join.)
 *   atomic     one thread: seq_cst atomic add. OPS adds. (pthread: C11
 *              atomic_fetch_add; gm_atomic_i64_add is that same C11 call.)
 *
 * The clock runs around the OPS operations only: the helper thread is
 * started first, and one warm-up exchange (round trip, item, select, or a
 * start gate for mutex2) is made before the clock starts, so thread
 * creation is not timed. Every workload checks its result (values and
 * their order, counters, Once ran once); a wrong result prints a message
 * and exits with status 2, and it also keeps the compiler from dropping
 * the loops. Exit status 1 is a usage error or a failed thread start;
 * -T arms alarm(): a hung run dies of SIGALRM.
 *
 * Output: one line on stdout,
 *   sync_bench impl=I workload=W ops=N elapsed_s=S ns_per_op=X cpu_ns_per_op=Y
 * where cpu is user+sys of the whole process (all threads) over the same
 * interval (getrusage), so cpu_ns_per_op > ns_per_op means more than one
 * CPU was busy (spinning included).
 *
 * Synchronization of the benchmark itself: the helper's arguments are
 * written before gm_go / pthread_create (which order them), its results
 * are read after the join (gm_waitgroup_wait / pthread_join). The mutex2
 * start gate is a pair of seq_cst atomics; the counters in mutex/mutex2
 * are plain ints protected by the mutex being measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gomm/atomic.h>
#include <gomm/chan.h>
#include <gomm/go.h>
#include <gomm/sync.h>

#include "pthread_queue.h"

#define CHAN_CAP 128
#define NSEL     4

static bool use_gomm; /* IMPL: gomm (true) or pthread */

/* ---- helpers ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sync_bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

typedef struct timing {
    int64_t t0, c0, t1, c1;
} timing;

static void clock_start(timing *t)
{
    t->c0 = cpu_ns();
    t->t0 = now_ns();
}

static void clock_stop(timing *t)
{
    t->t1 = now_ns();
    t->c1 = cpu_ns();
}

/* A helper thread: a goroutine (gm_go, joined by a WaitGroup) or a pthread. */
typedef struct helper {
    void (*fn)(void *);
    void *arg;
    pthread_t th;
    gm_waitgroup wg;
} helper;

static void helper_gomm(void *p)
{
    helper *h = p;
    h->fn(h->arg);
    gm_waitgroup_done(&h->wg);
}

static void *helper_pthread(void *p)
{
    helper *h = p;
    h->fn(h->arg);
    return NULL;
}

static void helper_start(helper *h, void (*fn)(void *), void *arg)
{
    int err;
    h->fn = fn;
    h->arg = arg;
    if (use_gomm) {
        memset(&h->wg, 0, sizeof h->wg);
        gm_waitgroup_add(&h->wg, 1);
        err = gm_go(helper_gomm, h);
    } else {
        err = pthread_create(&h->th, NULL, helper_pthread, h);
    }
    if (err) {
        fprintf(stderr, "sync_bench: cannot start a thread: %s\n", strerror(err));
        exit(1);
    }
}

static void helper_join(helper *h)
{
    if (use_gomm)
        gm_waitgroup_wait(&h->wg);
    else
        pthread_join(h->th, NULL);
}

/* The single-thread workloads (mutex, once, waitgroup, atomic) run in a
 * multi-threaded process, as such code does in real programs: an idle
 * thread is started first, in both IMPLs. (In a process that has never
 * had a second thread, glibc's pthread_mutex_lock/unlock replace their
 * atomic instructions with plain loads and stores, which no program that
 * needs a mutex gets; Go's runtime is always multi-threaded.) */
static void *idle_thread(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void make_multithreaded(void)
{
    pthread_t th;
    int err = pthread_create(&th, NULL, idle_thread, NULL);
    if (err) {
        fprintf(stderr, "sync_bench: cannot start a thread: %s\n", strerror(err));
        exit(1);
    }
    pthread_detach(th);
}

/* ---- 1. unbuffered ping-pong ---- */

typedef struct pingpong {
    int64_t n; /* round trips, plus one warm-up */
    gm_chan *ping, *pong;
    pq qping, qpong;
} pingpong;

static void pingpong_echo(void *p)
{
    pingpong *s = p;
    for (int64_t i = 0; i <= s->n; i++) {
        int64_t v;
        if (use_gomm) {
            if (!gm_chan_recv(s->ping, &v))
                die("pingpong: ping closed");
            v++;
            gm_chan_send(s->pong, &v);
        } else {
            v = pq_recv(&s->qping) + 1;
            pq_send(&s->qpong, v);
        }
    }
}

static void wl_pingpong(int64_t n, timing *t)
{
    pingpong s = {.n = n};
    if (use_gomm) {
        s.ping = gm_chan_make(sizeof(int64_t), 0);
        s.pong = gm_chan_make(sizeof(int64_t), 0);
    } else {
        pq_init(&s.qping, 0);
        pq_init(&s.qpong, 0);
    }
    helper h;
    helper_start(&h, pingpong_echo, &s);
    for (int64_t i = 0; i <= n; i++) {
        if (i == 1)
            clock_start(t); /* round trip 0 was the warm-up */
        int64_t v;
        if (use_gomm) {
            gm_chan_send(s.ping, &i);
            if (!gm_chan_recv(s.pong, &v))
                die("pingpong: pong closed");
        } else {
            pq_send(&s.qping, i);
            v = pq_recv(&s.qpong);
        }
        if (v != i + 1)
            die("pingpong: sent %" PRId64 ", got back %" PRId64, i, v);
    }
    clock_stop(t);
    helper_join(&h);
    if (use_gomm) {
        gm_chan_free(s.ping);
        gm_chan_free(s.pong);
    } else {
        pq_destroy(&s.qping);
        pq_destroy(&s.qpong);
    }
}

/* ---- 2. buffered producer -> consumer ---- */

typedef struct buffered {
    int64_t n; /* items, plus one warm-up */
    gm_chan *c;
    pq q;
} buffered;

static void buffered_produce(void *p)
{
    buffered *s = p;
    for (int64_t i = 0; i <= s->n; i++) {
        if (use_gomm)
            gm_chan_send(s->c, &i);
        else
            pq_send(&s->q, i);
    }
}

static void wl_buffered(int64_t n, timing *t)
{
    buffered s = {.n = n};
    if (use_gomm)
        s.c = gm_chan_make(sizeof(int64_t), CHAN_CAP);
    else
        pq_init(&s.q, CHAN_CAP);
    helper h;
    helper_start(&h, buffered_produce, &s);
    for (int64_t i = 0; i <= n; i++) {
        if (i == 1)
            clock_start(t); /* item 0 was the warm-up */
        int64_t v;
        if (use_gomm) {
            if (!gm_chan_recv(s.c, &v))
                die("buffered: closed");
        } else {
            v = pq_recv(&s.q);
        }
        if (v != i)
            die("buffered: expected %" PRId64 ", got %" PRId64, i, v);
    }
    clock_stop(t);
    helper_join(&h);
    if (use_gomm)
        gm_chan_free(s.c);
    else
        pq_destroy(&s.q);
}

/* ---- 3. select over 4 buffered channels ---- */

typedef struct selectwl {
    int64_t n; /* items, plus one warm-up */
    gm_chan *c[NSEL];
    pq_group g;
} selectwl;

static void select_produce(void *p)
{
    selectwl *s = p;
    for (int64_t i = 0; i <= s->n; i++) {
        if (use_gomm)
            gm_chan_send(s->c[i % NSEL], &i);
        else
            pq_group_send(&s->g, (size_t)(i % NSEL), i);
    }
}

static void wl_select(int64_t n, timing *t)
{
    selectwl s = {.n = n};
    gm_case cases[NSEL];
    int64_t vals[NSEL];
    if (use_gomm) {
        for (int k = 0; k < NSEL; k++) {
            s.c[k] = gm_chan_make(sizeof(int64_t), CHAN_CAP);
            cases[k] = (gm_case){.chan = s.c[k], .dir = GM_RECV, .elem = &vals[k]};
        }
    } else {
        pq_group_init(&s.g, NSEL, CHAN_CAP);
    }
    int64_t next[NSEL]; /* channel k carries k, k+4, k+8, ... in order */
    for (int k = 0; k < NSEL; k++)
        next[k] = k;
    helper h;
    helper_start(&h, select_produce, &s);
    for (int64_t i = 0; i <= n; i++) {
        if (i == 1)
            clock_start(t); /* item 0 was the warm-up */
        int64_t v;
        size_t k;
        if (use_gomm) {
            int idx = gm_select(cases, NSEL, false);
            if (idx < 0 || idx >= NSEL || !cases[idx].ok)
                die("select: returned case %d (ok %d)", idx, idx >= 0 ? cases[idx].ok : 0);
            k = (size_t)idx;
            v = vals[k];
        } else {
            v = pq_group_recv_any(&s.g, &k);
        }
        if (v != next[k])
            die("select: channel %zu: expected %" PRId64 ", got %" PRId64, k, next[k], v);
        next[k] += NSEL;
    }
    clock_stop(t);
    helper_join(&h);
    if (use_gomm) {
        for (int k = 0; k < NSEL; k++)
            gm_chan_free(s.c[k]);
    } else {
        pq_group_destroy(&s.g);
    }
}

/* ---- 4./5. mutex, uncontended and 2 threads ---- */

static gm_mutex g_mu;
static pthread_mutex_t p_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t counter; /* protected by the mutex being measured */

static inline void counter_inc_locked(void)
{
    if (use_gomm) {
        gm_mutex_lock(&g_mu);
        counter++;
        gm_mutex_unlock(&g_mu);
    } else {
        pthread_mutex_lock(&p_mu);
        counter++;
        pthread_mutex_unlock(&p_mu);
    }
}

static void wl_mutex(int64_t n, timing *t)
{
    make_multithreaded();
    counter = 0;
    clock_start(t);
    for (int64_t i = 0; i < n; i++)
        counter_inc_locked();
    clock_stop(t);
    if (counter != n)
        die("mutex: counter %" PRId64 ", expected %" PRId64, counter, n);
}

typedef struct mutex2 {
    int64_t per_thread;
    atomic_int ready, go;
} mutex2;

static void mutex2_worker(void *p)
{
    mutex2 *s = p;
    atomic_store(&s->ready, 1);
    while (!atomic_load(&s->go))
        ;
    for (int64_t i = 0; i < s->per_thread; i++)
        counter_inc_locked();
}

static void wl_mutex2(int64_t n, timing *t)
{
    mutex2 s = {.per_thread = n / 2};
    counter = 0;
    helper h;
    helper_start(&h, mutex2_worker, &s);
    while (!atomic_load(&s.ready))
        sched_yield();
    clock_start(t);
    atomic_store(&s.go, 1);
    for (int64_t i = 0; i < s.per_thread; i++)
        counter_inc_locked();
    helper_join(&h); /* part of the work: the other thread's half */
    clock_stop(t);
    if (counter != 2 * s.per_thread)
        die("mutex2: counter %" PRId64 ", expected %" PRId64, counter, 2 * s.per_thread);
}

/* ---- 6. once, fast path ---- */

static int64_t once_runs;

static void once_fn_gomm(void *arg)
{
    (*(int64_t *)arg)++;
}

static void once_fn_pthread(void)
{
    once_runs++;
}

static void wl_once(int64_t n, timing *t)
{
    make_multithreaded();
    static gm_once g_once;
    static pthread_once_t p_once = PTHREAD_ONCE_INIT;
    once_runs = 0;
    if (use_gomm) {
        gm_once_do(&g_once, once_fn_gomm, &once_runs); /* the first call */
        clock_start(t);
        for (int64_t i = 0; i < n; i++)
            gm_once_do(&g_once, once_fn_gomm, &once_runs);
        clock_stop(t);
    } else {
        pthread_once(&p_once, once_fn_pthread);
        clock_start(t);
        for (int64_t i = 0; i < n; i++)
            pthread_once(&p_once, once_fn_pthread);
        clock_stop(t);
    }
    if (once_runs != 1)
        die("once: fn ran %" PRId64 " times", once_runs);
}

/* ---- 7. waitgroup Add(1) + Done ---- */

/* The pthread analogue of a WaitGroup: a counter under a mutex. */
typedef struct pwg {
    pthread_mutex_t mu;
    pthread_cond_t zero;
    int64_t count;
} pwg;

static void pwg_add(pwg *w, int64_t delta)
{
    pthread_mutex_lock(&w->mu);
    w->count += delta;
    if (w->count < 0)
        die("waitgroup: negative counter");
    if (w->count == 0)
        pthread_cond_broadcast(&w->zero);
    pthread_mutex_unlock(&w->mu);
}

static void pwg_wait(pwg *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->count != 0)
        pthread_cond_wait(&w->zero, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void wl_waitgroup(int64_t n, timing *t)
{
    make_multithreaded();
    if (use_gomm) {
        static gm_waitgroup wg;
        clock_start(t);
        for (int64_t i = 0; i < n; i++) {
            gm_waitgroup_add(&wg, 1);
            gm_waitgroup_done(&wg);
        }
        gm_waitgroup_wait(&wg);
        clock_stop(t);
    } else {
        static pwg wg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
        clock_start(t);
        for (int64_t i = 0; i < n; i++) {
            pwg_add(&wg, 1);
            pwg_add(&wg, -1);
        }
        pwg_wait(&wg);
        clock_stop(t);
    }
}

/* ---- extra: spawn + join, one at a time ---- */

typedef struct spawn {
    gm_atomic_i64 runs;
    gm_waitgroup wg;
} spawn;

static void spawn_fn_gomm(void *p)
{
    spawn *s = p;
    gm_atomic_i64_add(&s->runs, 1);
    gm_waitgroup_done(&s->wg);
}

static void *spawn_fn_pthread(void *p)
{
    spawn *s = p;
    gm_atomic_i64_add(&s->runs, 1);
    return NULL;
}

static void wl_spawn(int64_t n, timing *t)
{
    static spawn s;
    /* warm-up: one goroutine/thread before the clock */
    for (int64_t i = 0; i <= n; i++) {
        if (i == 1)
            clock_start(t);
        int err;
        if (use_gomm) {
            gm_waitgroup_add(&s.wg, 1);
            err = gm_go(spawn_fn_gomm, &s);
            if (!err)
                gm_waitgroup_wait(&s.wg);
        } else {
            pthread_t th;
            err = pthread_create(&th, NULL, spawn_fn_pthread, &s);
            if (!err)
                pthread_join(th, NULL);
        }
        if (err) {
            fprintf(stderr, "sync_bench: spawn: %s\n", strerror(err));
            exit(1);
        }
    }
    clock_stop(t);
    if (gm_atomic_i64_load(&s.runs) != n + 1)
        die("spawn: %" PRId64 " runs, expected %" PRId64, gm_atomic_i64_load(&s.runs), n + 1);
}

/* ---- extra: atomic add ---- */

static void wl_atomic(int64_t n, timing *t)
{
    make_multithreaded();
    static gm_atomic_i64 g_a;
    static _Atomic int64_t c_a;
    int64_t last = 0;
    clock_start(t);
    if (use_gomm) {
        for (int64_t i = 0; i < n; i++)
            last = gm_atomic_i64_add(&g_a, 1);
    } else {
        for (int64_t i = 0; i < n; i++)
            last = atomic_fetch_add_explicit(&c_a, 1, memory_order_seq_cst) + 1;
    }
    clock_stop(t);
    if (last != n)
        die("atomic: %" PRId64 ", expected %" PRId64, last, n);
}

/* ---- main ---- */

static const struct workload {
    const char *name;
    void (*run)(int64_t n, timing *t);
    int64_t default_n;
} workloads[] = {
    {"pingpong", wl_pingpong, 100000},     {"buffered", wl_buffered, 5000000},
    {"select", wl_select, 2000000},        {"mutex", wl_mutex, 50000000},
    {"mutex2", wl_mutex2, 20000000},       {"once", wl_once, 500000000},
    {"waitgroup", wl_waitgroup, 20000000}, {"spawn", wl_spawn, 20000},
    {"atomic", wl_atomic, 50000000},
};

static void usage(void)
{
    fprintf(stderr,
            "usage: sync_bench IMPL WORKLOAD [-n OPS] [-T SECONDS]\n"
            "  IMPL:     gomm | pthread\n"
            "  WORKLOAD: pingpong buffered select mutex mutex2 once waitgroup spawn atomic\n"
            "  -n OPS      operations to time (default per workload)\n"
            "  -T SECONDS  die of SIGALRM after this long (a hang fails the run)\n"
            "Prints: sync_bench impl=I workload=W ops=N elapsed_s=S ns_per_op=X "
            "cpu_ns_per_op=Y\n"
            "Exit 2 = wrong result, 1 = usage / thread start failure.\n");
    exit(1);
}

static int64_t parse_count(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    if (!strcmp(argv[1], "gomm"))
        use_gomm = true;
    else if (strcmp(argv[1], "pthread"))
        usage();
    const struct workload *w = NULL;
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        if (!strcmp(argv[2], workloads[i].name))
            w = &workloads[i];
    if (!w)
        usage();
    int64_t n = w->default_n;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = parse_count(argv[++i]);
        else if (!strcmp(argv[i], "-T") && i + 1 < argc)
            alarm((unsigned)parse_count(argv[++i]));
        else
            usage();
    }
    if (!strcmp(w->name, "mutex2"))
        n &= ~(int64_t)1; /* two equal halves */
    if (n <= 0)
        usage();
    timing t;
    w->run(n, &t);
    double el = (double)(t.t1 - t.t0);
    double cpu = (double)(t.c1 - t.c0);
    printf("sync_bench impl=%s workload=%s ops=%" PRId64
           " elapsed_s=%.4f ns_per_op=%.2f cpu_ns_per_op=%.2f\n",
           argv[1], w->name, n, el / 1e9, el / (double)n, cpu / (double)n);
    return 0;
}
