/*
 * tests/litmus/test_harness.c — the native harness (litmus/gen.c,
 * litmus/harness.c, litmus/native.c): generated programs compile and run,
 * histogram counts add up to the iterations, outcomes that are certain
 * (single-thread, RMW atomicity, CAS exclusivity, mutual exclusion) are the
 * only ones seen, loops are cut at the bound, arithmetic traps cannot
 * crash a test, and compiler failures are reported with the compiler's
 * words. Verdicts are deterministic: every check holds in every run.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ast.h"
#include "native.h"

static char cache[64];
static int cpus[64];
static int ncpus;

static lt_test *parse_ok(const char *src)
{
    char err[1024] = "";
    lt_test *t = lt_parse("h.litmus", src, strlen(src), err, sizeof err);
    if (!t)
        fail_msg("parse error: %s", err);
    return t;
}

/* Runs src for n iterations; checks the counts add up; returns the output. */
static lt_test *run(const char *src, long n, lt_native_out *out)
{
    lt_test *t = parse_ok(src);
    if (t->nthreads > ncpus) {
        lt_test_free(t);
        skip();
    }
    lt_native_opts o = {.cache_dir = cache, .iterations = n, .cpus = cpus, .delay = -1, .seed = 7};
    char err[8192];
    if (lt_native_run(t, &o, out, err, sizeof err))
        fail_msg("harness failed: %s", err);
    assert_int_equal(out->iterations, n);
    long sum = 0;
    for (int i = 0; i < out->nstates; i++)
        sum += out->counts[i];
    assert_int_equal(sum, n);
    assert_true(out->seconds > 0);
    return t;
}

static void test_single_thread_always(void **state)
{
    (void)state;
    lt_native_out out;
    lt_test *t = run("C one\n{ x = 5; }\nP0(int *x) {\n"
                     "  int r0 = *x;\n  *x = r0 + 1;\n  int r1 = *x;\n"
                     "  int r2 = 1 / (r0 - 5);\n  int r3 = 7 % (r0 - 5);\n"
                     "  int r4 = 1 << 70;\n}\n"
                     "forall (0:r0=5 /\\ 0:r1=6 /\\ x=6 /\\ 0:r2=0 /\\ 0:r3=0 /\\ 0:r4=64)\n",
                     20000, &out);
    assert_int_equal(out.nstates, 1);
    assert_true(lt_prop_eval(t->cond, out.states));
    lt_native_out_free(&out);
    lt_test_free(t);
}

static void test_sb_counts(void **state)
{
    (void)state;
    lt_native_out out;
    lt_test *t = run("C SB\n{}\n"
                     "P0(atomic_int *x, atomic_int *y) { atomic_store_explicit(x, 1, "
                     "memory_order_relaxed); int r0 = atomic_load_explicit(y, "
                     "memory_order_relaxed); }\n"
                     "P1(atomic_int *x, atomic_int *y) { atomic_store_explicit(y, 1, "
                     "memory_order_relaxed); int r0 = atomic_load_explicit(x, "
                     "memory_order_relaxed); }\n"
                     "exists (0:r0=0 /\\ 1:r0=0)\n",
                     100000, &out);
    assert_true(out.nstates >= 1 && out.nstates <= 4);
    for (int i = 0; i < out.nstates; i++)
        for (int v = 0; v < t->nvars; v++) {
            int64_t x = out.states[i * t->nvars + v];
            assert_true(x == 0 || x == 1);
        }
    assert_true(out.ticks_per_second > 0);
    lt_native_out_free(&out);
    lt_test_free(t);
}

static void test_rmw_atomicity(void **state)
{
    (void)state;
    lt_native_out out;
    lt_test *t =
        run("C FADD\n{}\n"
            "P0(atomic_long *x) { atomic_fetch_add_explicit(x, 1, memory_order_relaxed); }\n"
            "P1(atomic_long *x) { int r0 = atomic_exchange_explicit(x, 5, "
            "memory_order_relaxed); }\n"
            "forall ((1:r0=0 /\\ x=6) \\/ (1:r0=1 /\\ x=5))\n",
            100000, &out);
    for (int i = 0; i < out.nstates; i++)
        assert_true(lt_prop_eval(t->cond, out.states + i * t->nvars));
    lt_native_out_free(&out);
    lt_test_free(t);
}

static void test_cas_exclusive(void **state)
{
    (void)state;
    lt_native_out out;
    lt_test *t = run("C CAS\n{}\n"
                     "P0(atomic_int *x) { int r1 = 0; int r0 = "
                     "atomic_compare_exchange_strong_explicit(x, &r1, 1, memory_order_acq_rel, "
                     "memory_order_acquire); }\n"
                     "P1(atomic_int *x, int *e) { int r0 = atomic_compare_exchange_strong(x, e, "
                     "2); }\n"
                     "~exists (0:r0=1 /\\ 1:r0=1 \\/ 0:r0=0 /\\ 1:r0=0 \\/ 0:r0=0 /\\ 0:r1=0 \\/ "
                     "1:r0=0 /\\ e=0)\n",
                     100000, &out);
    for (int i = 0; i < out.nstates; i++)
        assert_false(lt_prop_eval(t->cond, out.states + i * t->nvars));
    lt_native_out_free(&out);
    lt_test_free(t);
}

static void test_mutex(void **state)
{
    (void)state;
    lt_native_out out;
    lt_test *t = run("C MTX\n{}\n"
                     "P0(mtx_t *m, int *x) { mtx_lock(m); int r0 = *x; *x = r0 + 1; "
                     "mtx_unlock(m); }\n"
                     "P1(spinlock_t *m, int *x) { spin_lock(m); int r0 = *x; *x = r0 + 2; "
                     "spin_unlock(m); }\n"
                     "forall (x=3 /\\ m=0)\n",
                     100000, &out);
    assert_int_equal(out.nstates, 1);
    assert_true(lt_prop_eval(t->cond, out.states));
    lt_native_out_free(&out);
    lt_test_free(t);
}

static void test_loop_bound(void **state)
{
    (void)state;
    lt_native_out out;
    lt_test *t = run("C LOOP\n{}\n"
                     "P0(atomic_int *x) { int r0 = 0; while (atomic_load_explicit(x, "
                     "memory_order_relaxed) == 0) r0 = r0 + 1; }\n"
                     "exists (0:r0=100000)\n",
                     50, &out);
    assert_int_equal(out.loopbound, 50);
    assert_int_equal(out.nstates, 1);
    assert_true(lt_prop_eval(t->cond, out.states));
    lt_native_out_free(&out);
    lt_test_free(t);
}

static void test_modes(void **state)
{
    (void)state;
    static const char *const modes[] = {"user", "none", "timebase"};
    for (int m = 0; m < 3; m++) {
        lt_test *t = parse_ok("C MP\n{}\n"
                              "P0(atomic_int *x, atomic_int *y) { atomic_store_explicit(x, 1, "
                              "memory_order_relaxed); atomic_store_explicit(y, 1, "
                              "memory_order_release); }\n"
                              "P1(atomic_int *x, atomic_int *y) { int r0 = "
                              "atomic_load_explicit(y, memory_order_acquire); int r1 = "
                              "atomic_load_explicit(x, memory_order_relaxed); }\n"
                              "exists (1:r0=1 /\\ 1:r1=0)\n");
        if (t->nthreads > ncpus) {
            lt_test_free(t);
            skip();
        }
        lt_native_opts o = {.cache_dir = cache,
                            .iterations = 30000,
                            .size = 1000,
                            .cpus = cpus,
                            .mode = modes[m],
                            .period = m == 2 ? 400 : 0,
                            .delay = 0};
        lt_native_out out;
        char err[4096];
        if (lt_native_run(t, &o, &out, err, sizeof err))
            fail_msg("%s", err);
        long sum = 0;
        for (int i = 0; i < out.nstates; i++) {
            sum += out.counts[i];
            /* release/acquire: never r0=1, r1=0 */
            assert_false(lt_prop_eval(t->cond, out.states + i * t->nvars));
        }
        assert_int_equal(sum, 30000);
        lt_native_out_free(&out);
        lt_test_free(t);
    }
}

static void test_compiler_errors(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C E\n{}\nP0(int *x) { *x = 1; }\nexists (x=1)\n");
    char err[4096];
    lt_native_out out;
    lt_native_opts o = {
        .cache_dir = cache, .iterations = 10, .cpus = cpus, .delay = -1, .cc = "/nonexistent/cc"};
    assert_int_equal(lt_native_run(t, &o, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "h.litmus: error: compiling the harness with /nonexistent/cc"));
    o.cc = "false";
    assert_int_equal(lt_native_run(t, &o, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "exit status 1"));
    o.cc = NULL;
    o.cache_dir = "/proc/no/such/dir";
    assert_int_equal(lt_native_run(t, &o, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot create the cache directory"));
    lt_test_free(t);
}

static int setup(void **state)
{
    (void)state;
    snprintf(cache, sizeof cache, "/tmp/gomm-test-harness-%d", (int)getpid());
    ncpus = lt_allowed_cpus(cpus, 64);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_thread_always),
        cmocka_unit_test(test_sb_counts),
        cmocka_unit_test(test_rmw_atomicity),
        cmocka_unit_test(test_cas_exclusive),
        cmocka_unit_test(test_mutex),
        cmocka_unit_test(test_loop_bound),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_compiler_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
