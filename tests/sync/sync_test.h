/*
 * tests/sync/sync_test.h — helpers shared by the sync tests (header-only).
 *
 *  - sanitizer detection (ST_TSAN, ST_ASAN, ST_SANITIZED) to scale work down
 *    and to skip what a sanitizer makes impossible;
 *  - clocks and sleeps (a sleep only ever makes a bad interleaving likely:
 *    no verdict depends on one);
 *  - ST_WAIT_UNTIL: poll a condition with a deadline, so that a missing
 *    wake-up fails with a message instead of hanging until CTest's timeout;
 *  - plain pthreads (threads gomm does not know until they block in it);
 *  - forked children with stderr captured, for fatal errors: exit status 2
 *    and "gomm: fatal error: <message>" on stderr.
 *
 * cmocka's assertions longjmp: they are used on the test's main thread only.
 * Worker threads record what they saw in atomics, the main thread checks.
 */
#ifndef GOMM_SYNC_TEST_H
#define GOMM_SYNC_TEST_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gomm/gomm.h>

#include "../common/child.h"

/* ---- sanitizers ---- */
#if defined(__SANITIZE_ADDRESS__)
#define ST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define ST_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(ST_ASAN)
#define ST_ASAN 1
#endif
#if __has_feature(thread_sanitizer) && !defined(ST_TSAN)
#define ST_TSAN 1
#endif
#endif
#if defined(ST_ASAN) || defined(ST_TSAN) || defined(GOMM_TEST_SANITIZED)
#define ST_SANITIZED 1
#else
#define ST_SANITIZED 0
#endif

/* Loops sized ST_SCALED(n): n in release, less under a sanitizer or the
 * debug build (-O0). */
#if ST_SANITIZED
#define ST_SCALE_DIV 10
#elif defined(GOMM_DEBUG)
#define ST_SCALE_DIV 4
#else
#define ST_SCALE_DIV 1
#endif
#define ST_SCALED(n) ((n) / ST_SCALE_DIV > 0 ? (n) / ST_SCALE_DIV : 1)

/* Generous bound for "this must happen eventually" (a hang, not slowness). */
#define ST_DEADLINE_S 30

/* ---- time ---- */
static inline int64_t st_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t st_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void st_sleep_ns(int64_t ns)
{
    struct timespec ts = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

#define ST_MS  ((int64_t)1000000)
#define ST_SEC ((int64_t)1000000000)

static inline void st_sleep_ms(int64_t ms)
{
    st_sleep_ns(ms * ST_MS);
}

/* Poll cond (yielding, then short sleeps) until true; fail after
 * ST_DEADLINE_S seconds with what. Main thread only. */
#define ST_WAIT_UNTIL(cond, what)                                                                  \
    do {                                                                                           \
        int64_t st_deadline_ = st_now_ns() + ST_DEADLINE_S * ST_SEC;                               \
        for (unsigned st_i_ = 0; !(cond); st_i_++) {                                               \
            if (st_now_ns() > st_deadline_)                                                        \
                fail_msg("timed out after %d s waiting for: %s", ST_DEADLINE_S, what);             \
            if (st_i_ < 1000)                                                                      \
                sched_yield();                                                                     \
            else                                                                                   \
                st_sleep_ns(100000);                                                               \
        }                                                                                          \
    } while (0)

/* Like ST_WAIT_UNTIL for worker threads: returns false on timeout. */
#define ST_SPIN_UNTIL(cond)                                                                        \
    ({                                                                                             \
        int64_t st_deadline_ = st_now_ns() + ST_DEADLINE_S * ST_SEC;                               \
        bool st_ok_ = true;                                                                        \
        for (unsigned st_i_ = 0; !(cond); st_i_++) {                                               \
            if (st_now_ns() > st_deadline_) {                                                      \
                st_ok_ = false;                                                                    \
                break;                                                                             \
            }                                                                                      \
            if (st_i_ < 1000)                                                                      \
                sched_yield();                                                                     \
            else                                                                                   \
                st_sleep_ns(100000);                                                               \
        }                                                                                          \
        st_ok_;                                                                                    \
    })

/* ---- PRNG: xorshift64*, one state per thread ---- */
static inline uint64_t st_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline pid_t st_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* ---- plain pthreads ---- */
static inline pthread_t st_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    int err = pthread_create(&t, NULL, fn, arg);
    if (err)
        fail_msg("pthread_create: %s", strerror(err));
    return t;
}

static inline void st_join(pthread_t t)
{
    int err = pthread_join(t, NULL);
    if (err)
        fail_msg("pthread_join: %s", strerror(err));
}

/* ---- forked children (tests/common/child.h) ---- */
#define st_outcome gt_child_outcome

static struct st_outcome st_last __attribute__((unused)); /* big: not on the stack */

static inline void st_run_child_timeout(void (*fn)(void *), void *arg, unsigned timeout_s,
                                        struct st_outcome *o)
{
    gt_run_child(fn, arg, timeout_s, o);
}

static inline void st_run_child(void (*fn)(void *), void *arg, struct st_outcome *o)
{
    st_run_child_timeout(fn, arg, 30, o);
}

/* The child died of a gomm fatal error with this message. */
static inline void st_check_fatal(const struct st_outcome *o, const char *what, const char *msg)
{
    char want[512];
    snprintf(want, sizeof want, "gomm: fatal error: %s", msg);
    if (!o->exited)
        fail_msg("%s: child killed by signal %d (%s), want exit 2 with \"%s\"; stderr:\n%s", what,
                 o->signal, o->signal == SIGALRM ? "hung" : strsignal(o->signal), want, o->err);
    if (o->status != 2)
        fail_msg("%s: exit status %d, want 2 with \"%s\"; stderr:\n%s", what, o->status, want,
                 o->err);
    if (!strstr(o->err, want))
        fail_msg("%s: stderr lacks \"%s\":\n%s", what, want, o->err);
}

/* The child exited with status `status` (no fatal error). */
static inline void st_check_exit(const struct st_outcome *o, const char *what, int status)
{
    if (!o->exited)
        fail_msg("%s: child killed by signal %d (%s), want exit %d; stderr:\n%s", what, o->signal,
                 o->signal == SIGALRM ? "hung" : strsignal(o->signal), status, o->err);
    if (o->status != status)
        fail_msg("%s: exit status %d, want %d; stderr:\n%s", what, o->status, status, o->err);
    if (strstr(o->err, "gomm: fatal error"))
        fail_msg("%s: unexpected fatal error:\n%s", what, o->err);
}

#define ST_EXPECT_FATAL(fn, arg, msg)                                                              \
    do {                                                                                           \
        st_run_child((fn), (arg), &st_last);                                                       \
        st_check_fatal(&st_last, #fn, (msg));                                                      \
    } while (0)

#define ST_EXPECT_EXIT(fn, arg, status)                                                            \
    do {                                                                                           \
        st_run_child((fn), (arg), &st_last);                                                       \
        st_check_exit(&st_last, #fn, (status));                                                    \
    } while (0)

/* A plain pthread (unknown to gomm) that ends the process with `status`
 * after `ms` milliseconds: proves the main thread stayed blocked. */
struct st_exit_later {
    int64_t ms;
    int status;
};

static inline void *st_exit_later_main(void *arg)
{
    struct st_exit_later *e = arg;
    st_sleep_ms(e->ms);
    _exit(e->status);
}

static inline void st_exit_later(int64_t ms, int status)
{
    static struct st_exit_later e;
    e.ms = ms;
    e.status = status;
    pthread_t t;
    if (pthread_create(&t, NULL, st_exit_later_main, &e) != 0)
        _exit(120);
    pthread_detach(t);
}

/* Keep the compiler from seeing through a pointer. */
static void *volatile st_sink __attribute__((unused));
static inline void *st_launder(void *p)
{
    st_sink = p;
    return st_sink;
}

/* Run a group; GOMM_TEST_FILTER=<glob> picks tests, GOMM_TEST_SKIP=<glob>
 * skips some (cmocka's filters; cmocka 1.1 ignores the skip filter when a
 * test filter is set). */
#define ST_RUN(tests)                                                                              \
    ({                                                                                             \
        const char *st_filter_ = getenv("GOMM_TEST_FILTER");                                       \
        if (st_filter_ && *st_filter_)                                                             \
            cmocka_set_test_filter(st_filter_);                                                    \
        const char *st_skip_ = getenv("GOMM_TEST_SKIP");                                           \
        if (st_skip_ && *st_skip_)                                                                 \
            cmocka_set_skip_filter(st_skip_);                                                      \
        cmocka_run_group_tests(tests, NULL, NULL);                                                 \
    })

#endif /* GOMM_SYNC_TEST_H */
