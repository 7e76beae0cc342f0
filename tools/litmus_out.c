/*
 * tools/litmus_out.c — `gomm litmus` reports: text (a litmus7-style block
 * per shape, then a table and a summary), JSON (the fixed shape of
 * docs/litmus.md that CI scripts read and --merge reads back) and JUnit
 * XML; and the reader of JSON reports for --merge.
 *
 * Invariants: output is built in memory; strings are escaped for the
 * format; a missing field in a merged report reads as absent, never
 * crashes. Called from the main thread only, after the workers joined.
 */
#define _GNU_SOURCE
#include "litmus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static const char *herd_kind(const char *quant)
{
    if (!quant)
        return "Allowed";
    if (!strcmp(quant, "~exists"))
        return "Forbidden";
    if (!strcmp(quant, "forall"))
        return "Required";
    return "Allowed";
}

static bool validated(const lresult *r)
{
    if (r->quant && !strcmp(r->quant, "~exists"))
        return r->positive == 0;
    if (r->quant && !strcmp(r->quant, "forall"))
        return r->negative == 0;
    return r->positive > 0;
}

static double weak_pm(const lresult *r)
{
    return r->iterations > 0 && r->weak >= 0 ? (double)r->weak * 1e6 / (double)r->iterations : 0;
}

void litmus_format_herd(sbuf *b, const lresult *r)
{
    size_t shown = 0;
    for (size_t i = 0; i < r->nstates; i++)
        shown += !r->states[i].filtered;
    sb_printf(b, "Test %s %s\n", r->name, herd_kind(r->quant));
    sb_printf(b, "Histogram (%zu states)\n", shown);
    for (size_t i = 0; i < r->nstates; i++) {
        const lstate *s = &r->states[i];
        if (s->filtered)
            continue;
        sb_printf(b, "%-8ld%s>%s\n", s->count, s->sat ? "*" : ":", s->text);
    }
    bool ok = validated(r);
    sb_printf(b, "%s\n", ok ? "Ok" : "No");
    sb_printf(b, "\nWitnesses\n");
    bool neg = r->quant && !strcmp(r->quant, "~exists");
    sb_printf(b, "Positive: %ld, Negative: %ld\n", neg ? r->negative : r->positive,
              neg ? r->positive : r->negative);
    sb_printf(b, "Condition %s is %svalidated\n", r->condition ? r->condition : "?",
              ok ? "" : "NOT ");
    sb_printf(b, "Observation %s %s %ld %ld\n", r->name, r->observation ? r->observation : "?",
              r->positive, r->negative);
    sb_printf(b, "Time %s %.2f\n", r->name, r->seconds);
    if (r->unseen.n) {
        sb_printf(b, "Allowed by C11, not observed (%zu states)\n", r->unseen.n);
        for (size_t i = 0; i < r->unseen.n; i++)
            sb_printf(b, "        %s\n", r->unseen.v[i]);
    }
    sb_put(b, "\n");
}

static void observed_text(char *buf, size_t n, const lresult *r)
{
    if (r->kind == LK_PROGRAM) {
        if (r->verdict == LV_ERROR)
            snprintf(buf, n, "-");
        else
            snprintf(buf, n, "%d run%s, %ld race%s", r->runs, r->runs == 1 ? "" : "s", r->races,
                     r->races == 1 ? "" : "s");
        return;
    }
    if (r->verdict == LV_ERROR || r->verdict == LV_SKIP) {
        snprintf(buf, n, "-");
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < r->nstates; i++)
        shown += !r->states[i].filtered;
    if (r->weak >= 0)
        snprintf(buf, n, "%zu states, weak %.0f/M", shown, weak_pm(r));
    else
        snprintf(buf, n, "%zu states, cond %ld", shown, r->positive);
}

void litmus_format_text(sbuf *b, lresult *rs, size_t n, double secs)
{
    for (size_t i = 0; i < n; i++)
        if (rs[i].kind == LK_SHAPE && rs[i].verdict != LV_ERROR && rs[i].verdict != LV_SKIP)
            litmus_format_herd(b, &rs[i]);
    sb_printf(b, "%-34s %-7s %-17s %-26s %-9s %s\n", "TEST", "KIND", "EXPECT", "OBSERVED",
              "VERDICT", "TIME");
    size_t count[8] = {0};
    for (size_t i = 0; i < n; i++) {
        const lresult *r = &rs[i];
        char exp[64], obs[96];
        if (r->kind == LK_PROGRAM)
            snprintf(exp, sizeof exp, "%s", r->expectation ? r->expectation : "-");
        else
            snprintf(exp, sizeof exp, "%s %s", r->model ? r->model : "?",
                     r->expect ? r->expect : "-");
        observed_text(obs, sizeof obs, r);
        sb_printf(b, "%-34s %-7s %-17s %-26s %-9s %.2fs\n", r->name ? r->name : "?",
                  r->kind == LK_SHAPE ? "shape" : "program", exp, obs, lverdict_name(r->verdict),
                  r->seconds);
        count[r->verdict]++;
    }
    bool notes = false;
    for (size_t i = 0; i < n; i++) {
        const lresult *r = &rs[i];
        if (!r->note || r->verdict == LV_PASS || r->verdict == LV_UNDEF)
            continue;
        if (!notes)
            sb_put(b, "\n");
        notes = true;
        sb_printf(b, "%s %s: %s\n", lverdict_name(r->verdict), r->name ? r->name : "?", r->note);
    }
    sb_printf(b, "\n%zu tests: %zu pass, %zu fail, %zu undef, %zu skip, %zu error", n,
              count[LV_PASS], count[LV_FAIL], count[LV_UNDEF], count[LV_SKIP], count[LV_ERROR]);
    if (count[LV_UNCHECKED])
        sb_printf(b, ", %zu unchecked", count[LV_UNCHECKED]);
    if (count[LV_KNOWN])
        sb_printf(b, ", %zu known", count[LV_KNOWN]);
    sb_printf(b, " (%.1f s)\n", secs);
}

static void jstr_field(sbuf *b, const char *key, const char *v)
{
    sb_printf(b, ",\"%s\":", key);
    json_put_str(b, v);
}

void litmus_format_json(sbuf *b, lresult *rs, size_t n, double secs)
{
    size_t count[8] = {0};
    sb_put(b, "{\"tests\": [");
    for (size_t i = 0; i < n; i++) {
        const lresult *r = &rs[i];
        count[r->verdict]++;
        sb_put(b, i ? ",\n  " : "\n  ");
        sb_put(b, "{\"name\":");
        json_put_str(b, r->name);
        jstr_field(b, "kind", r->kind == LK_SHAPE ? "shape" : "program");
        jstr_field(b, "file", r->file);
        jstr_field(b, "verdict", lverdict_name(r->verdict));
        sb_printf(b, ",\"iterations\":%ld,\"seconds\":%.6f", r->iterations, r->seconds);
        sb_put(b, ",\"histogram\":{");
        bool first = true;
        for (size_t k = 0; k < r->nstates; k++) {
            if (r->states[k].filtered)
                continue;
            if (!first)
                sb_putc(b, ',');
            first = false;
            json_put_str(b, r->states[k].text);
            sb_printf(b, ":%ld", r->states[k].count);
        }
        sb_put(b, "}");
        if (r->kind == LK_SHAPE && r->weak >= 0 && r->iterations > 0)
            sb_printf(b, ",\"weak_per_million\":%.3f", weak_pm(r));
        else
            sb_put(b, ",\"weak_per_million\":null");
        sb_printf(b, ",\"races\":%ld,\"reports\":[", r->races);
        for (size_t k = 0; k < r->reports.n; k++)
            sb_printf(b, "%s%s", k ? "," : "", r->reports.v[k]);
        sb_put(b, "]");
        jstr_field(b, "note", r->note);
        sb_printf(b, ",\"threads\":%d", r->threads);
        if (r->kind == LK_SHAPE) {
            jstr_field(b, "model", r->model);
            jstr_field(b, "expect", r->expect);
            sb_put(b, ",\"expects\":{");
            static const char *const mn[] = {"SC", "TSO", "C11", "RC11"};
            bool f2 = true;
            for (int m = 0; m < 4; m++)
                if (r->expects[m]) {
                    sb_printf(b, "%s\"%s\":", f2 ? "" : ",", mn[m]);
                    json_put_str(b, r->expects[m]);
                    f2 = false;
                }
            sb_put(b, "}");
            sb_put(b, ",\"computed\":{");
            bool f3 = true;
            for (int m = 0; m < 4; m++)
                if (r->computed[m]) {
                    sb_printf(b, "%s\"%s\":", f3 ? "" : ",", mn[m]);
                    json_put_str(b, r->computed[m]);
                    f3 = false;
                }
            sb_put(b, "}");
            jstr_field(b, "expect_source", r->expect_source);
            sb_put(b, ",\"allowed_not_observed\":[");
            for (size_t k = 0; k < r->unseen.n; k++) {
                if (k)
                    sb_putc(b, ',');
                json_put_str(b, r->unseen.v[k]);
            }
            sb_put(b, "]");
            jstr_field(b, "quantifier", r->quant);
            jstr_field(b, "condition", r->condition);
            jstr_field(b, "observation", r->observation);
            sb_printf(b, ",\"positive\":%ld,\"negative\":%ld,\"weak\":%ld", r->positive,
                      r->negative, r->weak);
            sb_printf(b, ",\"late\":%ld,\"loop_bound_hits\":%ld,\"period\":%ld", r->late,
                      r->loopbound, r->period);
            sb_put(b, ",\"states\":[");
            for (size_t k = 0; k < r->nstates; k++) {
                const lstate *s = &r->states[k];
                sb_printf(b, "%s{\"state\":", k ? "," : "");
                json_put_str(b, s->text);
                sb_printf(b, ",\"count\":%ld,\"satisfies\":%s,\"filtered\":%s}", s->count,
                          s->sat ? "true" : "false", s->filtered ? "true" : "false");
            }
            sb_put(b, "]");
        } else {
            jstr_field(b, "expectation", r->expectation);
            sb_printf(b, ",\"runs\":%d", r->runs);
        }
        sb_put(b, "}");
    }
    sb_printf(b,
              "\n],\n\"summary\": {\"tests\":%zu,\"pass\":%zu,\"fail\":%zu,\"undef\":%zu,"
              "\"skip\":%zu,\"error\":%zu,\"unchecked\":%zu,\"known\":%zu,\"seconds\":%.3f}}\n",
              n, count[LV_PASS], count[LV_FAIL], count[LV_UNDEF], count[LV_SKIP], count[LV_ERROR],
              count[LV_UNCHECKED], count[LV_KNOWN], secs);
}

void litmus_format_junit(sbuf *b, lresult *rs, size_t n, double secs)
{
    size_t fail = 0, err = 0, skip = 0;
    for (size_t i = 0; i < n; i++) {
        fail += rs[i].verdict == LV_FAIL;
        err += rs[i].verdict == LV_ERROR;
        skip += rs[i].verdict == LV_SKIP || rs[i].verdict == LV_KNOWN;
    }
    sb_put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(b,
              "<testsuite name=\"gomm litmus\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
              "skipped=\"%zu\" time=\"%.3f\">\n",
              n, fail, err, skip, secs);
    for (size_t i = 0; i < n; i++) {
        const lresult *r = &rs[i];
        sb_printf(b, "  <testcase classname=\"gomm.litmus.%s\" name=\"",
                  r->kind == LK_SHAPE ? "shape" : "program");
        xml_escape(b, r->name ? r->name : "?");
        sb_put(b, "\" file=\"");
        xml_escape(b, r->file ? r->file : "");
        sb_printf(b, "\" time=\"%.3f\">\n", r->seconds);
        const char *note = r->note ? r->note : "";
        if (r->verdict == LV_FAIL || r->verdict == LV_ERROR) {
            sb_printf(b, "    <%s message=\"", r->verdict == LV_FAIL ? "failure" : "error");
            xml_escape(b, note);
            sb_printf(b, "\" type=\"%s\">", lverdict_name(r->verdict));
            xml_escape(b, note);
            sb_printf(b, "</%s>\n", r->verdict == LV_FAIL ? "failure" : "error");
        } else if (r->verdict == LV_SKIP || r->verdict == LV_KNOWN) {
            sb_put(b, "    <skipped message=\"");
            xml_escape(b, note);
            sb_put(b, "\"/>\n");
        }
        if (r->kind == LK_SHAPE && r->nstates) {
            sbuf h = {0};
            litmus_format_herd(&h, r);
            sb_put(b, "    <system-out>");
            xml_escape(b, h.s);
            sb_put(b, "</system-out>\n");
            sb_free(&h);
        }
        sb_put(b, "  </testcase>\n");
    }
    sb_put(b, "</testsuite>\n");
}

/* ---- merge ---- */

static char *jdup(const jval *v)
{
    const char *s = json_str(v, NULL);
    return s ? xstrdup(s) : NULL;
}

static lverdict verdict_of(const char *s)
{
    for (int v = LV_PASS; v <= LV_KNOWN; v++)
        if (s && !strcmp(s, lverdict_name((lverdict)v)))
            return (lverdict)v;
    return LV_ERROR;
}

bool litmus_load_json(const char *path, lresult **rs, size_t *n, double *secs)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "gomm litmus: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    const char *perr = NULL;
    jval *doc = json_parse(text, len, &perr);
    free(text);
    const jval *tests = doc ? json_get(doc, "tests") : NULL;
    if (!doc || !tests || tests->t != J_ARR) {
        fprintf(stderr, "gomm litmus: %s: not a gomm litmus JSON report (%s)\n", path,
                doc ? "no \"tests\" array" : (perr ? perr : "malformed JSON"));
        json_free(doc);
        return false;
    }
    const jval *sumsec = json_get(json_get(doc, "summary"), "seconds");
    if (sumsec && sumsec->t == J_NUM)
        *secs += sumsec->num;
    size_t m = json_len(tests);
    *rs = xrealloc(*rs, (*n + m + 1) * sizeof **rs);
    for (size_t i = 0; i < m; i++) {
        const jval *t = json_at(tests, i);
        lresult *r = &(*rs)[(*n)++];
        memset(r, 0, sizeof *r);
        r->name = jdup(json_get(t, "name"));
        r->file = jdup(json_get(t, "file"));
        r->kind =
            !strcmp(json_str(json_get(t, "kind"), "shape"), "program") ? LK_PROGRAM : LK_SHAPE;
        r->verdict = verdict_of(json_str(json_get(t, "verdict"), NULL));
        r->iterations = (long)json_int(json_get(t, "iterations"), 0);
        const jval *s = json_get(t, "seconds");
        r->seconds = s && s->t == J_NUM ? s->num : 0;
        r->note = jdup(json_get(t, "note"));
        r->threads = (int)json_int(json_get(t, "threads"), 0);
        r->races = (long)json_int(json_get(t, "races"), 0);
        const jval *reps = json_get(t, "reports");
        for (size_t k = 0; k < json_len(reps); k++) {
            sbuf rb = {0};
            json_write(&rb, json_at(reps, k));
            sv_push(&r->reports, rb.s ? rb.s : "null");
            sb_free(&rb);
        }
        r->model = jdup(json_get(t, "model"));
        r->expect = jdup(json_get(t, "expect"));
        static const char *const mn[] = {"SC", "TSO", "C11", "RC11"};
        for (int k = 0; k < 4; k++)
            r->expects[k] = jdup(json_get(json_get(t, "expects"), mn[k]));
        for (int k = 0; k < 4; k++)
            r->computed[k] = jdup(json_get(json_get(t, "computed"), mn[k]));
        r->expect_source = jdup(json_get(t, "expect_source"));
        const jval *un = json_get(t, "allowed_not_observed");
        for (size_t k = 0; k < json_len(un); k++)
            sv_push(&r->unseen, json_str(json_at(un, k), "?"));
        r->quant = jdup(json_get(t, "quantifier"));
        r->condition = jdup(json_get(t, "condition"));
        r->observation = jdup(json_get(t, "observation"));
        r->positive = (long)json_int(json_get(t, "positive"), 0);
        r->negative = (long)json_int(json_get(t, "negative"), 0);
        r->weak = (long)json_int(json_get(t, "weak"), -1);
        r->late = (long)json_int(json_get(t, "late"), 0);
        r->loopbound = (long)json_int(json_get(t, "loop_bound_hits"), 0);
        r->period = (long)json_int(json_get(t, "period"), 0);
        r->expectation = jdup(json_get(t, "expectation"));
        r->runs = (int)json_int(json_get(t, "runs"), 0);
        const jval *states = json_get(t, "states");
        if (states && states->t == J_ARR) {
            r->states = xcalloc(json_len(states) + 1, sizeof *r->states);
            for (size_t k = 0; k < json_len(states); k++) {
                const jval *st = json_at(states, k);
                lstate *ls = &r->states[r->nstates++];
                ls->text = xstrdup(json_str(json_get(st, "state"), "?"));
                ls->count = (long)json_int(json_get(st, "count"), 0);
                ls->sat = json_bool(json_get(st, "satisfies"), false);
                ls->filtered = json_bool(json_get(st, "filtered"), false);
            }
        } else {
            const jval *h = json_get(t, "histogram");
            if (h && h->t == J_OBJ) {
                r->states = xcalloc(h->n + 1, sizeof *r->states);
                for (size_t k = 0; k < h->n; k++) {
                    lstate *ls = &r->states[r->nstates++];
                    ls->text = xstrdup(h->keys[k]);
                    ls->count = (long)json_int(h->items[k], 0);
                }
            }
        }
    }
    json_free(doc);
    return true;
}
