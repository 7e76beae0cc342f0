/*
 * tests/checker/race_child.h — the harness of the checker's end-to-end
 * tests (test_hb_rules.c, test_mm_examples.c): a small program on gomm runs
 * in a forked child linked with libgomm_race (tests/common/child.h), and the
 * parent reads the child's stderr back as ThreadSanitizer-layout reports.
 *
 * In the child, the programs use:
 *   W(v), R(v)        a plain write/read of v announced to the checker
 *                     (gm_race_write/gm_race_read on &v, sizeof v); no memory
 *                     is touched, so a real ThreadSanitizer build sees no race.
 *   AT(slot, expr)    expr, with the line it stands on recorded in
 *                     rc_line[slot]; W_AT(slot, v), R_AT(slot, v): W, R so.
 *   set_step(n), wait_step(n), finished(), wait_finished(n)
 *                     ordering the checker does not see (relaxed C11 atomics),
 *                     to make both accesses of a race happen, in a fixed order.
 *   CHECK(cond)       a check in the child: on failure, say so and _exit(3).
 *   go(fn, arg)       gm_go, CHECKed.
 * In the parent:
 *   rc_run(name, prog, status)     run prog in a child: it must exit with
 *                                  status, within 60 s, with no fatal error.
 *   rc_expect_no_race(name, prog)  rc_run with status 0, and no report.
 *   rc_expect_count(name, s, n)    s occurs n times in the child's stderr.
 *   rc_data_race(name, k, from)    the next data race header after from.
 *   rc_check_report(name, k, h, end, &cur, cur_line, &prev, prev_line)
 *                                  the report at h: its current and previous
 *                                  access (kind, size, thread, the recorded
 *                                  line in the top frames) and its SUMMARY.
 *   rc_failf(fmt, ...)             fail the test, printing the whole report
 *                                  (cmocka would truncate it).
 * In main: rc_force_options(argv), rc_map_lines(n, __FILE__), and
 * RC_RUN_TESTS(tests) (GOMM_TEST_FILTER=<glob> runs only some tests).
 *
 * The layout read (the checker's text format, TSan's):
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Write of size 4 at 0x... by thread T1:     (or "by main thread:")
 *       #0 <function> <dir>/<file>.c:<line> ...
 *     Previous read of size 4 at 0x... by main thread:
 *       #0 ...
 *     Location is ...
 *   SUMMARY: ThreadSanitizer: data race <dir>/<file>.c:<line> in <function>
 *   ==================
 *
 * Invariants:
 * - Only the test's own .c file includes this (one per executable), as its
 *   first #include, after #define _GNU_SOURCE (memmem, strsignal): it
 *   defines static state (the child's outcome, the line slots, the ordering
 *   counters) and, in a real ThreadSanitizer build, the external
 *   __tsan_default_options hook.
 * - Every access a test locates is written in the test's own file, with
 *   W/R/AT: they are macros, so __LINE__ and the reported frame are that
 *   file's, which rc_map_lines learns from the __FILE__ it is given. No
 *   function here makes an access (its frame would name this header).
 * - rc_line is a MAP_SHARED page: the child writes it, the parent reads it.
 *   rc_run zeroes it first, so a slot still 0 after the run was not
 *   recorded, and a check of its line fails.
 * - The ordering helpers are relaxed only: they give the checker no
 *   happens-before edge (they compile to plain moves, or, under
 *   -fsanitize=thread, go to the real TSan runtime). The step only grows: a
 *   late set_step never takes it back.
 * - The checker reads its options once, at start-up: rc_force_options
 *   re-executes the test with RC_FORCED_OPTIONS appended to GOMM_OPTIONS
 *   (unless they end it already), so the reports have the layout above
 *   whatever TSAN_OPTIONS (the tsan preset's halt_on_error=1, read by the
 *   checker too) or GOMM_OPTIONS the test runs under.
 * - Report k of a child's output is named "<name>: report <k>" in failure
 *   messages; k < 0 (a child with one report) names it "<name>".
 */
#ifndef GOMM_TESTS_CHECKER_RACE_CHILD_H
#define GOMM_TESTS_CHECKER_RACE_CHILD_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any #include (race_child.h needs memmem, strsignal)"
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gomm/gomm.h>

#include "../common/child.h"

/* ---- the child: accesses, and the lines they stand on ---- */

static int *rc_line; /* [rc_nlines], MAP_SHARED: written by the child */
static int rc_nlines;
static const char *rc_file; /* the test file's name, without its directory */

/* An empty asm after each call keeps it from being a tail call, which
 * would take the caller's frame off the reported stack. */
#define NO_TAIL() __asm__ volatile("" ::: "memory")
/* expr, recording the line it is on in rc_line[slot] */
#define AT(slot, expr)                                                                             \
    ({                                                                                             \
        rc_line[slot] = __LINE__;                                                                  \
        (expr);                                                                                    \
        NO_TAIL();                                                                                 \
    })
/* plain accesses, announced to the checker */
#define W(v)                                                                                       \
    ({                                                                                             \
        gm_race_write(&(v), sizeof(v));                                                            \
        NO_TAIL();                                                                                 \
    })
#define R(v)                                                                                       \
    ({                                                                                             \
        gm_race_read(&(v), sizeof(v));                                                             \
        NO_TAIL();                                                                                 \
    })
/* the same, recording their line */
#define W_AT(slot, v) AT(slot, W(v))
#define R_AT(slot, v) AT(slot, R(v))

/* ---- the child: ordering the checker does not see ---- */

static _Atomic int rc_step;  /* relaxed only */
static _Atomic int rc_ndone; /* relaxed only: goroutines finished */

/* the step only grows (a late setter never takes it back) */
static inline void set_step(int v)
{
    int cur = atomic_load_explicit(&rc_step, memory_order_relaxed);
    while (cur < v && !atomic_compare_exchange_weak_explicit(
                          &rc_step, &cur, v, memory_order_relaxed, memory_order_relaxed)) {
    }
}

static inline void wait_step(int v)
{
    while (atomic_load_explicit(&rc_step, memory_order_relaxed) < v)
        sched_yield();
}

static inline void finished(void)
{
    atomic_fetch_add_explicit(&rc_ndone, 1, memory_order_relaxed);
}

static inline void wait_finished(int n)
{
    while (atomic_load_explicit(&rc_ndone, memory_order_relaxed) < n)
        sched_yield();
}

/* A check inside the child: on failure, say so and exit 3. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #cond);               \
            _exit(3);                                                                              \
        }                                                                                          \
    } while (0)

static inline void go(void (*fn)(void *), void *arg)
{
    CHECK(gm_go(fn, arg) == 0);
}

/* ---- the parent: running a program ---- */

static struct gt_child_outcome rc_out; /* big: not on the stack */

static inline const char *rc_next_line(const char *p)
{
    p = strchr(p, '\n');
    return p ? p + 1 : NULL;
}

static inline size_t rc_line_len(const char *p)
{
    const char *e = strchr(p, '\n');
    return e ? (size_t)(e - p) : strlen(p);
}

/* Does the line at p hold needle? */
static inline bool rc_line_has(const char *p, const char *needle)
{
    return memmem(p, rc_line_len(p), needle, strlen(needle)) != NULL;
}

static inline int rc_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* cmocka truncates long messages: print the whole report ourselves */
__attribute__((format(printf, 1, 2), noreturn)) static inline void rc_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fail();
    abort();
}

/* Run prog in a child: it must exit with status, and no fatal error. */
static inline void rc_run(const char *name, void (*prog)(void *), int status)
{
    memset(rc_line, 0, (size_t)rc_nlines * sizeof *rc_line);
    gt_run_child(prog, NULL, 60, &rc_out);
    if (!rc_out.exited)
        rc_failf("%s: child killed by signal %d (%s); stderr:\n%s", name, rc_out.signal,
                 rc_out.signal == SIGALRM ? "hung" : strsignal(rc_out.signal), rc_out.err);
    if (rc_out.status != status)
        rc_failf("%s: child exit status %d, want %d; stderr:\n%s", name, rc_out.status, status,
                 rc_out.err);
    if (strstr(rc_out.err, "gomm: fatal error"))
        rc_failf("%s: fatal error:\n%s", name, rc_out.err);
}

/* The program ran (exit status 0) and the checker reported nothing. */
static inline void rc_expect_no_race(const char *name, void (*prog)(void *))
{
    rc_run(name, prog, 0);
    if (strstr(rc_out.err, "ThreadSanitizer"))
        rc_failf("%s: race-free program got a report:\n%s", name, rc_out.err);
}

/* ---- the parent: reading the reports ---- */

/* needle occurs exactly n times in the child's stderr */
static inline void rc_expect_count(const char *name, const char *needle, int n)
{
    int got = rc_count(rc_out.err, needle);
    if (got != n)
        rc_failf("%s: %d times \"%s\", want %d; stderr:\n%s", name, got, needle, n, rc_out.err);
}

/* "<name>" or "<name>: report <k>", for the messages */
static inline const char *rc_who(char *buf, size_t size, const char *name, int k)
{
    if (k < 0)
        snprintf(buf, size, "%s", name);
    else
        snprintf(buf, size, "%s: report %d", name, k);
    return buf;
}

/* The header of report k: the first data race header from `from` on. */
static inline const char *rc_data_race(const char *name, int k, const char *from)
{
    char who[160];
    const char *h = strstr(from, "WARNING: ThreadSanitizer: data race (pid=");
    if (!h)
        rc_failf("%s: no data race header; stderr:\n%s", rc_who(who, sizeof who, name, k),
                 rc_out.err);
    return h;
}

/* One access of a report, as expected. */
typedef struct rc_access {
    bool write;
    int size;          /* bytes; 0: do not check */
    int tid;           /* 0: the main thread, -1: any goroutine, else thread T<tid> */
    const char *inner; /* NULL: frame #0 is the test file's line; else frames
                          of gomm are above it, one of them a function
                          whose name holds `inner` (a sibling call may
                          hide gm_chan_send under its helper chan_send) */
} rc_access;

/* Check the access block whose header line is at p (NULL: none found):
 * kind, size, thread, and `line` of the test file in the top frames. */
static inline void rc_check_access(const char *who, const char *p, bool previous,
                                   const rc_access *a, int line)
{
    char want[128];
    const char *kind =
        a->write ? (previous ? "Previous write" : "Write") : (previous ? "Previous read" : "Read");
    snprintf(want, sizeof want, "  %s of size ", kind);
    size_t head = strlen(want);
    if (a->size)
        snprintf(want + head, sizeof want - head, "%d at 0x", a->size);
    if (!p || strncmp(p, want, strlen(want)) != 0)
        rc_failf("%s: want a block starting \"%s\" for the %s access; stderr:\n%s", who, want,
                 previous ? "previous" : "current", rc_out.err);
    if (a->tid < 0)
        snprintf(want, sizeof want, " by thread T");
    else if (a->tid)
        snprintf(want, sizeof want, " by thread T%d:", a->tid);
    else
        snprintf(want, sizeof want, " by main thread:");
    if (!rc_line_has(p, want))
        rc_failf("%s: %s access: want \"%s\" in \"%.*s\"; stderr:\n%s", who, kind, want,
                 (int)rc_line_len(p), p, rc_out.err);
    if (line <= 0)
        rc_failf("%s: the child did not record the line of the %s access", who, kind);
    /* frame #0 is the test file's line; or, for an access gomm makes on the
     * caller's behalf, frames inside gomm (`inner` among them: a static
     * helper may show up under it when gomm is not inlined, as in the
     * sanitizer builds), then the test file's line */
    const char *f = rc_next_line(p);
    bool inner_seen = false;
    for (int i = 0;; i++) {
        snprintf(want, sizeof want, "    #%d ", i);
        if (!f || strncmp(f, want, strlen(want)) != 0 || i > 3)
            rc_failf("%s: %s access: no frame at %s:%d in the first frames; stderr:\n%s", who, kind,
                     rc_file, line, rc_out.err);
        snprintf(want, sizeof want, "/%s:", rc_file);
        if (rc_line_has(f, want)) {
            snprintf(want, sizeof want, "/%s:%d:", rc_file, line);
            if (!rc_line_has(f, want))
                rc_failf("%s: %s access: want frame #%d at %s:%d, got \"%.*s\"; stderr:\n%s", who,
                         kind, i, rc_file, line, (int)rc_line_len(f), f, rc_out.err);
            if (a->inner ? !inner_seen : i != 0)
                rc_failf("%s: %s access: want %s above frame #%d; stderr:\n%s", who, kind,
                         a->inner ? a->inner : "nothing", i, rc_out.err);
            return;
        }
        if (!a->inner)
            rc_failf("%s: %s access: want frame #0 at %s:%d, got \"%.*s\"; stderr:\n%s", who, kind,
                     rc_file, line, (int)rc_line_len(f), f, rc_out.err);
        /* "    #<i> <function> ": does the function's name hold `inner`? */
        const char *fn = strchr(f + 5, ' ');
        const char *fn_end = fn ? strchr(fn + 1, ' ') : NULL;
        inner_seen |=
            fn && fn_end && memmem(fn, (size_t)(fn_end - fn), a->inner, strlen(a->inner)) != NULL;
        f = rc_next_line(f);
    }
}

/* Check report k, whose header is at h and which ends at end (NULL: not
 * bounded): its current access (cur, at cur_line of the test file), its
 * previous one (prev, at prev_line) and its SUMMARY line, which names
 * cur_line, or a function holding cur->inner. */
static inline void rc_check_report(const char *name, int k, const char *h, const char *end,
                                   const rc_access *cur, int cur_line, const rc_access *prev,
                                   int prev_line)
{
    char who[160];
    rc_who(who, sizeof who, name, k);
    rc_check_access(who, rc_next_line(h), false, cur, cur_line);
    const char *p = strstr(h, "\n  Previous ");
    if (p && end && p > end)
        p = NULL;
    rc_check_access(who, p ? p + 1 : NULL, true, prev, prev_line);

    char want[128];
    if (cur->inner)
        snprintf(want, sizeof want, "%s", cur->inner);
    else
        snprintf(want, sizeof want, "/%s:%d:", rc_file, cur_line);
    const char *s = strstr(h, "\nSUMMARY: ThreadSanitizer: data race ");
    if (!s || (end && s > end) || !rc_line_has(s + 1, want))
        rc_failf("%s: want a data race SUMMARY line naming \"%s\"; stderr:\n%s", who, want,
                 rc_out.err);
}

/* ---- main ---- */

#if defined(__SANITIZE_THREAD__)
#define RC_REAL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RC_REAL_TSAN 1
#endif
#endif
#ifdef RC_REAL_TSAN
/* Built with the real ThreadSanitizer: its _exit and exit wait 1 s for the
 * other threads (atexit_sleep_ms), in every child. (The checker reads this
 * hook too, and accepts and ignores atexit_sleep_ms.) */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "atexit_sleep_ms=0";
}
#endif

/* The checker's options, whatever TSAN_OPTIONS or GOMM_OPTIONS the test
 * runs under (the tsan preset sets halt_on_error=1 for the real TSan, and
 * the checker reads TSAN_OPTIONS too). */
#define RC_FORCED_OPTIONS                                                                          \
    "halt_on_error=0:exitcode=66:log_path=:report_format=text:report_name=ThreadSanitizer:"        \
    "symbolize=1:report_bugs=1:strip_path_prefix=:suppressions="

/* Options are read once at start-up: re-execute the test with
 * RC_FORCED_OPTIONS appended to GOMM_OPTIONS, unless they end it already. */
static inline void rc_force_options(char **argv)
{
    const char *cur = getenv("GOMM_OPTIONS");
    size_t n = cur ? strlen(cur) : 0, k = strlen(RC_FORCED_OPTIONS);
    if (n >= k && strcmp(cur + n - k, RC_FORCED_OPTIONS) == 0)
        return; /* re-executed already */
    char *opts = malloc(n + k + 2);
    if (!opts)
        return;
    snprintf(opts, n + k + 2, "%s%s%s", cur ? cur : "", n ? ":" : "", RC_FORCED_OPTIONS);
    setenv("GOMM_OPTIONS", opts, 1);
    execv("/proc/self/exe", argv);
    perror("execv /proc/self/exe"); /* go on with the options we have */
}

/* Map the n line slots shared with the children; file is the test's
 * __FILE__, whose frames the reports must show. 0, or -1 (said). */
static inline int rc_map_lines(int n, const char *file)
{
    const char *s = strrchr(file, '/');
    rc_file = s ? s + 1 : file;
    rc_nlines = n;
    rc_line = mmap(NULL, (size_t)n * sizeof *rc_line, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (rc_line == MAP_FAILED) {
        perror("mmap");
        return -1;
    }
    return 0;
}

/* Run the group, or the tests GOMM_TEST_FILTER=<glob> names. */
#define RC_RUN_TESTS(tests) (rc_apply_filter(), cmocka_run_group_tests(tests, NULL, NULL))

static inline void rc_apply_filter(void)
{
    const char *filter = getenv("GOMM_TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
}

#endif /* GOMM_TESTS_CHECKER_RACE_CHILD_H */
