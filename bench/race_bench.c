/*
 * bench/race_bench.c — the race checker's overhead on a memory-heavy
 * program and on allocation churn (scripts/bench-race.sh builds this one
 * source twice, against libgomm and against libgomm_race, and runs both;
 * docs/BENCHMARKS.md has the results).
 *
 *   race_bench WORKLOAD [-g G] [-m MIB] [-p PASSES] [-n N] [-r ROUNDS]
 *                       [-k KIB] [-b] [-T SECONDS]
 *
 * The program is written on gomm's API only (gm_go, gm_waitgroup,
 * gm_mutex, gm_malloc/gm_free) and announces its plain accesses with
 * gm_race_read/gm_race_write, as code that is not compiled with race
 * instrumentation must: linked with libgomm those calls are no-op
 * functions, linked with libgomm_race they go to the checker. The same
 * object code therefore runs in both builds, and the difference between
 * the two is the checker's work (plus the race hooks of the allocator and
 * sync library, which are compiled out of libgomm).
 *
 *   mem    the memory-heavy program of research/tsan.md §5: G goroutines
 *          (-g, default 2), each gm_malloc's a private MIB MiB uint64_t
 *          array (-m, default 64) and makes PASSES passes (-p, default 4)
 *          of writing it, then summing it. Every element access is
 *          announced (gm_race_write / gm_race_read, 8 bytes). After every
 *          1024 elements written, the goroutine increments a shared counter
 *          under a gm_mutex (a read and a write of the counter, announced).
 *          With G = 2, 64 MiB and 4 passes: 2 x 8 Mi elements x 4 passes x
 *          2 accesses = 128 Mi announced accesses and 64 Ki lock/unlock
 *          pairs, the same shape as the TSan measurement.
 *   churn  N goroutines (-n, default 4000), G at a time (-g, default 2:
 *          start G, wait for them with a WaitGroup, repeat). Each makes
 *          ROUNDS rounds (-r, default 64) of: gm_malloc 16 blocks of 64 B,
 *          write each whole (announced as one 64-byte write), read each
 *          back and check it (one 64-byte read), gm_free the 16. Then it
 *          adds its checksum to a shared total under a gm_mutex. This is
 *          the cost of the allocator's race hooks (the shadow reset of
 *          every new block, the free as a write to the whole block) and of
 *          a checker context per short-lived goroutine.
 *   free   large blocks freed while a sync object exists: after one
 *          gm_mutex lock/unlock, G goroutines (-g, default 2) each make
 *          ROUNDS rounds (-r, default 64) of: gm_malloc a block of KIB KiB
 *          (-k, default 64), write one word per 4 KiB (announced), read
 *          them back and check them (announced), gm_free the block. This
 *          is the cost of the free hook on a large block (the free as a
 *          write of the whole block, and the search for the sync objects
 *          that lived in it) and of the shadow reset of every new block.
 *
 * -b ("bare") skips every gm_race_read/gm_race_write call (the loops are
 * compiled a second time without them): in the plain build that is the
 * program as it would be written without annotations, the baseline
 * comparable to an uninstrumented build. -T arms alarm(): a hung run dies
 * of SIGALRM.
 *
 * The clock runs from before the first gm_go to after the last wait
 * (allocation, the passes and the free of the arrays included; process
 * start-up and the checker's initialisation excluded). CPU is user+sys of
 * the whole process (getrusage) over the same interval; peak RSS is the
 * process's ru_maxrss at the end. Every result is checked: each pass's sum
 * against its closed form, the counter (mem) or the total of the blocks'
 * checksums (churn); a wrong result prints a message and exits with
 * status 2. Exit status 1 is a usage error or a failed gm_go/gm_malloc.
 *
 * Output: one line on stdout,
 *   race_bench workload=W race=0|1 annotate=0|1 goroutines=G ops=N
 *     elapsed_s=S wall_ns=X cpu_ns=Y maxrss_kib=Z checksum=0x... counter=C
 * where race is gm_race_enabled() and ops counts announced element accesses
 * (mem) or malloc+free pairs (churn, free).
 *
 * Synchronization of the benchmark itself: a goroutine's arguments are
 * written before gm_go (which orders them) and its results are read after
 * gm_waitgroup_wait; the shared counter and total are read and written
 * under the gm_mutex only. A correct program: the checker must not report
 * anything (a report makes libgomm_race exit with status 66 at exit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gomm/alloc.h>
#include <gomm/go.h>
#include <gomm/race.h>
#include <gomm/sync.h>

#define CHUNK       1024 /* mem: elements between counter increments */
#define MAX_G       64
#define CHURN_LIVE  16  /* churn: blocks live at once per goroutine */
#define BLOCK_WORDS 8   /* churn: 64 B blocks */
#define FREE_STRIDE 512 /* free: one word written per 4 KiB */

#define MIX 0x9E3779B97F4A7C15ull

static bool annotate = true; /* -b clears it */

/* ---- helpers ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("race_bench: ", stderr);
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

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Keep the compiler from carrying values in registers across passes. */
static inline void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void start(void (*fn)(void *), void *arg)
{
    int err = gm_go(fn, arg);
    if (err) {
        fprintf(stderr, "race_bench: gm_go: %s\n", strerror(err));
        exit(1);
    }
}

/* shared state, under mu */
static gm_mutex mu;
static uint64_t shared_counter; /* mem: increments */
static uint64_t shared_total;   /* churn: sum of the goroutines' checksums */

static void shared_add(uint64_t *v, uint64_t d, bool ann)
{
    gm_mutex_lock(&mu);
    if (ann) {
        gm_race_read(v, sizeof *v);
        gm_race_write(v, sizeof *v);
    }
    *v += d;
    gm_mutex_unlock(&mu);
}

/* ---- mem: the memory-heavy program ---- */

typedef struct mem_arg {
    gm_waitgroup *wg;
    size_t n; /* elements, a multiple of CHUNK */
    int passes;
    uint64_t id;
    uint64_t checksum; /* out */
} mem_arg;

/* The value of element i in pass `pass` of goroutine id, and the sum of a
 * pass over n elements in closed form (mod 2^64). */
static inline uint64_t mem_base(uint64_t id, int pass)
{
    return (id << 48) + ((uint64_t)pass << 32) + 1;
}

static uint64_t mem_expected(size_t n, uint64_t id, int pass)
{
    uint64_t tri = n % 2 ? (uint64_t)n * ((n - 1) / 2) : (uint64_t)(n / 2) * (n - 1);
    return tri * MIX + (uint64_t)n * mem_base(id, pass);
}

/* One pass; `ann` is a constant at each call site, so the annotated and
 * the bare loops are compiled separately. */
static inline __attribute__((always_inline)) uint64_t mem_pass(mem_arg *m, uint64_t *a, int pass,
                                                               bool ann)
{
    uint64_t base = mem_base(m->id, pass);
    for (size_t c = 0; c < m->n; c += CHUNK) {
        for (size_t i = c; i < c + CHUNK; i++) {
            if (ann)
                gm_race_write(&a[i], sizeof a[i]);
            a[i] = i * MIX + base;
        }
        shared_add(&shared_counter, 1, ann);
    }
    clobber(a);
    uint64_t sum = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (ann)
            gm_race_read(&a[i], sizeof a[i]);
        sum += a[i];
    }
    clobber(a);
    return sum;
}

static void mem_goroutine(void *p)
{
    mem_arg *m = p;
    uint64_t *a = gm_malloc(m->n * sizeof *a);
    if (!a) {
        fprintf(stderr, "race_bench: gm_malloc(%zu) failed\n", m->n * sizeof *a);
        exit(1);
    }
    uint64_t total = 0;
    for (int pass = 0; pass < m->passes; pass++) {
        uint64_t sum = annotate ? mem_pass(m, a, pass, true) : mem_pass(m, a, pass, false);
        uint64_t want = mem_expected(m->n, m->id, pass);
        if (sum != want)
            die("mem: goroutine %" PRIu64 " pass %d: sum 0x%016" PRIx64 ", expected 0x%016" PRIx64,
                m->id, pass, sum, want);
        total += sum;
    }
    gm_free(a);
    m->checksum = total;
    gm_waitgroup_done(m->wg);
}

static void wl_mem(int g, size_t mib, int passes, uint64_t *ops, uint64_t *checksum,
                   uint64_t *counter)
{
    static mem_arg args[MAX_G];
    gm_waitgroup wg = {0};
    size_t n = mib * (1024 * 1024 / sizeof(uint64_t));
    for (int k = 0; k < g; k++)
        args[k] = (mem_arg){.wg = &wg, .n = n, .passes = passes, .id = (uint64_t)k};
    gm_waitgroup_add(&wg, g);
    for (int k = 0; k < g; k++)
        start(mem_goroutine, &args[k]);
    gm_waitgroup_wait(&wg);
    uint64_t sum = 0;
    for (int k = 0; k < g; k++)
        sum += args[k].checksum;
    gm_mutex_lock(&mu);
    if (annotate)
        gm_race_read(&shared_counter, sizeof shared_counter);
    uint64_t cnt = shared_counter;
    gm_mutex_unlock(&mu);
    uint64_t want = (uint64_t)g * (uint64_t)passes * (n / CHUNK);
    if (cnt != want)
        die("mem: counter %" PRIu64 ", expected %" PRIu64, cnt, want);
    *ops = (uint64_t)g * (uint64_t)passes * n * 2;
    *checksum = sum;
    *counter = cnt;
}

/* ---- churn: short goroutines allocating and freeing small blocks ---- */

typedef struct churn_arg {
    gm_waitgroup *wg;
    int rounds;
    uint64_t id;
} churn_arg;

static inline __attribute__((always_inline)) uint64_t churn_rounds(const churn_arg *c, bool ann)
{
    uint64_t *blk[CHURN_LIVE];
    uint64_t sum = 0;
    for (int r = 0; r < c->rounds; r++) {
        uint64_t tag = (c->id << 20) ^ ((uint64_t)r << 8);
        for (int b = 0; b < CHURN_LIVE; b++) {
            uint64_t *p = gm_malloc(BLOCK_WORDS * sizeof *p);
            if (!p) {
                fprintf(stderr, "race_bench: gm_malloc(64) failed\n");
                exit(1);
            }
            if (ann)
                gm_race_write(p, BLOCK_WORDS * sizeof *p);
            for (int w = 0; w < BLOCK_WORDS; w++)
                p[w] = (tag + (uint64_t)(b * BLOCK_WORDS + w)) * MIX;
            blk[b] = p;
        }
        clobber(blk);
        for (int b = 0; b < CHURN_LIVE; b++) {
            uint64_t *p = blk[b];
            if (ann)
                gm_race_read(p, BLOCK_WORDS * sizeof *p);
            for (int w = 0; w < BLOCK_WORDS; w++) {
                if (p[w] != (tag + (uint64_t)(b * BLOCK_WORDS + w)) * MIX)
                    die("churn: goroutine %" PRIu64 " round %d block %d word %d clobbered", c->id,
                        r, b, w);
                sum += p[w];
            }
            gm_free(p);
        }
    }
    return sum;
}

static void churn_goroutine(void *p)
{
    churn_arg *c = p;
    uint64_t sum = annotate ? churn_rounds(c, true) : churn_rounds(c, false);
    shared_add(&shared_total, sum, annotate);
    gm_waitgroup_done(c->wg);
}

/* What churn_goroutine adds for id, computed without the heap. */
static uint64_t churn_expected(uint64_t id, int rounds)
{
    uint64_t sum = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t tag = (id << 20) ^ ((uint64_t)r << 8);
        for (uint64_t k = 0; k < CHURN_LIVE * BLOCK_WORDS; k++)
            sum += (tag + k) * MIX;
    }
    return sum;
}

static void wl_churn(int g, int64_t n, int rounds, uint64_t *ops, uint64_t *checksum,
                     uint64_t *counter)
{
    static churn_arg args[MAX_G];
    gm_waitgroup wg = {0};
    int64_t started = 0;
    while (started < n) {
        int wave = n - started < g ? (int)(n - started) : g;
        gm_waitgroup_add(&wg, wave);
        for (int k = 0; k < wave; k++) {
            args[k] = (churn_arg){.wg = &wg, .rounds = rounds, .id = (uint64_t)(started + k)};
            start(churn_goroutine, &args[k]);
        }
        gm_waitgroup_wait(&wg);
        started += wave;
    }
    gm_mutex_lock(&mu);
    if (annotate)
        gm_race_read(&shared_total, sizeof shared_total);
    uint64_t total = shared_total;
    gm_mutex_unlock(&mu);
    uint64_t want = 0;
    for (int64_t id = 0; id < n; id++)
        want += churn_expected((uint64_t)id, rounds);
    if (total != want)
        die("churn: total 0x%016" PRIx64 ", expected 0x%016" PRIx64, total, want);
    *ops = (uint64_t)n * (uint64_t)rounds * CHURN_LIVE;
    *checksum = total;
    *counter = (uint64_t)n;
}

/* ---- free: large blocks allocated, touched and freed ---- */

typedef struct free_arg {
    gm_waitgroup *wg;
    int rounds;
    size_t words;
    uint64_t id;
} free_arg;

static inline __attribute__((always_inline)) uint64_t free_rounds(const free_arg *f, bool ann)
{
    uint64_t sum = 0;
    for (int r = 0; r < f->rounds; r++) {
        uint64_t tag = (f->id << 32) ^ ((uint64_t)r << 12);
        uint64_t *p = gm_malloc(f->words * sizeof *p);
        if (!p) {
            fprintf(stderr, "race_bench: gm_malloc(%zu) failed\n", f->words * sizeof *p);
            exit(1);
        }
        for (size_t w = 0; w < f->words; w += FREE_STRIDE) {
            if (ann)
                gm_race_write(&p[w], sizeof *p);
            p[w] = (tag + w) * MIX;
        }
        clobber(p);
        for (size_t w = 0; w < f->words; w += FREE_STRIDE) {
            if (ann)
                gm_race_read(&p[w], sizeof *p);
            if (p[w] != (tag + w) * MIX)
                die("free: goroutine %" PRIu64 " round %d word %zu clobbered", f->id, r, w);
            sum += p[w];
        }
        gm_free(p);
    }
    return sum;
}

static void free_goroutine(void *p)
{
    free_arg *f = p;
    uint64_t sum = annotate ? free_rounds(f, true) : free_rounds(f, false);
    shared_add(&shared_total, sum, annotate);
    gm_waitgroup_done(f->wg);
}

static void wl_free(int g, int rounds, size_t kib, uint64_t *ops, uint64_t *checksum,
                    uint64_t *counter)
{
    static free_arg args[MAX_G];
    gm_waitgroup wg = {0};
    size_t words = kib * 1024 / sizeof(uint64_t);
    gm_mutex_lock(&mu); /* a sync object exists from here on */
    gm_mutex_unlock(&mu);
    gm_waitgroup_add(&wg, g);
    for (int k = 0; k < g; k++) {
        args[k] = (free_arg){.wg = &wg, .rounds = rounds, .words = words, .id = (uint64_t)k};
        start(free_goroutine, &args[k]);
    }
    gm_waitgroup_wait(&wg);
    gm_mutex_lock(&mu);
    if (annotate)
        gm_race_read(&shared_total, sizeof shared_total);
    uint64_t total = shared_total;
    gm_mutex_unlock(&mu);
    uint64_t want = 0;
    for (int k = 0; k < g; k++)
        for (int r = 0; r < rounds; r++) {
            uint64_t tag = ((uint64_t)k << 32) ^ ((uint64_t)r << 12);
            for (size_t w = 0; w < words; w += FREE_STRIDE)
                want += (tag + w) * MIX;
        }
    if (total != want)
        die("free: total 0x%016" PRIx64 ", expected 0x%016" PRIx64, total, want);
    *ops = (uint64_t)g * (uint64_t)rounds;
    *checksum = total;
    *counter = (uint64_t)g;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: race_bench WORKLOAD [-g G] [-m MIB] [-p PASSES] [-n N] [-r ROUNDS] [-k KIB]\n"
            "                  [-b] [-T SECONDS]\n"
            "  mem    G goroutines (default 2), each a private MIB MiB array (default 64),\n"
            "         PASSES passes (default 4) of write then sum, every access announced;\n"
            "         a shared counter under a gm_mutex every 1024 elements\n"
            "  churn  N goroutines (default 4000), G at a time (default 2), each ROUNDS\n"
            "         rounds (default 64) of 16 x gm_malloc(64), write, read, gm_free\n"
            "  free   after a gm_mutex lock/unlock, G goroutines (default 2), each ROUNDS\n"
            "         rounds (default 64) of gm_malloc(KIB KiB, default 64), a word written\n"
            "         and read back per 4 KiB, gm_free\n"
            "  -b          bare: no gm_race_read/gm_race_write calls\n"
            "  -T SECONDS  die of SIGALRM after this long\n"
            "Prints: race_bench workload=W race=R annotate=A goroutines=G ops=N elapsed_s=S "
            "wall_ns=X cpu_ns=Y maxrss_kib=Z checksum=0x... counter=C\n"
            "Exit 2 = wrong result, 1 = usage / gm_go / gm_malloc failure.\n");
    exit(1);
}

static int64_t parse_count(const char *s, int64_t max)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v > max)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    bool mem = !strcmp(argv[1], "mem"), churn = !strcmp(argv[1], "churn");
    if (!mem && !churn && strcmp(argv[1], "free"))
        usage();
    int g = 2, passes = 4, rounds = 64;
    int64_t mib = 64, n = 4000, kib = 64;
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-b")) {
            annotate = false;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(o, "-g"))
            g = (int)parse_count(v, MAX_G);
        else if (!strcmp(o, "-m"))
            mib = parse_count(v, 1 << 16);
        else if (!strcmp(o, "-p"))
            passes = (int)parse_count(v, 1 << 20);
        else if (!strcmp(o, "-n"))
            n = parse_count(v, INT64_C(1) << 40);
        else if (!strcmp(o, "-r"))
            rounds = (int)parse_count(v, 1 << 24);
        else if (!strcmp(o, "-k"))
            kib = parse_count(v, 1 << 22);
        else if (!strcmp(o, "-T"))
            alarm((unsigned)parse_count(v, 1 << 20));
        else
            usage();
    }

    uint64_t ops, checksum, counter;
    int64_t c0 = cpu_ns(), t0 = now_ns();
    if (mem)
        wl_mem(g, (size_t)mib, passes, &ops, &checksum, &counter);
    else if (churn)
        wl_churn(g, n, rounds, &ops, &checksum, &counter);
    else
        wl_free(g, rounds, (size_t)kib, &ops, &checksum, &counter);
    int64_t t1 = now_ns(), c1 = cpu_ns();
    printf("race_bench workload=%s race=%d annotate=%d goroutines=%d ops=%" PRIu64
           " elapsed_s=%.4f wall_ns=%" PRId64 " cpu_ns=%" PRId64 " maxrss_kib=%ld"
           " checksum=0x%016" PRIx64 " counter=%" PRIu64 "\n",
           argv[1], gm_race_enabled() ? 1 : 0, annotate ? 1 : 0, g, ops, (double)(t1 - t0) / 1e9,
           t1 - t0, c1 - c0, maxrss_kib(), checksum, counter);
    return 0;
}
