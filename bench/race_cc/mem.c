/*
 * bench/race_cc/mem.c — the memory-heavy program of research/tsan.md §5, in
 * plain pthreads C, for comparing `gomm cc` with ThreadSanitizer
 * (scripts/bench-race-cc.sh builds it uninstrumented, with clang's and
 * gcc's -fsanitize=thread, and with gomm cc; docs/BENCHMARKS.md has the
 * results).
 *
 *   mem [-t THREADS] [-m MIB] [-p PASSES] [-T SECONDS]
 *
 * THREADS threads (default 2) each malloc a private MIB MiB uint64_t array
 * (default 64) and make PASSES passes (default 4) over it: write every
 * element, then sum them. After every 1024 elements written, the thread
 * increments a shared counter under a pthread mutex. With the defaults:
 * 2 x 8 Mi elements x 4 passes x 2 accesses = 128 Mi plain 8-byte accesses
 * and 64 Ki lock/unlock pairs.
 *
 * Every result is checked: each pass's sum against its closed form and the
 * counter against the number of increments; a wrong result prints a
 * message and exits with status 2. The program is race-free: a race report
 * is a false positive. -T arms alarm(): a hung run dies of SIGALRM.
 *
 * Output: one line on stdout,
 *   mem threads=T mib=M passes=P wall_ns=X cpu_ns=Y checksum=0x... counter=C
 * where wall and CPU (user+sys, all threads, getrusage) cover the work from
 * before the first pthread_create to after the last join: process start-up
 * and the sanitizer's initialisation are not in them.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 1024
#define MAX_T 64
#define MIX   0x9E3779B97F4A7C15ull

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t counter; /* under mu */

typedef struct arg {
    size_t n; /* elements, a multiple of CHUNK */
    int passes;
    uint64_t id;
    uint64_t checksum; /* out, read after the join */
    int bad_pass;      /* out: -1 when every sum matched */
} arg;

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

static inline uint64_t base_of(uint64_t id, int pass)
{
    return (id << 48) + ((uint64_t)pass << 32) + 1;
}

/* The sum of one pass over n elements, in closed form (mod 2^64). */
static uint64_t expected(size_t n, uint64_t id, int pass)
{
    uint64_t tri = n % 2 ? (uint64_t)n * ((n - 1) / 2) : (uint64_t)(n / 2) * (n - 1);
    return tri * MIX + (uint64_t)n * base_of(id, pass);
}

/* Keep the compiler from carrying values in registers across passes. */
static inline void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void *worker(void *p)
{
    arg *m = p;
    uint64_t *a = malloc(m->n * sizeof *a);
    if (!a) {
        fprintf(stderr, "mem: malloc(%zu) failed\n", m->n * sizeof *a);
        exit(1);
    }
    m->bad_pass = -1;
    uint64_t total = 0;
    for (int pass = 0; pass < m->passes; pass++) {
        uint64_t base = base_of(m->id, pass);
        for (size_t c = 0; c < m->n; c += CHUNK) {
            for (size_t i = c; i < c + CHUNK; i++)
                a[i] = i * MIX + base;
            pthread_mutex_lock(&mu);
            counter++;
            pthread_mutex_unlock(&mu);
        }
        clobber(a);
        uint64_t sum = 0;
        for (size_t i = 0; i < m->n; i++)
            sum += a[i];
        clobber(a);
        if (sum != expected(m->n, m->id, pass) && m->bad_pass < 0)
            m->bad_pass = pass;
        total += sum;
    }
    free(a);
    m->checksum = total;
    return NULL;
}

static long parse(const char *s, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v <= 0 || v > max) {
        fprintf(stderr, "usage: mem [-t THREADS] [-m MIB] [-p PASSES] [-T SECONDS]\n");
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    long t = 2, mib = 64, passes = 4;
    int opt;
    while ((opt = getopt(argc, argv, "t:m:p:T:")) != -1) {
        switch (opt) {
        case 't': t = parse(optarg, MAX_T); break;
        case 'm': mib = parse(optarg, 1 << 16); break;
        case 'p': passes = parse(optarg, 1 << 20); break;
        case 'T': alarm((unsigned)parse(optarg, 1 << 20)); break;
        default: parse("", 0);
        }
    }
    static arg args[MAX_T];
    pthread_t th[MAX_T];
    size_t n = (size_t)mib * (1024 * 1024 / sizeof(uint64_t));
    int64_t c0 = cpu_ns(), t0 = now_ns();
    for (long k = 0; k < t; k++) {
        args[k] = (arg){.n = n, .passes = (int)passes, .id = (uint64_t)k};
        int err = pthread_create(&th[k], NULL, worker, &args[k]);
        if (err) {
            fprintf(stderr, "mem: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    uint64_t sum = 0;
    for (long k = 0; k < t; k++) {
        pthread_join(th[k], NULL);
        if (args[k].bad_pass >= 0) {
            fprintf(stderr, "mem: thread %ld pass %d: wrong sum\n", k, args[k].bad_pass);
            return 2;
        }
        sum += args[k].checksum;
    }
    int64_t t1 = now_ns(), c1 = cpu_ns();
    pthread_mutex_lock(&mu);
    uint64_t cnt = counter;
    pthread_mutex_unlock(&mu);
    uint64_t want = (uint64_t)t * (uint64_t)passes * (n / CHUNK);
    if (cnt != want) {
        fprintf(stderr, "mem: counter %" PRIu64 ", expected %" PRIu64 "\n", cnt, want);
        return 2;
    }
    printf("mem threads=%ld mib=%ld passes=%ld wall_ns=%" PRId64 " cpu_ns=%" PRId64
           " checksum=0x%016" PRIx64 " counter=%" PRIu64 "\n",
           t, mib, passes, t1 - t0, c1 - c0, sum, cnt);
    return 0;
}
