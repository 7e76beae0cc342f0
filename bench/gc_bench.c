/*
 * bench/gc_bench.c — the garbage collector against Boehm GC and plain
 * malloc/free, the same workloads in the same run.
 *
 *   trees D     binary-trees (the Benchmarks Game's): a stretch tree of
 *               depth D+1, a long-lived tree of depth D, then for each
 *               depth d = 4, 6, .., D, 2^(D-d+4) trees of depth d built and
 *               walked. Nodes are two pointers (16 B).
 *   churn L N   a live set of L MiB (arrays of 64 B records linked in
 *               lists of 16) that keeps turning over: N MiB allocated in
 *               all, each allocation replacing a random record of the live
 *               set (its list node is relinked) — long-lived heap plus
 *               churn, the shape of a server's cache.
 *
 *   mark D N    collection throughput: a tree of depth D (2^(D+1) nodes,
 *               16 B) held by a global, then N full collections
 *               (gm_gc / GC_gcollect); reports per_gc_ms, the mean time
 *               of one (malloc: skipped, it has no collector).
 *
 * Implementations: gomm (gm_new + gm_write_ptr; the collector under
 * GOMM_GOGC/GOMM_GC as set), boehm (GC_MALLOC, Debian's libgc, stop-the-
 * world marking; only if built with it), malloc (glibc malloc and free of
 * the same objects at the moment they die: the no-GC baseline).
 *
 * Each run is a forked child, so peak RSS (wait4's ru_maxrss) and CPU
 * time (user + system, every thread) are the run's own. Output, one line
 * per run:
 *   gc_bench workload=W impl=I maxrss_mib=R cpu_s=U time_s=T cycles=C
 *            pause_max_ms=M pause_p99_ms=P gc_cpu=F check=K
 * pause figures: gomm, its memstats (every stop); boehm, each stop timed
 * from GC_EVENT_PRE_STOP_WORLD to GC_EVENT_POST_START_WORLD; gc_cpu, the
 * collector's share of the run's CPU time (gomm: memstats gc_cpu_fraction
 * scaled to the run; boehm: total stop time / CPU time). check is a
 * checksum that must agree between implementations.
 *
 *   gc_bench trees 18 [impl...]
 *   gc_bench churn 64 4096 [impl...]
 *   gc_bench mark 20 40 [impl...]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gomm/gomm.h>

#ifdef GOMM_HAVE_BOEHM
#include <gc/gc.h>

#include "../alloc/types.h" /* GM_ARENA_MAP_LEN: see boehm_exclude_gomm */
#endif

enum { IMPL_GOMM, IMPL_BOEHM, IMPL_MALLOC };
static int impl;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- allocation, per implementation ---------- */

static inline void *obj_new(size_t n)
{
    switch (impl) {
    case IMPL_GOMM:
        return gm_new(n);
#ifdef GOMM_HAVE_BOEHM
    case IMPL_BOEHM:
        return GC_MALLOC(n);
#endif
    default:
        return calloc(1, n);
    }
}

static inline void set_ptr(void *slot, void *val)
{
    if (impl == IMPL_GOMM)
        gm_write_ptr(slot, val);
    else
        *(void **)slot = val;
}

/* ---------- Boehm pause timing ---------- */

#ifdef GOMM_HAVE_BOEHM
#define MAX_PAUSES (1 << 16)
static double boehm_pauses[MAX_PAUSES];
static int nboehm;
static double stop_t0;

static void boehm_event(GC_EventType e)
{
    if (e == GC_EVENT_PRE_STOP_WORLD)
        stop_t0 = now_s();
    else if (e == GC_EVENT_POST_START_WORLD && nboehm < MAX_PAUSES)
        boehm_pauses[nboehm++] = now_s() - stop_t0;
}

/* gomm's page map (32 MiB, zero until used) is in this binary's bss,
 * linked in for the gomm runs: Boehm GC, which scans data and bss as
 * roots, would read it at every collection (and fault it all in on the
 * first). Its runs exclude it, so they pay for nothing of gomm's. The
 * symbol is gomm-internal (hidden in the shared library, visible in the
 * static one this program links), and so is its length (alloc/types.h). */
extern char gm_arena_map[];
#define GOMM_ARENA_MAP_BYTES (GM_ARENA_MAP_LEN * sizeof(void *))

static void boehm_exclude_gomm(void)
{
    GC_exclude_static_roots(gm_arena_map, gm_arena_map + GOMM_ARENA_MAP_BYTES);
}
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---------- binary trees ---------- */

typedef struct tnode {
    struct tnode *left, *right;
} tnode;

static tnode *bottom_up(int depth)
{
    tnode *n = obj_new(sizeof *n);
    if (depth > 0) {
        set_ptr(&n->left, bottom_up(depth - 1));
        set_ptr(&n->right, bottom_up(depth - 1));
    }
    return n;
}

static long check_tree(const tnode *n)
{
    return n->left ? 1 + check_tree(n->left) + check_tree(n->right) : 1;
}

static void free_tree(tnode *n)
{
    if (impl != IMPL_MALLOC)
        return;
    if (n->left) {
        free_tree(n->left);
        free_tree(n->right);
    }
    free(n);
}

static long run_trees(int max_depth)
{
    long check = 0;
    tnode *stretch = bottom_up(max_depth + 1);
    check += check_tree(stretch);
    free_tree(stretch);
    tnode *volatile long_lived = bottom_up(max_depth);
    for (int d = 4; d <= max_depth; d += 2) {
        long iters = 1L << (max_depth - d + 4);
        for (long i = 0; i < iters; i++) {
            tnode *t = bottom_up(d);
            check += check_tree(t);
            free_tree(t);
        }
    }
    check += check_tree(long_lived);
    free_tree(long_lived);
    return check;
}

/* ---------- long-lived heap plus churn ---------- */

typedef struct rec {
    struct rec *next; /* list of 16 */
    uint64_t key;
    uint64_t pad[6];
} rec;

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static long run_churn(long live_mib, long total_mib)
{
    size_t nrec = (size_t)live_mib * 1024 * 1024 / sizeof(rec);
    size_t nlists = nrec / 16;
    /* the list heads: a collected array (gomm, boehm) or malloc'd */
    rec **heads =
        impl == IMPL_MALLOC ? calloc(nlists, sizeof *heads) : obj_new(nlists * sizeof *heads);
    for (size_t l = 0; l < nlists; l++) {
        for (int k = 0; k < 16; k++) {
            rec *r = obj_new(sizeof *r);
            r->key = l * 16 + (size_t)k;
            set_ptr(&r->next, heads[l]);
            set_ptr(&heads[l], r);
        }
    }
    uint64_t seed = 88172645463325252ull;
    long n = total_mib * 1024 * 1024 / (long)sizeof(rec);
    long check = 0;
    for (long i = 0; i < n; i++) {
        size_t l = xorshift(&seed) % nlists;
        unsigned pos = (unsigned)(xorshift(&seed) % 16);
        rec *fresh = obj_new(sizeof *fresh);
        fresh->key = (uint64_t)i;
        /* replace the pos-th record of list l */
        rec **pp = &heads[l];
        for (unsigned k = 0; k < pos; k++)
            pp = &(*pp)->next;
        rec *old = *pp;
        set_ptr(&fresh->next, old->next);
        set_ptr(pp, fresh);
        check += (long)(old->key & 1);
        if (impl == IMPL_MALLOC)
            free(old);
    }
    for (size_t l = 0; l < nlists; l++)
        for (rec *r = heads[l]; r; r = r->next)
            check += (long)(r->key & 3);
    if (impl == IMPL_MALLOC) {
        for (size_t l = 0; l < nlists; l++)
            for (rec *r = heads[l], *next; r; r = next) {
                next = r->next;
                free(r);
            }
        free(heads);
    }
    return check;
}

/* ---------- collection throughput ---------- */

static tnode *volatile mark_root; /* a global: a root for both collectors */
static double per_gc_ms;

static long run_mark(int depth, long n)
{
    mark_root = bottom_up(depth);
    long check = check_tree(mark_root);
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
#ifdef GOMM_HAVE_BOEHM
        if (impl == IMPL_BOEHM) {
            GC_gcollect();
            continue;
        }
#endif
        gm_gc();
    }
    per_gc_ms = n > 0 ? (now_s() - t0) * 1e3 / (double)n : 0;
    return check;
}

/* ---------- one run, in a child ---------- */

static const char *impl_name[] = {"gomm", "boehm", "malloc"};

static void child(const char *wl, long a, long b, int fd)
{
#ifdef GOMM_HAVE_BOEHM
    if (impl == IMPL_BOEHM) {
        GC_INIT();
        boehm_exclude_gomm();
        GC_set_on_collection_event(boehm_event);
    }
#endif
    double t0 = now_s(), c0 = cpu_s();
    long check = !strcmp(wl, "trees")  ? run_trees((int)a)
                 : !strcmp(wl, "mark") ? run_mark((int)a, b)
                                       : run_churn(a, b);
    double t = now_s() - t0, cpu = cpu_s() - c0;
    unsigned cycles = 0;
    double pmax = 0, p99 = 0, gcshare = 0;
    if (impl == IMPL_GOMM) {
        gm_memstats ms;
        gm_read_memstats(&ms);
        cycles = ms.num_gc;
        pmax = (double)ms.pause_max_ns / 1e6;
        p99 = (double)ms.pause_p99_ns / 1e6;
        /* gc_cpu_fraction is over (elapsed x CPUs); as a share of the
         * run's CPU time */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        gcshare = ms.gc_cpu_fraction * t * (double)ncpu / (cpu > 0 ? cpu : 1);
    }
#ifdef GOMM_HAVE_BOEHM
    if (impl == IMPL_BOEHM) {
        cycles = (unsigned)GC_get_gc_no();
        double total = 0;
        for (int i = 0; i < nboehm; i++)
            total += boehm_pauses[i];
        qsort(boehm_pauses, (size_t)nboehm, sizeof(double), cmp_double);
        if (nboehm) {
            pmax = boehm_pauses[nboehm - 1] * 1e3;
            p99 = boehm_pauses[(nboehm - 1) * 99 / 100] * 1e3;
        }
        gcshare = total / (cpu > 0 ? cpu : 1);
    }
#endif
    char line[512];
    int len = snprintf(line, sizeof line,
                       "time_s=%.3f cycles=%u pause_max_ms=%.3f pause_p99_ms=%.3f gc_cpu=%.2f "
                       "check=%ld",
                       t, cycles, pmax, p99, gcshare, check);
    if (!strcmp(wl, "mark"))
        len += snprintf(line + len, sizeof line - (size_t)len, " per_gc_ms=%.3f", per_gc_ms);
    if (write(fd, line, (size_t)len) != len)
        _exit(3);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gc_bench trees DEPTH [impl...] | churn LIVE_MIB TOTAL_MIB "
                        "[impl...] | mark DEPTH COLLECTIONS [impl...]\n");
        return 1;
    }
    const char *wl = argv[1];
    long a = atol(argv[2]), b = 0;
    int first_impl = 3;
    if (!strcmp(wl, "churn") || !strcmp(wl, "mark")) {
        if (argc < 4)
            return 1;
        b = atol(argv[3]);
        first_impl = 4;
    } else if (strcmp(wl, "trees") != 0) {
        fprintf(stderr, "gc_bench: unknown workload %s (trees, churn or mark)\n", wl);
        return 1;
    }
    const char *def[] = {"gomm", "boehm", "malloc"};
    int nimpl = argc - first_impl;
    const char **impls = (const char **)argv + first_impl;
    if (nimpl == 0) {
        impls = def;
        nimpl = 3;
    }
    for (int k = 0; k < nimpl; k++) {
        int which = -1;
        for (int j = 0; j < 3; j++)
            if (!strcmp(impls[k], impl_name[j]))
                which = j;
#ifndef GOMM_HAVE_BOEHM
        if (which == IMPL_BOEHM) {
            printf("gc_bench workload=%s impl=boehm skipped (built without libgc)\n", wl);
            continue;
        }
#endif
        if (which < 0) {
            fprintf(stderr, "gc_bench: unknown impl %s\n", impls[k]);
            return 1;
        }
        if (which == IMPL_MALLOC && !strcmp(wl, "mark")) {
            printf("gc_bench workload=mark impl=malloc skipped (no collector)\n");
            continue;
        }
        int pfd[2];
        if (pipe(pfd) != 0)
            return 1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            impl = which;
            child(wl, a, b, pfd[1]);
        }
        close(pfd[1]);
        char buf[512];
        ssize_t n = read(pfd[0], buf, sizeof buf - 1);
        close(pfd[0]);
        int status;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        buf[n > 0 ? n : 0] = '\0';
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("gc_bench workload=%s impl=%s FAILED (status %d)\n", wl, impl_name[which],
                   status);
            continue;
        }
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        printf("gc_bench workload=%s impl=%s maxrss_mib=%.1f cpu_s=%.2f %s\n", wl, impl_name[which],
               (double)ru.ru_maxrss / 1024.0, cpu, buf);
    }
    return 0;
}
