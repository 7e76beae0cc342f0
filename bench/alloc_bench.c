/*
 * bench/alloc_bench.c — the allocator benchmark: one binary, six workloads.
 *
 * It calls plain malloc/free and is linked against nothing but libc and
 * pthreads, so every allocator (gomm, jemalloc, tcmalloc, mimalloc) is
 * swapped in with LD_PRELOAD on the very same binary; no preload = glibc.
 * scripts/bench-alloc.sh drives it; docs/BENCHMARKS.md has the results.
 *
 *   a   random sizes 8..512 B, live set: T threads (default 2), each with a
 *       1000-slot array; an op frees a random slot and mallocs a random size
 *       into it. N ops in total, N/T per thread.
 *   b   producer/consumer: one thread mallocs 64 B objects, writes them and
 *       passes them through a 1024-slot SPSC ring to a second thread, which
 *       checks and frees them (every free is a cross-thread free). N objects.
 *   c   larson-like server with thread churn: 2 lanes x 5000 live objects of
 *       8..1000 B; each generation every lane is a NEW thread doing 50 000
 *       replace ops and exiting; the lanes swap arrays each generation, so
 *       frees hit objects allocated by a dead thread of the other lane.
 *       N ops in total = generations x lanes x 50 000.
 *   d   large blocks: T threads (default 2), each with an 8-slot live set of
 *       64 KiB..4 MiB blocks; one word written per 4 KiB page. N ops total.
 *   e   fast path: one thread, malloc(64) + free, N pairs.
 *   eb  fast path in batches: one thread mallocs 100 x 64 B, then frees the
 *       100 in allocation order; N pairs in total.
 *
 * Sizes are uniform (xorshift64 PRNG, a fixed seed per thread, -s to vary).
 * Every object is written where it is used: one word per 64 B line (per
 * 4 KiB page for d) plus its last word, each a canary derived from the
 * address and size. The canaries are verified just before each free (and
 * each 64 B object of b is checked whole, with its sequence number, by the
 * consumer), so an allocator that hands out overlapping or clobbered memory
 * makes the benchmark fail loudly: message on stderr, exit status 2.
 * Exit status 1 is a usage error or a malloc that returned NULL.
 *
 * Output: one line on stdout,
 *   alloc_bench workload=W threads=T ops=N elapsed_s=S ns_per_op=X
 * where elapsed is wall time around the workload only.
 *
 * Atomics (workload b only): the ring's head index is written by the
 * producer alone and tail by the consumer alone. The producer fills the
 * object and the slot, then publishes head with memory_order_release; the
 * consumer loads head with memory_order_acquire, so the slot and the
 * object's contents happen-before its reads. Symmetrically the consumer
 * publishes tail with release after it has read the slot (and freed the
 * object), and the producer loads tail with acquire before reusing that
 * slot. Each side loads its own index relaxed (only it writes it). head and
 * tail sit on separate 128 B lines (no false sharing, adjacent-line
 * prefetch included), and each side caches the other's index so it touches
 * the shared line only when the ring looks full/empty. Waiting spins 64
 * times with a pause, then sched_yield()s (2 vCPUs: the partner may be
 * descheduled). Threads start and are joined with pthread_create/join,
 * which order everything else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

/* Make p escape: the compiler may not elide the malloc/free pair, nor
 * forward stored canaries to the verifying loads. No instruction. */
static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ volatile("" ::: "memory");
#endif
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64 (Marsaglia); state never 0. */
typedef struct {
    uint64_t s;
} rng;

static rng rng_seed(uint64_t seed, uint64_t stream)
{
    /* splitmix64 finaliser to spread (seed, stream) over the state. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    rng r = {z ? z : 1};
    return r;
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t x = r->s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->s = x;
    return x;
}

/* Uniform in [lo, hi] (multiply-shift on the high 32 bits). */
static inline size_t rng_range(rng *r, size_t lo, size_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (size_t)(((rng_next(r) >> 32) * span) >> 32);
}

static const char *g_workload = "?";

/* Report corruption and exit 2 at once: _exit, because other threads may
 * still be inside a broken allocator that exit handlers would call. */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "alloc_bench %s: ", g_workload);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "alloc_bench %s: malloc(%zu) failed: %s\n", g_workload, n, strerror(errno));
        _exit(1);
    }
    if ((uintptr_t)p & 7)
        die("malloc(%zu) returned misaligned pointer %p", n, p);
    return p;
}

/* ---- canaries ---- */

/* tag distinguishes allocations that get the same address and size, so a
 * block handed out twice while live is caught too. */
static inline uint64_t canary(const void *p, size_t n, uint32_t tag)
{
    return ((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)n << 1) ^
           ((uint64_t)tag << 40) ^ 0x5a;
}

static inline void store64(unsigned char *b, uint64_t v)
{
    memcpy(b, &v, sizeof v);
}

static inline uint64_t load64(const unsigned char *b)
{
    uint64_t v;
    memcpy(&v, b, sizeof v);
    return v;
}

/* Write object p of n >= 8 bytes: a word at every stride bytes (not
 * overlapping the last word) and the last word. */
static inline void obj_fill(void *p, size_t n, uint32_t tag, size_t stride)
{
    unsigned char *b = p;
    uint64_t t = canary(p, n, tag);
    for (size_t off = 0; off + 16 <= n; off += stride)
        store64(b + off, t + off);
    store64(b + n - 8, ~t);
    escape(p);
}

/* Verify what obj_fill(p, n, tag, stride) wrote, reading every
 * check_every-th word (1 = all). */
static inline void obj_check(void *p, size_t n, uint32_t tag, size_t stride, size_t check_every)
{
    const unsigned char *b = p;
    uint64_t t = canary(p, n, tag);
    size_t step = stride * check_every;
    for (size_t off = 0; off + 16 <= n; off += step) {
        uint64_t v = load64(b + off);
        if (v != t + off)
            die("corruption: %zu-byte object %p: word at offset %zu is %#" PRIx64
                ", expected %#" PRIx64,
                n, p, off, v, t + off);
    }
    uint64_t v = load64(b + n - 8);
    if (v != ~t)
        die("corruption: %zu-byte object %p: last word is %#" PRIx64 ", expected %#" PRIx64, n, p,
            v, ~t);
}

/* ---- the replace loop shared by a, c, d ---- */

typedef struct {
    void *p;
    uint32_t n;   /* size */
    uint32_t tag; /* canary tag */
} slot;

typedef struct {
    size_t lo, hi;      /* size range, inclusive */
    size_t stride;      /* obj_fill stride */
    size_t check_every; /* obj_check sampling */
} size_spec;

static void slots_fill(slot *s, size_t nslots, rng *r, const size_spec *z)
{
    for (size_t i = 0; i < nslots; i++) {
        size_t n = rng_range(r, z->lo, z->hi);
        s[i].p = xmalloc(n);
        s[i].n = (uint32_t)n;
        s[i].tag = (uint32_t)i;
        obj_fill(s[i].p, n, s[i].tag, z->stride);
    }
}

static void slots_free(slot *s, size_t nslots, const size_spec *z)
{
    for (size_t i = 0; i < nslots; i++) {
        obj_check(s[i].p, s[i].n, s[i].tag, z->stride, z->check_every);
        free(s[i].p);
        s[i].p = NULL;
    }
}

static void churn(slot *s, size_t nslots, size_t ops, rng *r, const size_spec *z)
{
    for (size_t k = 0; k < ops; k++) {
        size_t i = rng_range(r, 0, nslots - 1);
        obj_check(s[i].p, s[i].n, s[i].tag, z->stride, z->check_every);
        free(s[i].p);
        size_t n = rng_range(r, z->lo, z->hi);
        void *p = xmalloc(n);
        uint32_t tag = (uint32_t)k;
        obj_fill(p, n, tag, z->stride);
        s[i].p = p;
        s[i].n = (uint32_t)n;
        s[i].tag = tag;
    }
}

/* ---- a and d: T threads, each its own live set ---- */

typedef struct {
    _Alignas(128) size_t ops;
    size_t nslots;
    uint64_t seed;
    unsigned id;
    const size_spec *z;
} churn_arg;

static void *churn_thread(void *arg)
{
    churn_arg *a = arg;
    rng r = rng_seed(a->seed, a->id);
    slot *s = xmalloc(a->nslots * sizeof *s);
    slots_fill(s, a->nslots, &r, a->z);
    churn(s, a->nslots, a->ops, &r, a->z);
    slots_free(s, a->nslots, a->z);
    free(s);
    return NULL;
}

static void run_threads(void *(*fn)(void *), void *args, size_t argsize, unsigned n)
{
    pthread_t tid[64];
    for (unsigned i = 0; i < n; i++) {
        int e = pthread_create(&tid[i], NULL, fn, (char *)args + i * argsize);
        if (e) {
            fprintf(stderr, "alloc_bench %s: pthread_create: %s\n", g_workload, strerror(e));
            exit(1);
        }
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(tid[i], NULL);
}

static void wl_churn(size_t ops, unsigned threads, uint64_t seed, size_t nslots, const size_spec *z)
{
    churn_arg args[64];
    for (unsigned i = 0; i < threads; i++) {
        args[i].ops = ops / threads + (i < ops % threads ? 1 : 0);
        args[i].nslots = nslots;
        args[i].seed = seed;
        args[i].id = i;
        args[i].z = z;
    }
    run_threads(churn_thread, args, sizeof args[0], threads);
}

/* ---- b: SPSC ring, producer -> consumer ---- */

#define RING_SLOTS 1024
#define SPIN_LIMIT 64
#define B_OBJ_SIZE 64
#define B_WORDS    (B_OBJ_SIZE / 8)

static struct {
    _Alignas(128) _Atomic size_t head; /* next slot to fill; producer writes */
    _Alignas(128) _Atomic size_t tail; /* next slot to drain; consumer writes */
    _Alignas(128) void *slot[RING_SLOTS];
} ring;

static size_t b_count;

static inline uint64_t b_word(size_t seq, unsigned k)
{
    return ((uint64_t)seq * B_WORDS + k) ^ 0xc3a5c85c97cb3127ull;
}

static inline void backoff(unsigned *spins)
{
    if (++*spins < SPIN_LIMIT) {
        cpu_relax();
    } else {
        *spins = 0;
        sched_yield();
    }
}

static void *b_producer(void *arg)
{
    (void)arg;
    size_t head = atomic_load_explicit(&ring.head, memory_order_relaxed);
    size_t tail_seen = atomic_load_explicit(&ring.tail, memory_order_acquire);
    for (size_t seq = 0; seq < b_count; seq++) {
        uint64_t *o = xmalloc(B_OBJ_SIZE);
        for (unsigned k = 0; k < B_WORDS; k++)
            o[k] = b_word(seq, k);
        escape(o);
        unsigned spins = 0;
        while (head - tail_seen >= RING_SLOTS) {
            backoff(&spins);
            tail_seen = atomic_load_explicit(&ring.tail, memory_order_acquire);
        }
        ring.slot[head % RING_SLOTS] = o;
        head++;
        atomic_store_explicit(&ring.head, head, memory_order_release);
    }
    return NULL;
}

static void *b_consumer(void *arg)
{
    (void)arg;
    size_t tail = atomic_load_explicit(&ring.tail, memory_order_relaxed);
    size_t head_seen = atomic_load_explicit(&ring.head, memory_order_acquire);
    for (size_t seq = 0; seq < b_count; seq++) {
        unsigned spins = 0;
        while (tail == head_seen) {
            backoff(&spins);
            head_seen = atomic_load_explicit(&ring.head, memory_order_acquire);
        }
        uint64_t *o = ring.slot[tail % RING_SLOTS];
        for (unsigned k = 0; k < B_WORDS; k++)
            if (o[k] != b_word(seq, k))
                die("corruption: object %zu at %p: word %u is %#" PRIx64 ", expected %#" PRIx64,
                    seq, (void *)o, k, o[k], b_word(seq, k));
        free(o);
        tail++;
        atomic_store_explicit(&ring.tail, tail, memory_order_release);
    }
    return NULL;
}

static void wl_b(size_t ops)
{
    b_count = ops;
    pthread_t prod, cons;
    if (pthread_create(&cons, NULL, b_consumer, NULL) ||
        pthread_create(&prod, NULL, b_producer, NULL)) {
        fprintf(stderr, "alloc_bench b: pthread_create failed\n");
        exit(1);
    }
    pthread_join(prod, NULL);
    pthread_join(cons, NULL);
}

/* ---- c: larson-like, a new thread per lane per generation ---- */

#define C_SLOTS       5000
#define C_OPS_PER_GEN 50000

typedef struct {
    _Alignas(128) slot *s;
    size_t ops;
    uint64_t seed;
    uint64_t stream;
} lane_arg;

static const size_spec c_sizes = {8, 1000, 64, 1};

static void *c_lane(void *arg)
{
    lane_arg *a = arg;
    rng r = rng_seed(a->seed, a->stream);
    churn(a->s, C_SLOTS, a->ops, &r, &c_sizes);
    return NULL;
}

/* Returns the ops actually done (generations x lanes x C_OPS_PER_GEN). */
static size_t wl_c(size_t ops, unsigned lanes, uint64_t seed)
{
    size_t gens = ops / ((size_t)lanes * C_OPS_PER_GEN);
    if (gens == 0)
        gens = 1;
    slot *arr[64];
    rng r = rng_seed(seed, 1000);
    for (unsigned l = 0; l < lanes; l++) {
        arr[l] = xmalloc(C_SLOTS * sizeof(slot));
        slots_fill(arr[l], C_SLOTS, &r, &c_sizes);
    }
    lane_arg args[64];
    for (size_t g = 0; g < gens; g++) {
        for (unsigned l = 0; l < lanes; l++) {
            /* lane l works on array (l + g) % lanes: rotates every generation */
            args[l].s = arr[(l + g) % lanes];
            args[l].ops = C_OPS_PER_GEN;
            args[l].seed = seed;
            args[l].stream = g * lanes + l;
        }
        run_threads(c_lane, args, sizeof args[0], lanes);
    }
    for (unsigned l = 0; l < lanes; l++) {
        slots_free(arr[l], C_SLOTS, &c_sizes);
        free(arr[l]);
    }
    return gens * lanes * C_OPS_PER_GEN;
}

/* ---- e and eb: single-thread fast path ---- */

#define E_SIZE   64
#define EB_BATCH 100

static void wl_e(size_t ops)
{
    for (size_t k = 0; k < ops; k++) {
        void *p = xmalloc(E_SIZE);
        obj_fill(p, E_SIZE, (uint32_t)k, 64);
        obj_check(p, E_SIZE, (uint32_t)k, 64, 1);
        free(p);
    }
}

static size_t wl_eb(size_t ops)
{
    void *batch[EB_BATCH];
    size_t rounds = ops / EB_BATCH;
    for (size_t k = 0; k < rounds; k++) {
        for (unsigned i = 0; i < EB_BATCH; i++) {
            batch[i] = xmalloc(E_SIZE);
            obj_fill(batch[i], E_SIZE, i, 64);
        }
        for (unsigned i = 0; i < EB_BATCH; i++) {
            obj_check(batch[i], E_SIZE, i, 64, 1);
            free(batch[i]);
        }
    }
    return rounds * EB_BATCH;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: alloc_bench WORKLOAD [-n OPS] [-t THREADS] [-s SEED] [-T SECONDS]\n"
                    "  a   2 threads x 1000 live objects, 8..512 B     (default -n 20000000)\n"
                    "  b   producer -> consumer, 64 B, cross-thread free (default -n 5000000)\n"
                    "  c   larson-like, 2 lanes x 5000, new thread per generation, 8..1000 B\n"
                    "      (-n = generations x lanes x 50000; default 20000000)\n"
                    "  d   2 threads x 8 live blocks, 64 KiB..4 MiB      (default -n 10000)\n"
                    "  e   1 thread, malloc(64)+free pairs              (default -n 50000000)\n"
                    "  eb  1 thread, batches of 100 malloc(64), then free (default -n 50000000)\n"
                    "OPS counts replace ops (a, c, d), objects (b) or malloc+free pairs (e, eb),\n"
                    "summed over threads. -T: die by SIGALRM after SECONDS (a hang fails).\n"
                    "Exit 2 = corruption detected, 1 = usage/OOM.\n");
    exit(1);
}

static size_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end); /* accepts 2e7 */
    if (errno || end == s || *end || v < 1 || v > 1e15)
        usage();
    return (size_t)v;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *w = argv[1];
    size_t ops = 0;
    unsigned threads = 0;
    uint64_t seed = 42;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "-n"))
            ops = parse_size(argv[++i]);
        else if (!strcmp(argv[i], "-t"))
            threads = (unsigned)parse_size(argv[++i]);
        else if (!strcmp(argv[i], "-s"))
            seed = (uint64_t)parse_size(argv[++i]);
        else if (!strcmp(argv[i], "-T"))
            alarm((unsigned)parse_size(argv[++i]));
        else
            usage();
    }
    if (threads > 64)
        usage();
    g_workload = w;

    static const size_spec a_sizes = {8, 512, 64, 1};
    /* d: a word per 4 KiB page; verify every 8th page word (and the last
     * word) so that checking does not double the page touching. */
    static const size_spec d_sizes = {64 << 10, 4 << 20, 4096, 8};

    double t0 = now_s();
    if (!strcmp(w, "a")) {
        if (!ops)
            ops = 20000000;
        if (!threads)
            threads = 2;
        t0 = now_s();
        wl_churn(ops, threads, seed, 1000, &a_sizes);
    } else if (!strcmp(w, "b")) {
        if (!ops)
            ops = 5000000;
        threads = 2;
        t0 = now_s();
        wl_b(ops);
    } else if (!strcmp(w, "c")) {
        if (!ops)
            ops = 20000000;
        if (!threads)
            threads = 2;
        t0 = now_s();
        ops = wl_c(ops, threads, seed);
    } else if (!strcmp(w, "d")) {
        if (!ops)
            ops = 10000;
        if (!threads)
            threads = 2;
        t0 = now_s();
        wl_churn(ops, threads, seed, 8, &d_sizes);
    } else if (!strcmp(w, "e")) {
        if (!ops)
            ops = 50000000;
        threads = 1;
        t0 = now_s();
        wl_e(ops);
    } else if (!strcmp(w, "eb")) {
        if (!ops)
            ops = 50000000;
        threads = 1;
        t0 = now_s();
        ops = wl_eb(ops);
    } else {
        usage();
    }
    double dt = now_s() - t0;
    printf("alloc_bench workload=%s threads=%u ops=%zu elapsed_s=%.3f ns_per_op=%.1f\n", w, threads,
           ops, dt, dt * 1e9 / (double)ops);
    return 0;
}
