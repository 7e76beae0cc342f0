/*
 * litmus/harness.c — the runtime of a native litmus run. Not compiled into
 * gomm: `gomm litmus` embeds this text (litmus/gen.c) after a generated
 * prologue that defines, for one test:
 *   LT_NTHREADS, LT_NLOCS, LT_NVARS, LT_NAME;
 *   lt_loc_width[LT_NLOCS];
 *   lt_thread_fn lt_threads[LT_NTHREADS]  (the threads' bodies in a loop);
 *   void lt_reset(lt_run *r, long cell)   (init values into one cell);
 *   void lt_collect(lt_run *r, long i, long cell, int64_t *state);
 * and compiles the whole with the system compiler at -O2, as litmus7 does.
 *
 * A run is a sequence of batches of `size` iterations. Per batch, thread 0
 * (the main thread) picks random parameters — cell stride (1 or 16
 * elements, i.e. neighbours share a cache line or not), direct or shuffled
 * cell placement, per-thread start delays — resets the cells, and releases
 * the workers through a spinning barrier together with a start time T0 on
 * the timestamp counter. In timebase mode, iteration i of every thread
 * starts when the counter passes T0 + i*period + delay[thread]: threads
 * stay in lockstep without touching a shared line per iteration, so two
 * threads' accesses of one iteration land within a few nanoseconds of each
 * other. The period adapts between batches to twice the slowest thread's
 * mean body time (measured with the same counter). Mode "user" is litmus7's default
 * flag barrier (thread 0 raises a per-iteration flag the others spin on),
 * "none" runs free. After the end barrier thread 0 hashes each iteration's
 * final state into the histogram.
 *
 * Threads are pinned to distinct CPUs (given with -c) and never
 * oversubscribed: the runner refuses tests with more threads than CPUs.
 *
 * Memory-order rules: the barrier's arrival counter is an acq_rel RMW and
 * its sense word a release store / acquire load, so the batch parameters
 * and cell resets written by thread 0 before the barrier are visible to
 * the workers after it, and the workers' results (registers in the obs
 * arrays, final values in the cells) are visible to thread 0 after the end
 * barrier. The test's own accesses are whatever the test says. The user
 * mode's flags are release/acquire. Output: see print_results.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifndef LT_LOOP_BOUND
#define LT_LOOP_BOUND 100000
#endif

typedef struct lt_run lt_run;
typedef void (*lt_thread_fn)(lt_run *r, int k);

/* ---- time ---- */

static inline uint64_t lt_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#elif defined(__aarch64__)
    uint64_t v;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
    return v;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static inline void lt_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static double lt_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the run's shared state ---- */

enum { LT_TIMEBASE, LT_USER, LT_NONE };

struct lt_run {
    long size;   /* iterations per batch */
    long *cells; /* [size]: element index of iteration i's cell */
    void *mem[LT_NLOCS + 1];
    int64_t *obs[LT_NVARS + 1]; /* [size] per observed variable */
    int mode;
    uint64_t t0, period;
    uint64_t delay[LT_NTHREADS];
    _Atomic unsigned char *flags; /* [size], user mode */
    struct {
        _Alignas(64) long late; /* starts more than a period late */
        uint64_t busy;          /* ticks in the body (each clipped at 4096) */
    } stat[LT_NTHREADS];        /* written by thread k only, read by thread 0
                                   after the end barrier */
    _Atomic long loopbound;     /* while loops cut at LT_LOOP_BOUND */
    /* barrier */
    _Alignas(64) _Atomic int arrived;
    _Alignas(64) _Atomic int sense;
    _Atomic int stop;
    int cpus[LT_NTHREADS];
};

static void lt_barrier(lt_run *r, int *local_sense)
{
    int s = !*local_sense;
    *local_sense = s;
    if (atomic_fetch_add_explicit(&r->arrived, 1, memory_order_acq_rel) == LT_NTHREADS - 1) {
        atomic_store_explicit(&r->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&r->sense, s, memory_order_release);
    } else {
        while (atomic_load_explicit(&r->sense, memory_order_acquire) != s)
            lt_pause();
    }
}

/* Waits for iteration i's start (called by every thread before its body);
 * returns the start tick for lt_end. */
static inline uint64_t lt_sync(lt_run *r, int k, long i)
{
    if (r->mode == LT_TIMEBASE) {
        uint64_t target = r->t0 + (uint64_t)i * r->period + r->delay[k];
        uint64_t now;
        while ((now = lt_now()) < target)
            ;
        if (now - target > r->period)
            r->stat[k].late++;
        return now;
    }
    if (r->mode == LT_USER) {
        if (k == 0) {
            atomic_store_explicit(&r->flags[i], 1, memory_order_release);
        } else {
            while (!atomic_load_explicit(&r->flags[i], memory_order_acquire))
                lt_pause();
        }
    }
    return lt_now();
}

/* After the body: its duration feeds the adaptive period (a preempted
 * body is clipped so one preemption cannot stretch the period). */
static inline void lt_end(lt_run *r, int k, uint64_t t0)
{
    uint64_t d = lt_now() - t0;
    r->stat[k].busy += d < 4096 ? d : 4096;
}

static __attribute__((unused)) void lt_loop_hit(lt_run *r)
{
    atomic_fetch_add_explicit(&r->loopbound, 1, memory_order_relaxed);
}

static inline void lt_lock(lt_run *r, volatile int32_t *m)
{
    (void)r;
    while (__atomic_exchange_n(m, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(m, __ATOMIC_RELAXED))
            lt_pause();
}

static inline void lt_unlock(volatile int32_t *m)
{
    __atomic_store_n(m, 0, __ATOMIC_RELEASE);
}

static inline int64_t lt_div(int64_t a, int64_t b)
{
    return b == 0 || (b == -1 && a == INT64_MIN) ? 0 : a / b;
}

static inline int64_t lt_mod(int64_t a, int64_t b)
{
    return b == 0 || b == -1 ? 0 : a % b;
}

/* ---- histogram: open addressing on the state vector ---- */

typedef struct lt_hist {
    int64_t *keys; /* cap * LT_NVARS */
    long *counts;
    long cap, n;
} lt_hist;

static uint64_t lt_hash(const int64_t *st)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int v = 0; v < LT_NVARS; v++) {
        h ^= (uint64_t)st[v];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

static void lt_hist_add(lt_hist *h, const int64_t *st, long count);

static void lt_hist_grow(lt_hist *h)
{
    lt_hist o = *h;
    h->cap = o.cap ? o.cap * 2 : 64;
    h->n = 0;
    h->keys = calloc((size_t)h->cap * (LT_NVARS ? LT_NVARS : 1), sizeof *h->keys);
    h->counts = calloc((size_t)h->cap, sizeof *h->counts);
    if (!h->keys || !h->counts) {
        fprintf(stderr, "litmus harness: out of memory\n");
        exit(2);
    }
    for (long i = 0; i < o.cap; i++)
        if (o.counts[i])
            lt_hist_add(h, o.keys + i * LT_NVARS, o.counts[i]);
    free(o.keys);
    free(o.counts);
}

static void lt_hist_add(lt_hist *h, const int64_t *st, long count)
{
    if ((h->n + 1) * 2 > h->cap)
        lt_hist_grow(h);
    long i = (long)(lt_hash(st) & (uint64_t)(h->cap - 1));
    for (;;) {
        if (!h->counts[i]) {
            memcpy(h->keys + i * LT_NVARS, st, sizeof *st * LT_NVARS);
            h->counts[i] = count;
            h->n++;
            return;
        }
        if (!memcmp(h->keys + i * LT_NVARS, st, sizeof *st * LT_NVARS)) {
            h->counts[i] += count;
            return;
        }
        i = (i + 1) & (h->cap - 1);
    }
}

/* ---- threads ---- */

static void lt_reset(lt_run *r, long cell);
static void lt_collect(lt_run *r, long i, long cell, int64_t *state);
static const lt_thread_fn lt_threads[LT_NTHREADS];

typedef struct lt_worker {
    lt_run *r;
    int k;
    pthread_t tid;
} lt_worker;

static void lt_pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (e) {
        fprintf(stderr, "litmus harness: cannot pin to CPU %d: %s\n", cpu, strerror(e));
        exit(2);
    }
}

static void *lt_worker_main(void *arg)
{
    lt_worker *w = arg;
    lt_run *r = w->r;
    int sense = 0;
    lt_pin(r->cpus[w->k]);
    for (;;) {
        lt_barrier(r, &sense); /* batch start */
        if (atomic_load_explicit(&r->stop, memory_order_relaxed))
            return NULL;
        lt_threads[w->k](r, w->k);
        lt_barrier(r, &sense); /* batch end */
    }
}

static uint64_t lt_rng = 88172645463325252ull;

static uint64_t lt_rand(void)
{
    lt_rng ^= lt_rng << 13;
    lt_rng ^= lt_rng >> 7;
    lt_rng ^= lt_rng << 17;
    return lt_rng;
}

static void lt_usage(void)
{
    fprintf(stderr,
            "usage: %s [-n ITERATIONS] [-t SECONDS] [-s SIZE] [-m timebase|user|none]\n"
            "          [-p PERIOD_TICKS] [-d MAX_DELAY_TICKS] [-S SEED] [-c CPU,CPU,...]\n",
            LT_NAME);
    exit(2);
}

static long lt_arg(const char *opt, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi) {
        fprintf(stderr, "litmus harness: invalid value '%s' for %s (%ld..%ld)\n", v, opt, lo, hi);
        exit(2);
    }
    return x;
}

int main(int argc, char **argv)
{
    static lt_run run;
    lt_run *r = &run;
    long total = 1000000, size = 10000;
    double tlimit = 0;
    long fixed_period = 0, max_delay = -1;
    uint64_t seed = 0;
    r->mode = LT_TIMEBASE;
    for (int k = 0; k < LT_NTHREADS; k++)
        r->cpus[k] = -1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (i + 1 >= argc)
            lt_usage();
        const char *v = argv[++i];
        if (!strcmp(o, "-n"))
            total = lt_arg(o, v, 1, 1L << 40);
        else if (!strcmp(o, "-s"))
            size = lt_arg(o, v, 1, 1L << 24);
        else if (!strcmp(o, "-t"))
            tlimit = (double)lt_arg(o, v, 0, 1L << 20) / 1000.0; /* milliseconds */
        else if (!strcmp(o, "-p"))
            fixed_period = lt_arg(o, v, 0, 1L << 30);
        else if (!strcmp(o, "-d"))
            max_delay = lt_arg(o, v, 0, 1L << 20);
        else if (!strcmp(o, "-S"))
            seed = (uint64_t)lt_arg(o, v, 0, 1L << 62);
        else if (!strcmp(o, "-m")) {
            if (!strcmp(v, "timebase"))
                r->mode = LT_TIMEBASE;
            else if (!strcmp(v, "user"))
                r->mode = LT_USER;
            else if (!strcmp(v, "none"))
                r->mode = LT_NONE;
            else
                lt_usage();
        } else if (!strcmp(o, "-c")) {
            const char *s = v;
            for (int k = 0; k < LT_NTHREADS; k++) {
                char *end;
                long c = strtol(s, &end, 10);
                if (end == s || c < 0 || c > 4095) {
                    fprintf(stderr, "litmus harness: -c needs %d CPU numbers\n", LT_NTHREADS);
                    exit(2);
                }
                r->cpus[k] = (int)c;
                s = *end == ',' ? end + 1 : end;
            }
        } else {
            lt_usage();
        }
    }
    if (size > total)
        size = total;
    if (seed)
        lt_rng = seed * 0x9E3779B97F4A7C15ull | 1;
    r->size = size;
    r->cells = calloc((size_t)size, sizeof *r->cells);
    r->flags = calloc((size_t)size, 1);
    for (int l = 0; l < LT_NLOCS; l++)
        r->mem[l] = calloc((size_t)size * 16, 8);
    for (int v = 0; v < LT_NVARS; v++)
        r->obs[v] = calloc((size_t)size, sizeof(int64_t));
    if (!r->cells || !r->flags) {
        fprintf(stderr, "litmus harness: out of memory\n");
        return 2;
    }
    for (int l = 0; l < LT_NLOCS; l++)
        if (!r->mem[l]) {
            fprintf(stderr, "litmus harness: out of memory\n");
            return 2;
        }
    for (int v = 0; v < LT_NVARS; v++)
        if (!r->obs[v]) {
            fprintf(stderr, "litmus harness: out of memory\n");
            return 2;
        }

    lt_worker w[LT_NTHREADS];
    for (int k = 1; k < LT_NTHREADS; k++) {
        w[k].r = r;
        w[k].k = k;
        int e = pthread_create(&w[k].tid, NULL, lt_worker_main, &w[k]);
        if (e) {
            fprintf(stderr, "litmus harness: pthread_create: %s\n", strerror(e));
            return 2;
        }
    }
    lt_pin(r->cpus[0]);

    /* ticks per second, for the report */
    double s0 = lt_secs();
    uint64_t c0 = lt_now();
    lt_hist h = {0};
    int64_t st[LT_NVARS + 1];
    long done = 0, batches = 0, total_late = 0;
    uint64_t period = fixed_period ? (uint64_t)fixed_period : 400;
    uint64_t pmin = period, pmax = period;
    int sense = 0;
    double start = lt_secs();
    while (done < total) {
        long n = total - done < size ? total - done : size;
        r->size = n;
        /* batch parameters */
        long stride = (lt_rand() & 1) ? 1 : 16;
        int shuffle = (int)(lt_rand() & 1);
        for (long i = 0; i < n; i++)
            r->cells[i] = i;
        if (shuffle)
            for (long i = n - 1; i > 0; i--) {
                long j = (long)(lt_rand() % (uint64_t)(i + 1));
                long t = r->cells[i];
                r->cells[i] = r->cells[j];
                r->cells[j] = t;
            }
        for (long i = 0; i < n; i++) {
            r->cells[i] *= stride;
            lt_reset(r, r->cells[i]);
            atomic_store_explicit(&r->flags[i], 0, memory_order_relaxed);
        }
        long md = max_delay >= 0 ? max_delay : (long)(period / 8);
        for (int k = 0; k < LT_NTHREADS; k++)
            r->delay[k] = md ? lt_rand() % (uint64_t)(md + 1) : 0;
        r->period = period;
        for (int k = 0; k < LT_NTHREADS; k++)
            r->stat[k].late = 0, r->stat[k].busy = 0;
        r->t0 = lt_now() + 20000;
        lt_barrier(r, &sense);
        lt_threads[0](r, 0);
        lt_barrier(r, &sense);
        long late = 0;
        uint64_t busy = 0;
        for (int k = 0; k < LT_NTHREADS; k++) {
            late += r->stat[k].late;
            if (r->stat[k].busy > busy)
                busy = r->stat[k].busy;
        }
        for (long i = 0; i < n; i++) {
            lt_collect(r, i, r->cells[i], st);
            lt_hist_add(&h, st, 1);
        }
        done += n;
        batches++;
        if (r->mode == LT_TIMEBASE && !fixed_period) {
            /* twice the slowest thread's mean body, plus the loop's own
             * work: every thread is waiting when its next start comes */
            uint64_t body = busy / (uint64_t)n;
            period = 2 * body + 80;
            if (period < 120)
                period = 120;
            if (period > (1u << 20))
                period = 1u << 20;
            if (period < pmin)
                pmin = period;
            if (period > pmax)
                pmax = period;
        }
        total_late += late;
        if (tlimit > 0 && lt_secs() - start >= tlimit)
            break;
    }
    double secs = lt_secs() - start;
    double tps = (double)(lt_now() - c0) / (lt_secs() - s0);
    atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
    lt_barrier(r, &sense);
    for (int k = 1; k < LT_NTHREADS; k++)
        pthread_join(w[k].tid, NULL);
    printf("gomm-litmus-harness 1\n");
    printf("test %s\n", LT_NAME);
    printf("iterations %ld\n", done);
    printf("seconds %.6f\n", secs);
    printf("batches %ld\n", batches);
    printf("late %ld\n", total_late);
    printf("period %llu %llu %llu\n", (unsigned long long)period, (unsigned long long)pmin,
           (unsigned long long)pmax);
    printf("ticks_per_second %.0f\n", tps);
    printf("loopbound %ld\n", atomic_load_explicit(&r->loopbound, memory_order_relaxed));
    for (long i = 0; i < h.cap; i++) {
        if (!h.counts[i])
            continue;
        printf("state %ld", h.counts[i]);
        for (int v = 0; v < LT_NVARS; v++)
            printf(" %lld", (long long)h.keys[i * LT_NVARS + v]);
        printf("\n");
    }
    printf("end\n");
    return fflush(stdout) ? 2 : 0;
}
