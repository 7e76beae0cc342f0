/*
 * bench/race_cc/scale.c — the checker at scale, in plain pthreads C: the
 * shape of tests/checker/test_scale.c (10^8 accesses by 4 threads over
 * private arrays, then one race whose first access is long gone from every
 * history), for comparing `gomm cc` with ThreadSanitizer
 * (scripts/bench-race-cc.sh runs it; docs/BENCHMARKS.md has the results).
 *
 *   scale [-t THREADS] [-m MIB] [-p PASSES] [-T SECONDS]
 *
 * Thread 0 first writes `victim` (the first racing access, line marked
 * RACE-1). Then every thread (default 4) sweeps its own MIB MiB uint64_t
 * array (default 16) PASSES times (default 6): write every element, then
 * read them all back; each pass ends with a lock/unlock of the thread's
 * own mutex, so its epoch advances, but no thread synchronizes with
 * another. That is 4 x 6 x 2 x 2 Mi = 100 663 296 plain 8-byte accesses
 * (768 MiB of traffic). Last, thread THREADS-1 writes `victim` (RACE-2).
 * Nothing orders the two writes: the relaxed atomic `stage` only makes the
 * last thread wait, in real time, until thread 0 has written. The program
 * has exactly this one data race, and a race detector should report it
 * exactly once.
 *
 * Each thread's sums are checked; a wrong result exits with status 2.
 * -T arms alarm().
 *
 * Output: one line on stdout,
 *   scale threads=T mib=M passes=P accesses=N wall_ns=X cpu_ns=Y checksum=0x...
 *     victim=2
 * (wall and CPU of all threads from before the first pthread_create to
 * after the last join).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_T 64
#define MIX   0x9E3779B97F4A7C15ull

uint64_t victim; /* external linkage, and printed: the stores must stay */
static atomic_int stage; /* relaxed only: no happens-before edge */

typedef struct job {
    int id, last;
    size_t n;
    int passes;
    pthread_mutex_t mu; /* the thread's own */
    uint64_t sum;       /* out */
    int bad;            /* out */
} job;

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

static inline void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void *sweep(void *p)
{
    job *j = p;
    if (j->id == 0) {
        victim = 1; /* RACE-1 */
        atomic_store_explicit(&stage, 1, memory_order_relaxed);
    }
    uint64_t *a = malloc(j->n * sizeof *a);
    if (!a) {
        fprintf(stderr, "scale: malloc failed\n");
        exit(1);
    }
    uint64_t total = 0;
    for (int pass = 0; pass < j->passes; pass++) {
        uint64_t base = ((uint64_t)j->id << 48) + ((uint64_t)pass << 32);
        for (size_t i = 0; i < j->n; i++)
            a[i] = i * MIX + base;
        clobber(a);
        uint64_t sum = 0;
        for (size_t i = 0; i < j->n; i++)
            sum += a[i];
        clobber(a);
        uint64_t n = j->n;
        uint64_t tri = n % 2 ? n * ((n - 1) / 2) : (n / 2) * (n - 1);
        if (sum != tri * MIX + n * base)
            j->bad = 1;
        total += sum;
        pthread_mutex_lock(&j->mu); /* a new epoch, no edge to anyone */
        pthread_mutex_unlock(&j->mu);
    }
    free(a);
    if (j->last) {
        while (atomic_load_explicit(&stage, memory_order_relaxed) < 1)
            sched_yield();
        victim = 2; /* RACE-2 */
    }
    j->sum = total;
    return NULL;
}

static long parse(const char *s, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v <= 0 || v > max) {
        fprintf(stderr, "usage: scale [-t THREADS] [-m MIB] [-p PASSES] [-T SECONDS]\n");
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    long t = 4, mib = 16, passes = 6;
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
    if (t < 2)
        t = 2;
    static job jobs[MAX_T];
    pthread_t th[MAX_T];
    size_t n = (size_t)mib * (1024 * 1024 / sizeof(uint64_t));
    int64_t c0 = cpu_ns(), t0 = now_ns();
    for (long k = 0; k < t; k++) {
        jobs[k] = (job){.id = (int)k, .last = k == t - 1, .n = n, .passes = (int)passes};
        pthread_mutex_init(&jobs[k].mu, NULL);
        int err = pthread_create(&th[k], NULL, sweep, &jobs[k]);
        if (err) {
            fprintf(stderr, "scale: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    uint64_t sum = 0;
    for (long k = 0; k < t; k++) {
        pthread_join(th[k], NULL);
        if (jobs[k].bad) {
            fprintf(stderr, "scale: thread %ld: wrong sum\n", k);
            return 2;
        }
        sum += jobs[k].sum;
    }
    int64_t t1 = now_ns(), c1 = cpu_ns();
    printf("scale threads=%ld mib=%ld passes=%ld accesses=%" PRIu64 " wall_ns=%" PRId64
           " cpu_ns=%" PRId64 " checksum=0x%016" PRIx64 " victim=%" PRIu64 "\n",
           t, mib, passes, (uint64_t)t * (uint64_t)passes * 2 * n, t1 - t0, c1 - c0, sum, victim);
    return 0;
}
