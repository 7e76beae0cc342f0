/*
 * bench/race_cc/lock.c — a lock-heavy pthreads program for comparing
 * `gomm cc` with ThreadSanitizer (scripts/bench-race-cc.sh runs it;
 * docs/BENCHMARKS.md has the results).
 *
 *   lock WORKLOAD [-t THREADS] [-n OPS] [-T SECONDS]
 *
 *   mutex  THREADS threads (default 4) contend one pthread mutex that
 *          protects a small struct (a count, a sum, the last writer's id and
 *          a 16-byte histogram). OPS lock/unlock pairs in all (default
 *          10^6), OPS/THREADS each; every critical section reads and
 *          writes all four fields.
 *   queue  a bounded queue of 64 slots behind one mutex and two condition
 *          variables ("not empty", "not full"): THREADS/2 producers put
 *          OPS items in all (default 2*10^5), THREADS/2 consumers take
 *          them (THREADS default 4). Each item is a pointer to a malloc'd
 *          16-byte record that the producer fills and the consumer reads
 *          and frees, so the data travels through the queue's
 *          happens-before edges, as in a real work queue.
 *
 * Every result is checked (the count and sums; every item consumed once);
 * a wrong result exits with status 2. The program is race-free. -T arms
 * alarm().
 *
 * Output: one line on stdout,
 *   lock workload=W threads=T ops=N wall_ns=X cpu_ns=Y checksum=0x...
 * where wall and CPU (user+sys of all threads, getrusage) cover the work
 * from before the first pthread_create to after the last join.
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

#define MAX_T 64
#define QCAP  64
#define MIX   0x9E3779B97F4A7C15ull

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

static void start(pthread_t *th, void *(*fn)(void *), void *a)
{
    int err = pthread_create(th, NULL, fn, a);
    if (err) {
        fprintf(stderr, "lock: pthread_create: %s\n", strerror(err));
        exit(1);
    }
}

/* ---- mutex: contended lock over a small struct ---- */

static struct {
    pthread_mutex_t mu;
    uint64_t count;
    uint64_t sum;
    uint32_t last;
    uint8_t hist[16];
} st = {.mu = PTHREAD_MUTEX_INITIALIZER};

typedef struct mutex_arg {
    uint64_t id, ops;
} mutex_arg;

static void *mutex_worker(void *p)
{
    mutex_arg *m = p;
    for (uint64_t i = 0; i < m->ops; i++) {
        uint64_t v = (m->id << 40) + i;
        pthread_mutex_lock(&st.mu);
        st.count++;
        st.sum += v * MIX;
        if (st.last != (uint32_t)m->id)
            st.hist[m->id & 15]++; /* hand-overs, per new owner */
        st.last = (uint32_t)m->id;
        pthread_mutex_unlock(&st.mu);
    }
    return NULL;
}

static uint64_t wl_mutex(long t, uint64_t ops)
{
    static mutex_arg args[MAX_T];
    pthread_t th[MAX_T];
    uint64_t each = ops / (uint64_t)t, want = 0;
    for (long k = 0; k < t; k++) {
        args[k] = (mutex_arg){.id = (uint64_t)k, .ops = each};
        start(&th[k], mutex_worker, &args[k]);
    }
    for (long k = 0; k < t; k++)
        pthread_join(th[k], NULL);
    for (uint64_t k = 0; k < (uint64_t)t; k++)
        for (uint64_t i = 0; i < each; i++)
            want += ((k << 40) + i) * MIX;
    pthread_mutex_lock(&st.mu);
    uint64_t cnt = st.count, sum = st.sum;
    pthread_mutex_unlock(&st.mu);
    if (cnt != each * (uint64_t)t || sum != want) {
        fprintf(stderr, "lock: mutex: count %" PRIu64 " sum 0x%" PRIx64 ", expected %" PRIu64
                        " 0x%" PRIx64 "\n",
                cnt, sum, each * (uint64_t)t, want);
        exit(2);
    }
    return sum;
}

/* ---- queue: mutex + two condvars, producers and consumers ---- */

typedef struct item {
    uint64_t seq, val;
} item;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    item *slot[QCAP];
    unsigned head, tail; /* head - tail = items in the queue */
    int producers_left;
} q = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .not_empty = PTHREAD_COND_INITIALIZER,
       .not_full = PTHREAD_COND_INITIALIZER};

typedef struct queue_arg {
    uint64_t first, count; /* producer: items first .. first+count-1 */
    uint64_t sum, got;     /* consumer: out */
} queue_arg;

static void *producer(void *p)
{
    queue_arg *a = p;
    for (uint64_t s = a->first; s < a->first + a->count; s++) {
        item *it = malloc(sizeof *it);
        if (!it) {
            fprintf(stderr, "lock: malloc failed\n");
            exit(1);
        }
        it->seq = s;
        it->val = s * MIX;
        pthread_mutex_lock(&q.mu);
        while (q.head - q.tail == QCAP)
            pthread_cond_wait(&q.not_full, &q.mu);
        q.slot[q.head++ % QCAP] = it;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.mu);
    }
    pthread_mutex_lock(&q.mu);
    if (--q.producers_left == 0)
        pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.mu);
    return NULL;
}

static void *consumer(void *p)
{
    queue_arg *a = p;
    for (;;) {
        pthread_mutex_lock(&q.mu);
        while (q.head == q.tail && q.producers_left > 0)
            pthread_cond_wait(&q.not_empty, &q.mu);
        if (q.head == q.tail) {
            pthread_mutex_unlock(&q.mu);
            return NULL;
        }
        item *it = q.slot[q.tail++ % QCAP];
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.mu);
        if (it->val != it->seq * MIX) {
            fprintf(stderr, "lock: queue: item %" PRIu64 " clobbered\n", it->seq);
            exit(2);
        }
        a->sum += it->seq;
        a->got++;
        free(it);
    }
}

static uint64_t wl_queue(long t, uint64_t ops)
{
    static queue_arg args[MAX_T];
    pthread_t th[MAX_T];
    long np = t / 2 > 0 ? t / 2 : 1, nc = t - np > 0 ? t - np : 1;
    uint64_t each = ops / (uint64_t)np;
    q.producers_left = (int)np;
    for (long k = 0; k < np + nc; k++) {
        args[k] = (queue_arg){.first = (uint64_t)k * each, .count = k < np ? each : 0};
        start(&th[k], k < np ? producer : consumer, &args[k]);
    }
    uint64_t sum = 0, got = 0, n = each * (uint64_t)np;
    for (long k = 0; k < np + nc; k++) {
        pthread_join(th[k], NULL);
        sum += args[k].sum;
        got += args[k].got;
    }
    if (got != n || sum != n * (n - 1) / 2) {
        fprintf(stderr, "lock: queue: %" PRIu64 " items, sum %" PRIu64 ", expected %" PRIu64
                        ", %" PRIu64 "\n",
                got, sum, n, n * (n - 1) / 2);
        exit(2);
    }
    return sum;
}

static long parse(const char *s, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v <= 0 || v > max) {
        fprintf(stderr, "usage: lock mutex|queue [-t THREADS] [-n OPS] [-T SECONDS]\n");
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "mutex") && strcmp(argv[1], "queue")))
        parse("", 0);
    int is_mutex = !strcmp(argv[1], "mutex");
    long t = 4, ops = is_mutex ? 1000000 : 200000;
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "t:n:T:")) != -1) {
        switch (opt) {
        case 't': t = parse(optarg, MAX_T); break;
        case 'n': ops = parse(optarg, 1L << 40); break;
        case 'T': alarm((unsigned)parse(optarg, 1 << 20)); break;
        default: parse("", 0);
        }
    }
    if (!is_mutex && t < 2)
        t = 2;
    int64_t c0 = cpu_ns(), t0 = now_ns();
    uint64_t sum = is_mutex ? wl_mutex(t, (uint64_t)ops) : wl_queue(t, (uint64_t)ops);
    int64_t t1 = now_ns(), c1 = cpu_ns();
    printf("lock workload=%s threads=%ld ops=%ld wall_ns=%" PRId64 " cpu_ns=%" PRId64
           " checksum=0x%016" PRIx64 "\n",
           argv[1], t, ops, t1 - t0, c1 - c0, sum);
    return 0;
}
