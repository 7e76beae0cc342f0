/*
 * tests/litmus/test_model.c — the memory-model enumerator (litmus/model.c,
 * litmus/events.c, litmus/axioms.c): each model on the classic shapes with
 * the literature's answers, the known differences between herd7's C11 and
 * RC11, races, release sequences, fences, RMW atomicity, CAS exclusivity,
 * guarded plain reads, loops at the unrolling bound, herd7 7.58's state
 * counts, and every bundled shape against its Expect* metadata.
 *
 * GOMM_SHAPES_DIR (set by tests/CMakeLists.txt) is litmus/shapes.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ast.h"
#include "model.h"

#ifndef GOMM_SHAPES_DIR
#error "GOMM_SHAPES_DIR must name litmus/shapes"
#endif

static lt_test *parse_src(const char *src)
{
    char err[1024] = "";
    lt_test *t = lt_parse("t.litmus", src, strlen(src), err, sizeof err);
    if (!t)
        fail_msg("unexpected parse error: %s", err);
    return t;
}

static lt_test *load_shape(const char *name)
{
    char path[1024], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s.litmus", GOMM_SHAPES_DIR, name);
    lt_test *t = lt_parse_file(path, err, sizeof err);
    if (!t)
        fail_msg("cannot load %s: %s", path, err);
    return t;
}

static void run(const lt_test *t, int model, int unroll, lt_model_result *r)
{
    char err[1024] = "";
    if (lt_enumerate(t, model, unroll, r, err, sizeof err) < 0)
        fail_msg("%s under %s: %s", t->name, lt_model_name(model), err);
}

/* Expects the observation and (nstates >= 0) the number of final states
 * of shape name under each model: SC, TSO, C11, RC11. */
static void expect_shape(const char *name, const lt_expect obs[LM_NMODELS],
                         const int nstates[LM_NMODELS])
{
    lt_test *t = load_shape(name);
    for (int m = 0; m < LM_NMODELS; m++) {
        lt_model_result r;
        run(t, m, 2, &r);
        if (r.observation != obs[m])
            fail_msg("%s under %s: %s, expected %s", name, lt_model_name(m),
                     lt_expect_name(r.observation), lt_expect_name(obs[m]));
        if (nstates && nstates[m] >= 0 && r.nstates != nstates[m])
            fail_msg("%s under %s: %d states, expected %d", name, lt_model_name(m), r.nstates,
                     nstates[m]);
        lt_model_result_free(&r);
    }
    lt_test_free(t);
}

#define N                          LX_NEVER
#define S                          LX_SOMETIMES
#define A                          LX_ALWAYS
#define U                          LX_UNDEF
#define OBS(sc, tso, c11, rc11)    ((const lt_expect[]){sc, tso, c11, rc11})
#define STATES(sc, tso, c11, rc11) ((const int[]){sc, tso, c11, rc11})

/* ---- the classic shapes ---- */

static void test_sb_store_buffering_only_under_weak_models(void **state)
{
    (void)state;
    expect_shape("SB+rlx", OBS(N, S, S, S), STATES(3, 4, 4, 4));
    expect_shape("SB+rel+acq", OBS(N, S, S, S), NULL);
    /* a seq_cst store is XCHG on x86: no store buffering */
    expect_shape("SB+sc", OBS(N, N, N, N), STATES(3, 3, 3, 3));
    expect_shape("SB+scfence+rlx", OBS(N, S, S, S), NULL);
}

static void test_mp_needs_release_and_acquire(void **state)
{
    (void)state;
    expect_shape("MP+rlx", OBS(N, N, S, S), STATES(3, 3, 4, 4));
    expect_shape("MP+rel+rlx", OBS(N, N, S, S), NULL);
    expect_shape("MP+rel+acq", OBS(N, N, N, N), STATES(3, 3, 3, 3));
    expect_shape("MP+sc", OBS(N, N, N, N), NULL);
}

static void test_coherence_shapes_are_forbidden_everywhere(void **state)
{
    (void)state;
    expect_shape("CoRR+rlx", OBS(N, N, N, N), STATES(3, 3, 3, 3));
    expect_shape("CoWW+rlx", OBS(N, N, N, N), STATES(1, 1, 1, 1));
    expect_shape("CoWR+rlx", OBS(N, N, N, N), NULL);
    expect_shape("CoRW+rlx", OBS(N, N, N, N), NULL);
}

static void test_iriw_wrc_2plus2w_r_s(void **state)
{
    (void)state;
    expect_shape("IRIW+rlx", OBS(N, N, S, S), STATES(15, 15, 16, 16));
    expect_shape("IRIW+sc", OBS(N, N, N, N), STATES(15, 15, 15, 15));
    expect_shape("WRC+rlx", OBS(N, N, S, S), STATES(7, 7, 8, 8));
    expect_shape("WRC+rel+acq", OBS(N, N, N, N), NULL);
    expect_shape("2+2W+rlx", OBS(N, N, S, S), NULL);
    expect_shape("2+2W+sc", OBS(N, N, N, N), NULL);
    expect_shape("R+rlx", OBS(N, S, S, S), NULL);
    expect_shape("R+sc", OBS(N, N, N, N), NULL);
    expect_shape("S+rlx", OBS(N, N, S, S), NULL);
    expect_shape("S+rel+acq", OBS(N, N, N, N), NULL);
}

/* ---- where herd7's C11 and RC11 differ, and where they agree ---- */

static void test_lb_rlx_rc11_forbids_c11_allows(void **state)
{
    (void)state;
    expect_shape("LB+rlx", OBS(N, N, S, N), STATES(3, 3, 4, 3));
    expect_shape("LB+acq+rel", OBS(N, N, N, N), NULL);
}

static void test_lb_datas_never_reads_thin_air(void **state)
{
    (void)state;
    expect_shape("LB+datas", OBS(N, N, N, N), STATES(1, 1, 1, 1));
}

static void test_iriw_scfences_rc11_forbids_c11_allows(void **state)
{
    (void)state;
    expect_shape("IRIW+scfences", OBS(N, N, S, N), STATES(15, 15, 16, 15));
    lt_test *t = load_shape("IRIW+scfences");
    lt_model_result r;
    run(t, LM_RC11, 2, &r);
    /* milliseconds, even instrumented */
    assert_true(r.seconds < 0.25);
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_sb_scfences_forbidden_in_both(void **state)
{
    (void)state;
    expect_shape("SB+scfences", OBS(N, N, N, N), STATES(3, 3, 3, 3));
    expect_shape("SB+acqrelfences", OBS(N, S, S, S), NULL);
}

/* ---- data races ---- */

static void test_mp_na_rlx_is_undef_and_names_the_race(void **state)
{
    (void)state;
    expect_shape("MP+na+rlx", OBS(N, N, U, U), STATES(2, 2, 2, 3));
    lt_test *t = load_shape("MP+na+rlx");
    lt_model_result r;
    run(t, LM_RC11, 2, &r);
    assert_true(r.undef);
    assert_non_null(strstr(r.race, "P0 line "));
    assert_non_null(strstr(r.race, "(write x)"));
    assert_non_null(strstr(r.race, "P1 line "));
    assert_non_null(strstr(r.race, "(read x)"));
    lt_model_result_free(&r);
    run(t, LM_SC, 2, &r);
    assert_false(r.undef);
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_race_names_source_lines(void **state)
{
    (void)state;
    lt_test *t = parse_src("C race\n{ }\n"
                           "P0(int *x) {\n"
                           "  *x = 1;\n"
                           "}\n"
                           "P1(int *x) {\n"
                           "  int r0 = *x;\n"
                           "}\n"
                           "exists (1:r0=1)\n");
    lt_model_result r;
    run(t, LM_C11, 2, &r);
    assert_int_equal(r.observation, LX_UNDEF);
    assert_string_equal(r.race, "P0 line 4 (write x) / P1 line 7 (read x)");
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_if_guarded_plain_read_is_race_free_under_acquire(void **state)
{
    (void)state;
    expect_shape("MP+na+rel+acq", OBS(N, N, N, N), STATES(2, 2, 2, 2));
    /* the same guard on a relaxed flag races */
    lt_test *t = parse_src("C guard+rlx\n{ }\n"
                           "P0(int *x, atomic_int *y) {\n"
                           "  *x = 1;\n"
                           "  atomic_store_explicit(y, 1, memory_order_relaxed);\n"
                           "}\n"
                           "P1(int *x, atomic_int *y) {\n"
                           "  int r1 = 0;\n"
                           "  int r0 = atomic_load_explicit(y, memory_order_relaxed);\n"
                           "  if (r0 == 1) r1 = *x;\n"
                           "}\n"
                           "exists (1:r0=1 /\\ 1:r1=0)\n");
    for (int m = LM_C11; m <= LM_RC11; m++) {
        lt_model_result r;
        run(t, m, 2, &r);
        assert_true(r.undef);
        assert_int_equal(r.observation, LX_UNDEF);
        lt_model_result_free(&r);
    }
    lt_test_free(t);
}

static void test_mutex_protected_accesses_are_race_free(void **state)
{
    (void)state;
    /* herd7's rc11.cat says Undef here (no lock order); locks as acquire
     * RMW + release store give RC11 the same answer as C11 */
    expect_shape("MP+mtx", OBS(N, N, N, N), STATES(2, 2, 2, 2));
}

/* ---- release sequences and fences ---- */

static void test_release_sequence_through_rmw(void **state)
{
    (void)state;
    expect_shape("MP+relseq-rmw", OBS(N, N, N, N), STATES(-1, -1, 8, 8));
    expect_shape("MP+relseq-xchg", OBS(N, N, N, N), NULL);
    /* another thread's plain store does not continue it */
    expect_shape("MP+relseq-broken", OBS(N, N, S, S), NULL);
}

static void test_fences_synchronise(void **state)
{
    (void)state;
    expect_shape("MP+fencerel+fenceacq", OBS(N, N, N, N), STATES(3, 3, 3, 3));
    expect_shape("MP+rel+fenceacq", OBS(N, N, N, N), NULL);
    expect_shape("R+scfences", OBS(N, N, N, N), NULL);
}

/* ---- RMW atomicity and CAS ---- */

static void test_rmw_atomicity(void **state)
{
    (void)state;
    expect_shape("FADD-atom", OBS(N, N, N, N), STATES(1, 1, 1, 1));
    expect_shape("FADD-atom+forall", OBS(A, A, A, A), NULL);
    expect_shape("XCHG-atom", OBS(N, N, N, N), NULL);
    lt_test *t = load_shape("FADD-atom");
    lt_model_result r;
    run(t, LM_RC11, 2, &r);
    char buf[256];
    lt_state_text(t, &r.states[0], buf, sizeof buf);
    assert_string_equal(buf, "x=2;");
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_cas_exclusivity(void **state)
{
    (void)state;
    expect_shape("CAS-excl", OBS(N, N, N, N), STATES(2, 2, 2, 2));
    expect_shape("CAS-excl+forall", OBS(A, A, A, A), NULL);
    expect_shape("CMPXCHG-excl", OBS(N, N, N, N), NULL);
    /* a weak CAS may also fail spuriously: both may fail, never both win */
    lt_test *t = load_shape("CAS-excl-weak");
    lt_model_result r;
    run(t, LM_C11, 2, &r);
    assert_int_equal(r.observation, LX_NEVER);
    bool both_failed = false;
    for (int i = 0; i < r.nstates; i++) {
        char buf[256];
        lt_state_text(t, &r.states[(size_t)i * (size_t)t->nvars], buf, sizeof buf);
        if (!strcmp(buf, "0:r0=0; 1:r0=0;"))
            both_failed = true;
    }
    assert_true(both_failed);
    lt_model_result_free(&r);
    lt_test_free(t);
}

/* ---- loops ---- */

static void test_spin_loop_at_the_unroll_bound(void **state)
{
    (void)state;
    lt_test *t = load_shape("MP+rel+acq+spin");
    for (int m = 0; m < LM_NMODELS; m++) {
        lt_model_result r;
        run(t, m, 2, &r);
        /* the reader may read 0 three times: cut, flagged, no state */
        assert_true(r.loop_bound);
        assert_int_equal(r.observation, LX_NEVER);
        for (int i = 0; i < r.nstates; i++)
            assert_int_equal(r.states[(size_t)i * (size_t)t->nvars], 1); /* 1:r0 */
        lt_model_result_free(&r);
    }
    lt_test_free(t);
}

static void test_loop_within_the_bound_is_not_flagged(void **state)
{
    (void)state;
    lt_test *t = parse_src("C count\n{ }\n"
                           "P0(atomic_int *x) {\n"
                           "  int r0 = 0;\n"
                           "  while (r0 < 2) r0 = r0 + 1;\n"
                           "  atomic_store_explicit(x, r0, memory_order_relaxed);\n"
                           "}\n"
                           "exists (x=2)\n");
    lt_model_result r;
    run(t, LM_SC, 2, &r);
    assert_false(r.loop_bound);
    assert_int_equal(r.observation, LX_ALWAYS);
    lt_model_result_free(&r);
    run(t, LM_SC, 1, &r); /* one round short: every path is cut */
    assert_true(r.loop_bound);
    assert_int_equal(r.nstates, 0);
    assert_int_equal(r.positive + r.negative, 0);
    lt_model_result_free(&r);
    lt_test_free(t);
}

/* ---- values ---- */

static void test_stores_are_truncated_to_the_location_width(void **state)
{
    (void)state;
    lt_test *t = parse_src("C width\n{ }\n"
                           "P0(char *c) {\n"
                           "  *c = 300;\n"
                           "}\n"
                           "exists (c=44)\n");
    lt_model_result r;
    run(t, LM_SC, 2, &r);
    assert_int_equal(r.observation, LX_ALWAYS);
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_filter_drops_executions_but_keeps_states(void **state)
{
    (void)state;
    lt_test *t = load_shape("MP+rel+acq+filter");
    lt_model_result r;
    run(t, LM_C11, 2, &r);
    int filtered = 0;
    long counted = 0, all = 0;
    for (int i = 0; i < r.nstates; i++) {
        filtered += r.filtered[i];
        all += r.execs[i];
        if (!r.filtered[i])
            counted += r.execs[i];
    }
    assert_true(filtered > 0);
    assert_int_equal(counted, r.positive + r.negative);
    assert_true(all > counted);
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_states_sorted_and_counted(void **state)
{
    (void)state;
    lt_test *t = load_shape("SB+rlx");
    lt_model_result r;
    run(t, LM_TSO, 2, &r);
    static const char *const want[] = {"0:r0=0; 1:r0=0;", "0:r0=0; 1:r0=1;", "0:r0=1; 1:r0=0;",
                                       "0:r0=1; 1:r0=1;"};
    assert_int_equal(r.nstates, 4);
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        char buf[256];
        lt_state_text(t, &r.states[(size_t)i * (size_t)t->nvars], buf, sizeof buf);
        assert_string_equal(buf, want[i]);
        assert_true(r.execs[i] >= 1);
        sum += r.execs[i];
    }
    assert_int_equal(sum, r.positive + r.negative);
    assert_int_equal(r.positive, 1);
    assert_true(r.sat[0]);
    lt_model_result_free(&r);
    lt_test_free(t);
}

static void test_too_many_events_is_an_error(void **state)
{
    (void)state;
    char src[16384];
    size_t k = (size_t)snprintf(src, sizeof src, "C big\n{ }\nP0(atomic_int *x) {\n");
    for (int i = 0; i < 70; i++)
        k += (size_t)snprintf(src + k, sizeof src - k,
                              "  atomic_store_explicit(x, 1, memory_order_relaxed);\n");
    snprintf(src + k, sizeof src - k, "}\nexists (x=1)\n");
    lt_test *t = parse_src(src);
    lt_model_result r;
    char err[256] = "";
    assert_int_equal(lt_enumerate(t, LM_SC, 2, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 64 events"));
    lt_test_free(t);
}

/* ---- herd7 7.58's numbers of states (rc11, research/litmus.md 2.3) ---- */

static void test_state_counts_equal_herd7(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int states;
    } herd[] = {
        {"MP+rlx", 4},
        {"MP+rel+rlx", 4},
        {"MP+rel+acq", 3},
        {"MP+sc", 3},
        {"MP+fencerel+fenceacq", 3},
        {"MP+na+rel+acq", 2},
        {"MP+na+rlx", 3},
        {"MP+relseq-rmw", 8},
        {"SB+rlx", 4},
        {"SB+rel+acq", 4},
        {"SB+acqrelfences", 4},
        {"SB+scfence+rlx", 4},
        {"SB+scfences", 3},
        {"SB+sc", 3},
        {"SB+na", 4},
        {"LB+rlx", 3},
        {"LB+acq+rel", 3},
        {"LB+datas", 1},
        {"IRIW+rlx", 16},
        {"IRIW+rel+acq", 16},
        {"IRIW+scfences", 15},
        {"IRIW+sc", 15},
        {"WRC+rlx", 8},
        {"WRC+rel+acq", 7},
        {"2+2W+rlx", 4},
        {"2+2W+rel", 4},
        {"2+2W+sc", 3},
        {"R+rlx", 4},
        {"R+sc", 3},
        {"S+rlx", 4},
        {"S+rel+acq", 3},
        {"CoRR+rlx", 3},
        {"CoWW+rlx", 1},
        {"CoWR+rlx", 3},
        {"CoRW+rlx", 3},
        {"FADD-atom", 1},
        {"CAS-excl", 2},
        /* MP+mtx: herd7 lists 3 because rc11.cat has no lock order; 2 here */
    };
    for (size_t i = 0; i < sizeof herd / sizeof *herd; i++) {
        lt_test *t = load_shape(herd[i].name);
        lt_model_result r;
        run(t, LM_RC11, 2, &r);
        if (r.nstates != herd[i].states)
            fail_msg("%s: %d states under RC11, herd7 7.58 lists %d", herd[i].name, r.nstates,
                     herd[i].states);
        lt_model_result_free(&r);
        lt_test_free(t);
    }
}

/* ---- every bundled shape against its metadata ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_bundled_shapes_match_their_metadata(void **state)
{
    (void)state;
    DIR *d = opendir(GOMM_SHAPES_DIR);
    assert_non_null(d);
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 7 && !strcmp(e->d_name + len - 7, ".litmus"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    assert_true(n >= 80);
    int bad = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        char path[1024], err[1024] = "";
        snprintf(path, sizeof path, "%s/%s", GOMM_SHAPES_DIR, names[i]);
        lt_test *t = lt_parse_file(path, err, sizeof err);
        if (!t)
            fail_msg("%s", err);
        for (int m = 0; m < LM_NMODELS; m++) {
            lt_expect want = t->expect[m];
            if (m == LM_RC11 && want == LX_UNKNOWN)
                want = t->expect[LM_C11];
            if (want == LX_UNKNOWN)
                fail_msg("%s declares no expectation for %s", names[i], lt_model_name(m));
            lt_model_result r;
            run(t, m, 2, &r);
            total += r.seconds;
            if (r.observation != want) {
                print_error("%s under %s: %s, metadata says %s\n", names[i], lt_model_name(m),
                            lt_expect_name(r.observation), lt_expect_name(want));
                bad++;
            }
            lt_model_result_free(&r);
        }
        lt_test_free(t);
        free(names[i]);
    }
    print_message("%d shapes x %d models enumerated in %.3f s\n", n, LM_NMODELS, total);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sb_store_buffering_only_under_weak_models),
        cmocka_unit_test(test_mp_needs_release_and_acquire),
        cmocka_unit_test(test_coherence_shapes_are_forbidden_everywhere),
        cmocka_unit_test(test_iriw_wrc_2plus2w_r_s),
        cmocka_unit_test(test_lb_rlx_rc11_forbids_c11_allows),
        cmocka_unit_test(test_lb_datas_never_reads_thin_air),
        cmocka_unit_test(test_iriw_scfences_rc11_forbids_c11_allows),
        cmocka_unit_test(test_sb_scfences_forbidden_in_both),
        cmocka_unit_test(test_mp_na_rlx_is_undef_and_names_the_race),
        cmocka_unit_test(test_race_names_source_lines),
        cmocka_unit_test(test_if_guarded_plain_read_is_race_free_under_acquire),
        cmocka_unit_test(test_mutex_protected_accesses_are_race_free),
        cmocka_unit_test(test_release_sequence_through_rmw),
        cmocka_unit_test(test_fences_synchronise),
        cmocka_unit_test(test_rmw_atomicity),
        cmocka_unit_test(test_cas_exclusivity),
        cmocka_unit_test(test_spin_loop_at_the_unroll_bound),
        cmocka_unit_test(test_loop_within_the_bound_is_not_flagged),
        cmocka_unit_test(test_stores_are_truncated_to_the_location_width),
        cmocka_unit_test(test_filter_drops_executions_but_keeps_states),
        cmocka_unit_test(test_states_sorted_and_counted),
        cmocka_unit_test(test_too_many_events_is_an_error),
        cmocka_unit_test(test_state_counts_equal_herd7),
        cmocka_unit_test(test_bundled_shapes_match_their_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
