/*
 * tests/checker/test_scale.c — the checker at scale: 10^8 announced
 * accesses across 4 goroutines with bounded memory, and a race still found
 * after far more than 50 MB of unrelated traffic.
 *
 * Goroutine 0 writes `victim` first; then every goroutine sweeps its own
 * 16 MiB array (gm_race_write/gm_race_read of each 8-byte word, a new
 * epoch every pass through the goroutine's own mutex), 10^8 accesses in all (768 MiB of
 * traffic); last, goroutine 3 writes `victim` with nothing ordering it
 * after goroutine 0's write. The history rings have long been overwritten,
 * so the report must say the previous stack is lost, and still name both
 * threads. Memory bound asserted: peak RSS <= 3.5 x the 64 MiB of
 * application data + 64 MiB (shadow is 2 x the data it covers; rings
 * 512 KiB a thread; the rest is the program).
 *
 * Runs in a forked child (stderr captured). Sanitizer builds do 1/10 of
 * the work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include <gomm/gomm.h>
#include <gomm/race.h>

#include "../common/child.h"

#define NTHREADS 4
#define WORDS    (16u << 20) / 8 /* 16 MiB a thread */
#ifdef GOMM_TEST_SANITIZED
#define TOTAL_ACCESSES 10000000ull
#else
#define TOTAL_ACCESSES 100000000ull
#endif

static uint64_t victim;
static gm_waitgroup wg;
static _Atomic int stage; /* not announced: gives the checker no edge */

typedef struct job {
    int id;
    uint64_t *data;
    uint64_t done;
    gm_mutex mu; /* its own: epochs advance, no edge to other threads */
} job;

static void sweep(void *arg)
{
    job *j = arg;
    if (j->id == 0) {
        gm_race_write(&victim, sizeof victim);
        victim = 1;
        atomic_store_explicit(&stage, 1, memory_order_relaxed);
    }
    uint64_t per = TOTAL_ACCESSES / NTHREADS;
    while (j->done < per) {
        gm_mutex_lock(&j->mu); /* a new epoch each pass */
        gm_mutex_unlock(&j->mu);
        for (uint32_t i = 0; i < WORDS && j->done < per; i++, j->done++) {
            if (i & 1) {
                gm_race_read(&j->data[i], 8);
            } else {
                gm_race_write(&j->data[i], 8);
                j->data[i] = i;
            }
        }
    }
    if (j->id == NTHREADS - 1) {
        while (atomic_load_explicit(&stage, memory_order_relaxed) != 1) {
        }
        gm_race_write(&victim, sizeof victim); /* the race */
        victim = 2;
    }
    gm_waitgroup_done(&wg);
}

static void scale_child(void *arg)
{
    (void)arg;
    static job jobs[NTHREADS];
    gm_waitgroup_add(&wg, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i].id = i;
        jobs[i].data = gm_malloc(WORDS * 8);
        if (!jobs[i].data)
            _exit(3);
    }
    for (int i = 0; i < NTHREADS; i++)
        gm_go(sweep, &jobs[i]);
    gm_waitgroup_wait(&wg);
    uint64_t total = 0;
    for (int i = 0; i < NTHREADS; i++)
        total += jobs[i].done;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "accesses=%llu maxrss_kib=%ld\n", (unsigned long long)total, ru.ru_maxrss);
    _exit(0);
}

static void test_scale(void **state)
{
    (void)state;
    static struct gt_child_outcome o;
    gt_run_child(scale_child, NULL, 600, &o);
    assert_int_equal(o.signal, 0);
    assert_true(o.exited);
    assert_int_equal(o.status, 0);
    unsigned long long total = 0;
    long rss = 0;
    const char *line = strstr(o.err, "accesses=");
    assert_non_null(line);
    assert_int_equal(sscanf(line, "accesses=%llu maxrss_kib=%ld", &total, &rss), 2);
    assert_true(total >= TOTAL_ACCESSES - NTHREADS);
    long app_kib = NTHREADS * (long)(WORDS * 8 / 1024);
    print_message("%llu accesses, peak RSS %ld MiB for %ld MiB of data\n", total, rss / 1024,
                  app_kib / 1024);
#ifndef GOMM_TEST_SANITIZED /* a sanitizer's own shadow doubles everything */
    assert_true(rss <= app_kib * 7 / 2 + 64 * 1024);
#endif
    /* exactly one race, on victim, between goroutines 0 and 3 */
    int n = 0;
    for (const char *p = o.err; (p = strstr(p, "WARNING: ThreadSanitizer: data race")); p++)
        n++;
    assert_int_equal(n, 1);
    assert_non_null(strstr(o.err, "Write of size 8"));
    assert_non_null(strstr(o.err, "Previous write of size 8"));
    assert_non_null(strstr(o.err, "in sweep"));
    /* the first write's stack went with the overwritten history: said plainly */
    assert_non_null(strstr(o.err, "[failed to restore the stack]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
