/*
 * tools/litmus_model.c — `gomm litmus --model sc|tso|c11|rc11 FILE...`:
 * enumerates every execution of each shape under one memory model
 * (litmus/model.c) and prints herd7's per-test layout, or JSON.
 *
 * Text, per test (herd7 7.58's order): Test NAME Allowed|Forbidden|
 * Required / States N / each final state / Ok|No|Undef (prefixed "Loop "
 * when the unrolling bound cut an execution) / Witnesses / Positive: p
 * Negative: n (for ~exists, with respect to the negation, as herd7) /
 * Flag lines / Condition / Observation NAME Never|Sometimes|Always p n /
 * Time NAME s / a blank line. JSON: {"tests": [...], "summary": {...}}
 * (docs/litmus-models.md).
 *
 * Invariants: program tests (.c) are skipped with one note on stderr; a
 * file that does not parse, or whose enumeration exceeds a limit, is
 * reported on stderr (and in JSON as "verdict": "error") and makes the
 * exit status 1. Single-threaded: tests are enumerated one after another
 * (each takes milliseconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ast.h"
#include "litmus.h"
#include "model.h"

static int model_of(const char *name)
{
    static const char *const names[LM_NMODELS] = {"sc", "tso", "c11", "rc11"};
    for (int m = 0; m < LM_NMODELS; m++)
        if (!strcmp(name, names[m]))
            return m;
    return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static const char *kind_word(const lt_test *t)
{
    return t->quant == LQ_NOT_EXISTS ? "Forbidden" : t->quant == LQ_FORALL ? "Required" : "Allowed";
}

/* herd7's validation of the condition from the proposition's counts. */
static bool validated(const lt_test *t, const lt_model_result *r)
{
    if (t->quant == LQ_NOT_EXISTS)
        return r->positive == 0;
    if (t->quant == LQ_FORALL)
        return r->negative == 0;
    return r->positive > 0;
}

/* herd7's Observation word: from the counts alone. */
static const char *observation_word(const lt_model_result *r)
{
    return r->positive == 0 ? "Never" : r->negative == 0 ? "Always" : "Sometimes";
}

static const char *verdict_word(const lt_test *t, const lt_model_result *r)
{
    return r->undef ? "Undef" : validated(t, r) ? "Ok" : "No";
}

static void state_text(const lt_test *t, const lt_model_result *r, int i, char *buf, size_t n)
{
    lt_state_text(t, &r->states[(size_t)i * (size_t)t->nvars], buf, n);
}

static void format_text(sbuf *b, const lt_test *t, const lt_model_result *r)
{
    int shown = 0;
    for (int i = 0; i < r->nstates; i++)
        shown += !r->filtered[i];
    sb_printf(b, "Test %s %s\n", t->name, kind_word(t));
    sb_printf(b, "States %d\n", shown);
    char buf[4096];
    for (int i = 0; i < r->nstates; i++) {
        if (r->filtered[i])
            continue;
        state_text(t, r, i, buf, sizeof buf);
        sb_printf(b, "%s\n", buf);
    }
    sb_printf(b, "%s%s\n", r->loop_bound ? "Loop " : "", verdict_word(t, r));
    sb_printf(b, "Witnesses\n");
    bool neg = t->quant == LQ_NOT_EXISTS;
    sb_printf(b, "Positive: %ld Negative: %ld\n", neg ? r->negative : r->positive,
              neg ? r->positive : r->negative);
    if (r->undef) {
        sb_printf(b, "Flag data-race\n");
        sb_printf(b, "Flag *undef*\n");
        sb_printf(b, "Race %s\n", r->race);
    }
    sb_printf(b, "Condition %s\n", t->cond_text);
    sb_printf(b, "Observation %s %s %ld %ld\n", t->name, observation_word(r), r->positive,
              r->negative);
    sb_printf(b, "Time %s %.2f\n\n", t->name, r->seconds);
}

static void format_json_test(sbuf *b, const lt_test *t, const char *path, int model,
                             const lt_model_result *r)
{
    sb_put(b, "{\"name\": ");
    json_put_str(b, t->name);
    sb_put(b, ", \"kind\": \"shape\", \"file\": ");
    json_put_str(b, path);
    sb_printf(b, ", \"model\": \"%s\", \"verdict\": \"%s\", \"observation\": \"%s\"",
              lt_model_name(model), verdict_word(t, r), lt_expect_name(r->observation));
    lt_expect declared = t->expect[model];
    if (model == LM_RC11 && declared == LX_UNKNOWN)
        declared = t->expect[LM_C11];
    sb_put(b, ", \"expect\": ");
    json_put_str(b, declared == LX_UNKNOWN ? NULL : lt_expect_name(declared));
    sb_put(b, ", \"flags\": [");
    if (r->undef)
        sb_put(b, "\"data-race\", \"*undef*\"");
    sb_put(b, "], \"race\": ");
    json_put_str(b, r->undef ? r->race : NULL);
    static const char *const qn[] = {"exists", "~exists", "forall"};
    sb_printf(b, ", \"quantifier\": \"%s\", \"condition\": ", qn[t->quant]);
    json_put_str(b, t->cond_text);
    char buf[4096];
    sb_put(b, ", \"states\": [");
    bool first = true;
    for (int i = 0; i < r->nstates; i++) {
        if (r->filtered[i])
            continue;
        state_text(t, r, i, buf, sizeof buf);
        sb_put(b, first ? "" : ", ");
        json_put_str(b, buf);
        first = false;
    }
    sb_put(b, "], \"executions\": [");
    first = true;
    for (int i = 0; i < r->nstates; i++) {
        if (r->filtered[i])
            continue;
        state_text(t, r, i, buf, sizeof buf);
        sb_printf(b, "%s{\"state\": ", first ? "" : ", ");
        json_put_str(b, buf);
        sb_printf(b, ", \"count\": %ld, \"satisfies\": %s}", r->execs[i],
                  r->sat[i] ? "true" : "false");
        first = false;
    }
    sb_printf(b,
              "], \"positive\": %ld, \"negative\": %ld, \"candidates\": %ld, \"seconds\": %.6f, "
              "\"loop_bound\": %s}",
              r->positive, r->negative, r->candidates, r->seconds,
              r->loop_bound ? "true" : "false");
}

static bool write_all(const char *out, const sbuf *b)
{
    FILE *f = out && strcmp(out, "-") ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "gomm litmus: cannot write %s\n", out);
        return false;
    }
    bool ok = fwrite(b->s ? b->s : "", 1, b->len, f) == b->len;
    if (f != stdout)
        ok = fclose(f) == 0 && ok;
    else
        ok = fflush(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "gomm litmus: cannot write %s\n", out ? out : "stdout");
    return ok;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int litmus_model_run(const lopts *o, const strvec *paths)
{
    int model = model_of(o->model);
    if (model < 0) {
        fprintf(stderr, "gomm litmus: --model must be sc, tso, c11 or rc11, not '%s'\n", o->model);
        return 2;
    }
    bool json = !strcmp(o->format, "json");
    if (!json && strcmp(o->format, "text")) {
        fprintf(stderr, "gomm litmus: --model writes text or json, not %s\n", o->format);
        return 2;
    }
    double t0 = wall_seconds();
    sbuf b = {0};
    if (json)
        sb_put(&b, "{\"tests\": [\n");
    int status = 0;
    long ntests = 0, nok = 0, nno = 0, nundef = 0, nerr = 0, nskip = 0;
    for (size_t i = 0; i < paths->n; i++) {
        const char *path = paths->v[i];
        if (ends_with(path, ".c")) {
            nskip++;
            continue;
        }
        char err[4096];
        lt_test *t = lt_parse_file(path, err, sizeof err);
        lt_model_result r;
        if (t && lt_enumerate(t, model, o->unroll, &r, err, sizeof err) < 0) {
            lt_test_free(t);
            t = NULL;
        }
        if (!t) {
            fprintf(stderr, "%s\n", err);
            status = 1;
            nerr++;
            if (json) {
                sb_put(&b, ntests ? ",\n" : "");
                sb_put(&b, "{\"name\": null, \"kind\": \"shape\", \"file\": ");
                json_put_str(&b, path);
                sb_printf(&b, ", \"model\": \"%s\", \"verdict\": \"error\", \"note\": ",
                          lt_model_name(model));
                json_put_str(&b, err);
                sb_put(&b, "}");
                ntests++;
            }
            continue;
        }
        if (r.undef)
            nundef++;
        else if (validated(t, &r))
            nok++;
        else
            nno++;
        if (json) {
            sb_put(&b, ntests ? ",\n" : "");
            format_json_test(&b, t, path, model, &r);
        } else {
            format_text(&b, t, &r);
        }
        ntests++;
        lt_model_result_free(&r);
        lt_test_free(t);
    }
    if (nskip)
        fprintf(stderr,
                "gomm litmus: skipped %ld program test%s (--model enumerates .litmus shapes "
                "only)\n",
                nskip, nskip == 1 ? "" : "s");
    if (json)
        sb_printf(&b,
                  "\n],\n\"summary\": {\"model\": \"%s\", \"unroll\": %d, \"tests\": %ld, "
                  "\"ok\": %ld, \"no\": %ld, \"undef\": %ld, \"error\": %ld, \"skipped\": %ld, "
                  "\"seconds\": %.6f}}\n",
                  lt_model_name(model), o->unroll, ntests, nok, nno, nundef, nerr, nskip,
                  wall_seconds() - t0);
    if (!write_all(o->out, &b))
        status = 2;
    sb_free(&b);
    return status;
}
