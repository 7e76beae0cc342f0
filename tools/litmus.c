/*
 * tools/litmus.c — `gomm litmus`: run the litmus suite (docs/litmus.md).
 *
 *   gomm litmus [PATTERN...] [--iterations N] [--time S] [--jobs N]
 *               [--shard K/N] [--format text|json|junit] [--out FILE]
 *               [--list] [--merge FILE...] [--runs N] [--seed N] ...
 *
 * PATTERNs are .litmus files (shape tests), .c files (program tests),
 * directories (every such file under them) or globs over the bundled
 * tests' names; none means the whole bundled suite (shapes, then
 * programs). Shapes are compiled to native code and run on distinct pinned
 * CPUs (litmus/native.c); their outcomes are checked against the model of
 * this machine (x86-TSO on x86, else C11) as the test's Expect* metadata
 * declare it. Program tests are built with `gomm cc` and run under `gomm
 * run` several times (tools/litmus_prog.c).
 *
 * Scheduling: --jobs workers take tests in order; a shape first takes as
 * many CPUs as it has threads from a shared pool (a mutex and condition
 * variable guard the pool), so concurrent tests never share a CPU; a
 * program takes one. A shape with more threads than this process may use
 * is skipped, never oversubscribed.
 *
 * Exit status: 0 when no test failed or errored, 1 when one did, 2 on a
 * usage error (the option is named) or when a pattern matches nothing.
 */
#define _GNU_SOURCE
#include "litmus.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../litmus/ast.h"
#include "../litmus/model.h"
#include "../litmus/native.h"

#ifndef GOMM_BINARY_DIR
#define GOMM_BINARY_DIR ""
#endif
#ifndef GOMM_SOURCE_DIR
#define GOMM_SOURCE_DIR ""
#endif
#ifndef GOMM_INSTALL_DATADIR
#define GOMM_INSTALL_DATADIR "share"
#endif

const char *lverdict_name(lverdict v)
{
    static const char *const n[] = {"pass", "fail", "undef", "skip", "error", "unchecked", "known"};
    return (unsigned)v < sizeof n / sizeof *n ? n[v] : "?";
}

void lresult_free(lresult *r)
{
    free(r->name);
    free(r->file);
    free(r->note);
    free(r->model);
    free(r->expect);
    for (int i = 0; i < 4; i++)
        free(r->expects[i]);
    free(r->quant);
    free(r->condition);
    for (size_t i = 0; i < r->nstates; i++)
        free(r->states[i].text);
    free(r->states);
    free(r->observation);
    free(r->expectation);
    for (int i = 0; i < 4; i++)
        free(r->computed[i]);
    free(r->expect_source);
    free(r->model_error);
    sv_free(&r->unseen);
    sv_free(&r->reports);
    sv_free(&r->report_keys);
    memset(r, 0, sizeof *r);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: gomm litmus [PATTERN...] [options]\n"
               "\n"
               "Runs the litmus suite: memory-model shapes (.litmus, herd7's C format) natively\n"
               "on this machine, and program tests (.c) under the race checker. PATTERNs are\n"
               "files, directories or globs over the bundled tests' names (default: all).\n"
               "\n"
               "options:\n"
               "  --iterations N     iterations per shape (default 1000000)\n"
               "  --time S           stop each shape after S seconds (default: no limit)\n"
               "  --jobs N           tests at once; CPUs are never shared (default 1)\n"
               "  --shard K/N        run the K-th of N interleaved shares of the tests\n"
               "  --format F         text (default), json or junit\n"
               "  --out FILE         write the report there (default stdout)\n"
               "  --list             list the selected tests and exit\n"
               "  --merge FILE...    merge JSON reports of shards instead of running\n"
               "  --model M          enumerate every outcome allowed by model M (sc, tso, c11,\n"
               "                     rc11) instead of running; herd7's output layout\n"
               "  --unroll N         loop unrolling bound of --model (default 2, as herd7)\n"
               "  --runs N           runs per program test (default 4)\n"
               "  --seed N           first seed of program runs and the shape harness (default 1)\n"
               "  --mode M           shape start rendezvous: timebase (default), user, none\n"
               "  --size N           iterations per batch of a shape (default 10000)\n"
               "  --period TICKS     timebase period (default: adaptive)\n"
               "  --delay TICKS      max random per-thread start delay (default: adaptive)\n"
               "  --cc CC            compiler for shape harnesses (default $GOMM_LITMUS_CC or cc)\n"
               "  --cache-dir DIR    where compiled tests are kept\n"
               "  --keep             keep generated harness sources next to the binaries\n"
               "  --no-progress      no progress bar (it is shown only on a terminal anyway)\n"
               "  -v, --verbose      print each test's result as it finishes\n"
               "\n"
               "Exit status: 0 no test failed, 1 a test failed or errored, 2 usage error.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "gomm litmus: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(gomm litmus --help lists the options)\n");
    return 2;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (errno || e == s || *e || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* ---- where the bundled suite is ---- */

static bool is_dir(const char *p)
{
    struct stat st;
    return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* $GOMM_LITMUS_DIR, else the sources when gomm runs from its build tree,
 * else <prefix>/share/gomm/litmus next to the installed binary. */
static char *suite_dir(void)
{
    const char *env = getenv("GOMM_LITMUS_DIR");
    if (env && *env)
        return xstrdup(env);
    const char *exe = self_exe();
    char *bindir = exe ? xstrdup(exe) : xstrdup("/usr/local/bin/gomm");
    char *slash = strrchr(bindir, '/');
    if (slash)
        *slash = '\0';
    char *d;
    if (*GOMM_BINARY_DIR && same_dir(bindir, GOMM_BINARY_DIR))
        d = xasprintf("%s/litmus", GOMM_SOURCE_DIR);
    else if (GOMM_INSTALL_DATADIR[0] == '/')
        d = xasprintf("%s/gomm/litmus", GOMM_INSTALL_DATADIR);
    else
        d = xasprintf("%s/../%s/gomm/litmus", bindir, GOMM_INSTALL_DATADIR);
    free(bindir);
    return d;
}

/* ---- discovery ---- */

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcmp(name + n - e, ext);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the .litmus (shapes) or .c (programs) files under dir, sorted. */
static void scan_dir(const char *dir, strvec *out, bool shapes, bool programs)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    strvec files = {0}, dirs = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        if (is_dir(p))
            sv_push(&dirs, p);
        else if ((shapes && has_ext(e->d_name, ".litmus")) ||
                 (programs && has_ext(e->d_name, ".c")))
            sv_push(&files, p);
        free(p);
    }
    closedir(d);
    if (files.n)
        qsort(files.v, files.n, sizeof *files.v, cmp_str);
    if (dirs.n)
        qsort(dirs.v, dirs.n, sizeof *dirs.v, cmp_str);
    sv_push_all(out, &files);
    for (size_t i = 0; i < dirs.n; i++)
        scan_dir(dirs.v[i], out, shapes, programs);
    sv_free(&files);
    sv_free(&dirs);
}

char *litmus_test_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *n = xstrdup(b);
    char *dot = strrchr(n, '.');
    if (dot && dot != n)
        *dot = '\0';
    return n;
}

/* The tests that pats select (none: the whole bundled suite), in order.
 * 0, or 2 after a message on stderr (a pattern that matches nothing). */
int litmus_collect(const strvec *pats, strvec *paths)
{
    char *suite = suite_dir();
    if (!pats->n) {
        char *sd = xasprintf("%s/shapes", suite), *pd = xasprintf("%s/programs", suite);
        if (!is_dir(sd)) {
            fprintf(stderr,
                    "gomm litmus: the bundled suite is not at %s (set GOMM_LITMUS_DIR to the "
                    "directory holding shapes/ and programs/)\n",
                    suite);
            free(sd);
            free(pd);
            free(suite);
            return 2;
        }
        scan_dir(sd, paths, true, false);
        scan_dir(pd, paths, false, true);
        free(sd);
        free(pd);
        free(suite);
        return 0;
    }
    strvec bundled = {0};
    char *sd = xasprintf("%s/shapes", suite), *pd = xasprintf("%s/programs", suite);
    scan_dir(sd, &bundled, true, false);
    scan_dir(pd, &bundled, false, true);
    free(sd);
    free(pd);
    free(suite);
    int rc = 0;
    for (size_t i = 0; i < pats->n && !rc; i++) {
        const char *p = pats->v[i];
        struct stat st;
        if (!stat(p, &st)) {
            if (S_ISDIR(st.st_mode)) {
                size_t before = paths->n;
                scan_dir(p, paths, true, true);
                if (paths->n == before) {
                    fprintf(stderr, "gomm litmus: no .litmus or .c files under %s\n", p);
                    rc = 2;
                }
            } else if (has_ext(p, ".litmus") || has_ext(p, ".c")) {
                sv_push(paths, p);
            } else {
                fprintf(stderr, "gomm litmus: %s is neither a shape (.litmus) nor a program (.c)\n",
                        p);
                rc = 2;
            }
            continue;
        }
        size_t before = paths->n;
        for (size_t k = 0; k < bundled.n; k++) {
            char *nm = litmus_test_name(bundled.v[k]);
            if (!fnmatch(p, nm, 0))
                sv_push(paths, bundled.v[k]);
            free(nm);
        }
        if (paths->n == before) {
            fprintf(stderr, "gomm litmus: no file or bundled test matches '%s'\n", p);
            rc = 2;
        }
    }
    sv_free(&bundled);
    return rc;
}

/* ---- the CPU pool ---- */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static int pool_cpus[1024];
static bool pool_busy[1024];
static int pool_n;

static void pool_take(int n, int *cpus)
{
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        int free_n = 0;
        for (int i = 0; i < pool_n; i++)
            free_n += !pool_busy[i];
        if (free_n >= n)
            break;
        pthread_cond_wait(&pool_cv, &pool_mu);
    }
    for (int i = 0, k = 0; i < pool_n && k < n; i++)
        if (!pool_busy[i]) {
            pool_busy[i] = true;
            cpus[k++] = pool_cpus[i];
        }
    pthread_mutex_unlock(&pool_mu);
}

static void pool_give(int n, const int *cpus)
{
    pthread_mutex_lock(&pool_mu);
    for (int k = 0; k < n; k++)
        for (int i = 0; i < pool_n; i++)
            if (pool_cpus[i] == cpus[k])
                pool_busy[i] = false;
    pthread_cond_broadcast(&pool_cv);
    pthread_mutex_unlock(&pool_mu);
}

/* ---- shapes ---- */

static const int machine_model =
#if defined(__x86_64__) || defined(__i386__)
    LM_TSO;
#else
    LM_C11;
#endif

/* Formats into r->note: replacing it, or appended after "; ". */
static void vnote(lresult *r, bool append, const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return;
    char *n = r->note;
    r->note = append && n ? xasprintf("%s; %s", n, s) : s;
    if (append && n)
        free(s);
    free(n);
}

static void set_note(lresult *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_note(lresult *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(r, false, fmt, ap);
    va_end(ap);
}

static void add_note(lresult *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(lresult *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(r, true, fmt, ap);
    va_end(ap);
}

/* Is state st (nvars values) among the model's final states? */
static bool model_has(const lt_model_result *m, const int64_t *st, int nvars)
{
    for (int i = 0; i < m->nstates; i++)
        if (!memcmp(m->states + (size_t)i * (size_t)nvars, st, sizeof *st * (size_t)nvars))
            return true;
    return false;
}

/* The verdict of a shape's hardware run. With a complete state set of the
 * machine's model (the enumerator; no loop cut at its unroll bound), an
 * observed state outside it is a FAIL and the file's Expect key must
 * agree with the computed observation; otherwise the file's Expect key
 * for the machine judges the condition's proposition alone. */
static void judge(lresult *r, const lt_test *t, const lt_native_out *out, const lt_model_result *mr,
                  const bool *have)
{
    int nv = t->nvars;
    const lt_model_result *mm = have[machine_model] ? &mr[machine_model] : NULL;
    const lt_model_result *sc = have[LM_SC] && !mr[LM_SC].loop_bound ? &mr[LM_SC] : NULL;
    const lt_model_result *c11 = have[LM_C11] ? &mr[LM_C11] : NULL;
    bool exact = mm && !mm->loop_bound;
    lt_expect meta = t->expect[machine_model];
    lt_expect ex = exact ? mm->observation : meta;
    r->expect_source = xstrdup(exact ? "model" : meta != LX_UNKNOWN ? "metadata" : "none");
    if (ex != LX_UNKNOWN)
        r->expect = xstrdup(lt_expect_name(ex));
    bool racy;
    if (c11)
        racy = c11->undef || (have[LM_RC11] && mr[LM_RC11].undef);
    else
        racy = t->expect[LM_C11] == LX_UNDEF || t->expect[LM_RC11] == LX_UNDEF ||
               (t->expect[LM_C11] == LX_UNKNOWN && lt_has_plain_conflict(t));
    lt_expect sce = sc ? sc->observation : t->expect[LM_SC];
    r->weak = sc || sce == LX_NEVER || sce == LX_ALWAYS ? 0 : -1;

    r->states = xcalloc((size_t)out->nstates + 1, sizeof *r->states);
    char buf[4096];
    const char *bad = NULL, *outside = NULL;
    long badcount = 0, outcount = 0, outfirst = 0;
    for (int i = 0; i < out->nstates; i++) {
        const int64_t *st = out->states + (size_t)i * (size_t)nv;
        lstate *s = &r->states[r->nstates++];
        lt_state_text(t, st, buf, sizeof buf);
        s->text = xstrdup(buf);
        s->count = out->counts[i];
        s->filtered = t->filter && !lt_prop_eval(t->filter, st);
        s->sat = lt_prop_eval(t->cond, st);
        if (s->filtered)
            continue;
        if (s->sat)
            r->positive += s->count;
        else
            r->negative += s->count;
        if (sc ? !model_has(sc, st, nv)
               : (sce == LX_NEVER && s->sat) || (sce == LX_ALWAYS && !s->sat))
            r->weak += s->count;
        if (exact && !model_has(mm, st, nv)) {
            if (!outside) {
                outside = s->text;
                outfirst = s->count;
            }
            outcount += s->count;
        }
        if ((ex == LX_NEVER && s->sat) || (ex == LX_ALWAYS && !s->sat)) {
            if (!bad)
                bad = s->text;
            badcount += s->count;
        }
    }
    /* allowed by C11, never seen here */
    if (c11 && !c11->undef && !c11->loop_bound)
        for (int i = 0; i < c11->nstates; i++) {
            const int64_t *st = c11->states + (size_t)i * (size_t)nv;
            if (c11->filtered[i])
                continue;
            bool seen = false;
            for (int k = 0; k < out->nstates && !seen; k++)
                seen = !memcmp(out->states + (size_t)k * (size_t)nv, st, sizeof *st * (size_t)nv);
            if (!seen) {
                lt_state_text(t, st, buf, sizeof buf);
                sv_push(&r->unseen, buf);
            }
        }
    /* states in a stable order: by text */
    for (size_t i = 1; i < r->nstates; i++)
        for (size_t j = i; j > 0 && strcmp(r->states[j - 1].text, r->states[j].text) > 0; j--) {
            lstate tmp = r->states[j];
            r->states[j] = r->states[j - 1];
            r->states[j - 1] = tmp;
        }
    r->observation = xstrdup(r->positive == 0   ? "Never"
                             : r->negative == 0 ? "Always"
                                                : "Sometimes");
    const char *mname = machine_model == LM_TSO ? "x86-TSO" : lt_model_name(machine_model);
    if (racy) {
        r->verdict = LV_UNDEF;
        if (c11 && c11->race[0])
            set_note(r, "races under C11 (%s): any outcome is allowed; observed %s", c11->race,
                     r->observation);
        else
            set_note(r, "plain accesses race under C11: any outcome is allowed; observed %s",
                     r->observation);
    } else if (outside) {
        r->verdict = LV_FAIL;
        set_note(r, "%s forbids the state %s, observed %ld time%s: a hardware or compiler bug",
                 mname, outside, outfirst, outfirst == 1 ? "" : "s");
        if (outcount != outfirst)
            add_note(r, "%ld iterations in all ended outside the model", outcount);
    } else if (exact && meta != LX_UNKNOWN && meta != ex) {
        r->verdict = LV_FAIL;
        set_note(r, "wrong expectation: the file says Expect%s=%s, the %s model gives %s",
                 lt_model_name(machine_model), lt_expect_name(meta), lt_model_name(machine_model),
                 lt_expect_name(ex));
    } else if (ex == LX_UNKNOWN) {
        r->verdict = LV_UNCHECKED;
        set_note(r,
                 "no Expect%s= line and no complete model result%s%s: outcomes are reported, "
                 "not checked",
                 lt_model_name(machine_model), r->model_error ? ": " : "",
                 r->model_error ? r->model_error : "");
    } else if (bad) {
        r->verdict = LV_FAIL;
        set_note(r,
                 "%s forbids %s%s, observed %ld time%s (hardware or compiler bug, or a wrong "
                 "expectation)",
                 mname,
                 ex == LX_ALWAYS ? "a state outside the condition: " : "the condition's state ",
                 bad, badcount, badcount == 1 ? "" : "s");
    } else {
        r->verdict = LV_PASS;
        if (ex == LX_SOMETIMES)
            set_note(r, "allowed outcome %s", r->positive ? "observed" : "not observed");
    }
    if (r->unseen.n && r->verdict != LV_FAIL)
        add_note(r, "%zu state%s C11 allows not observed", r->unseen.n,
                 r->unseen.n == 1 ? "" : "s");
    if (!exact && mm && mm->loop_bound)
        add_note(r,
                 "the model's loop unrolling (--unroll %d) cut some paths: judged by the "
                 "condition only",
                 2);
    if (r->loopbound && r->verdict != LV_FAIL)
        add_note(r, "%ld iterations cut a while loop at the bound", r->loopbound);
}

static void run_shape(const char *path, const lopts *o, lresult *r)
{
    char err[8192];
    r->kind = LK_SHAPE;
    r->file = xstrdup(path);
    r->model = xstrdup(lt_model_name(machine_model));
    r->weak = -1;
    lt_test *t = lt_parse_file(path, err, sizeof err);
    if (!t) {
        r->name = litmus_test_name(path);
        r->verdict = LV_ERROR;
        r->note = xstrdup(err);
        return;
    }
    r->name = xstrdup(t->name);
    r->threads = t->nthreads;
    static const char *const qn[] = {"exists", "~exists", "forall"};
    r->quant = xstrdup(qn[t->quant]);
    r->condition = xstrdup(t->cond_text);
    for (int m = 0; m < LM_NMODELS; m++)
        if (t->expect[m] != LX_UNKNOWN)
            r->expects[m] = xstrdup(lt_expect_name(t->expect[m]));
    if (t->nthreads > pool_n) {
        r->verdict = LV_SKIP;
        set_note(r, "needs %d CPUs to run without sharing one; this process may use %d",
                 t->nthreads, pool_n);
        lt_test_free(t);
        return;
    }
    /* what each model allows (the enumerator: milliseconds) */
    lt_model_result mr[LM_NMODELS];
    bool have[LM_NMODELS];
    char merr[512] = "";
    for (int m = 0; m < LM_NMODELS; m++) {
        have[m] = lt_enumerate(t, m, o->unroll, &mr[m], merr, sizeof merr) == 0;
        if (have[m])
            r->computed[m] = xstrdup(lt_expect_name(mr[m].observation));
        else if (!r->model_error)
            r->model_error = xstrdup(merr);
    }
    int cpus[64];
    pool_take(t->nthreads, cpus);
    lt_native_opts no = {
        .cc = o->cc,
        .cache_dir = o->cache_dir,
        .iterations = o->iterations,
        .seconds = o->time,
        .size = o->size,
        .mode = o->mode,
        .period = o->period,
        .delay = o->delay,
        .seed = o->seed,
        .cpus = cpus,
        .keep_source = o->keep,
    };
    lt_native_out out;
    int rc = lt_native_run(t, &no, &out, err, sizeof err);
    pool_give(t->nthreads, cpus);
    if (rc) {
        r->verdict = LV_ERROR;
        r->note = xstrdup(err);
        for (int m = 0; m < LM_NMODELS; m++)
            if (have[m])
                lt_model_result_free(&mr[m]);
        lt_test_free(t);
        return;
    }
    r->iterations = out.iterations;
    r->seconds = out.seconds;
    r->late = out.late;
    r->loopbound = out.loopbound;
    r->period = out.period;
    judge(r, t, &out, mr, have);
    for (int m = 0; m < LM_NMODELS; m++)
        if (have[m])
            lt_model_result_free(&mr[m]);
    lt_native_out_free(&out);
    lt_test_free(t);
}

/* ---- scheduling ---- */

typedef struct job {
    strvec *paths;
    lresult *results;
    const lopts *o;
    size_t next;
    size_t done;
    size_t total;
    double start;
    pthread_mutex_t mu;
} job;

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(job *j, const lresult *r)
{
    const lopts *o = j->o;
    if (o->verbose)
        fprintf(stderr, "%-40s %-7s %-9s %.2fs\n", r->name ? r->name : "?",
                r->kind == LK_SHAPE ? "shape" : "program", lverdict_name(r->verdict), r->seconds);
    if (!o->progress)
        return;
    int width = 30;
    int fill = j->total ? (int)((double)j->done * width / (double)j->total) : width;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu %-32.32s", fill, "##############################",
            width - fill, "", j->done, j->total, r->name ? r->name : "");
    if (j->done == j->total)
        fprintf(stderr, "\r%*s\r", width + 50, "");
    fflush(stderr);
}

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        size_t i = j->next++;
        pthread_mutex_unlock(&j->mu);
        if (i >= j->paths->n)
            return NULL;
        const char *p = j->paths->v[i];
        lresult *r = &j->results[i];
        double t0 = now_secs();
        if (has_ext(p, ".litmus")) {
            run_shape(p, j->o, r);
        } else {
            int cpu;
            pool_take(1, &cpu);
            litmus_run_program(p, j->o, r);
            pool_give(1, &cpu);
            r->seconds = now_secs() - t0;
        }
        if (r->kind == LK_SHAPE && r->seconds == 0)
            r->seconds = now_secs() - t0;
        pthread_mutex_lock(&j->mu);
        j->done++;
        progress(j, r);
        pthread_mutex_unlock(&j->mu);
    }
}

static bool write_out(const char *path, const sbuf *b)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        fprintf(stderr, "gomm litmus: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t n = b->len;
    bool ok = (n == 0 || fwrite(b->s, 1, n, f) == n);
    if (path)
        ok = !fclose(f) && ok;
    else
        ok = !fflush(f) && ok;
    if (!ok)
        fprintf(stderr, "gomm litmus: write to %s failed\n", path ? path : "stdout");
    return ok;
}

static int emit(const lopts *o, lresult *rs, size_t n, double secs)
{
    sbuf b = {0};
    if (!strcmp(o->format, "json"))
        litmus_format_json(&b, rs, n, secs);
    else if (!strcmp(o->format, "junit"))
        litmus_format_junit(&b, rs, n, secs);
    else
        litmus_format_text(&b, rs, n, secs);
    bool ok = write_out(o->out, &b);
    sb_free(&b);
    if (!ok)
        return 2;
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        if (rs[i].verdict == LV_FAIL || rs[i].verdict == LV_ERROR)
            status = 1;
        /* errors are also said on stderr, whatever the format */
        if (rs[i].verdict == LV_ERROR && strcmp(o->format, "text"))
            fprintf(stderr, "%s\n", rs[i].note ? rs[i].note : rs[i].name);
    }
    return status;
}

static int litmus_main(int argc, char **argv, strvec *pats, strvec *merges)
{
    lopts o = {
        .iterations = 1000000,
        .jobs = 1,
        .format = "text",
        .runs = 4,
        .seed = 1,
        .delay = -1,
        .unroll = 2,
        .progress = isatty(2),
    };
    bool merge = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        char name[64];
        if (!strncmp(a, "--", 2) && strchr(a, '=')) {
            size_t k = (size_t)(strchr(a, '=') - a);
            snprintf(name, sizeof name, "%.*s", (int)(k < 63 ? k : 63), a);
            v = a + k + 1;
            a = name;
        }
#define VALUE()                                                                                    \
    do {                                                                                           \
        if (!v) {                                                                                  \
            if (i + 1 >= argc)                                                                     \
                return usage_error("option %s needs a value", a);                                  \
            v = argv[++i];                                                                         \
        }                                                                                          \
    } while (0)
        long x;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--iterations")) {
            VALUE();
            if (!parse_long(v, 1, 1L << 40, &x))
                return usage_error("--iterations needs a positive count, not '%s'", v);
            o.iterations = x;
        } else if (!strcmp(a, "--time")) {
            VALUE();
            char *e;
            double d = strtod(v, &e);
            if (e == v || *e || !(d > 0) || d > 1e6)
                return usage_error("--time needs seconds > 0, not '%s'", v);
            o.time = d;
        } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
            VALUE();
            if (!parse_long(v, 1, 1024, &x))
                return usage_error("--jobs needs 1..1024, not '%s'", v);
            o.jobs = (int)x;
        } else if (!strcmp(a, "--shard")) {
            VALUE();
            long k, n;
            char *slash = strchr(v, '/');
            char kb[32];
            if (!slash || (size_t)(slash - v) >= sizeof kb)
                return usage_error("--shard needs K/N (e.g. 2/4), not '%s'", v);
            snprintf(kb, sizeof kb, "%.*s", (int)(slash - v), v);
            if (!parse_long(kb, 1, 100000, &k) || !parse_long(slash + 1, 1, 100000, &n) || k > n)
                return usage_error("--shard needs K/N with 1 <= K <= N, not '%s'", v);
            o.shard_k = (int)k;
            o.shard_n = (int)n;
        } else if (!strcmp(a, "--format")) {
            VALUE();
            if (strcmp(v, "text") && strcmp(v, "json") && strcmp(v, "junit"))
                return usage_error("--format must be text, json or junit, not '%s'", v);
            o.format = v;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
            VALUE();
            o.out = v;
        } else if (!strcmp(a, "--list")) {
            o.list = true;
        } else if (!strcmp(a, "--merge")) {
            merge = true;
            if (v)
                sv_push(merges, v);
        } else if (!strcmp(a, "--model")) {
            VALUE();
            if (strcmp(v, "sc") && strcmp(v, "tso") && strcmp(v, "c11") && strcmp(v, "rc11"))
                return usage_error("--model must be sc, tso, c11 or rc11, not '%s'", v);
            o.model = v;
        } else if (!strcmp(a, "--unroll")) {
            VALUE();
            if (!parse_long(v, 0, 64, &x))
                return usage_error("--unroll needs 0..64, not '%s'", v);
            o.unroll = (int)x;
        } else if (!strcmp(a, "--runs")) {
            VALUE();
            if (!parse_long(v, 1, 1000, &x))
                return usage_error("--runs needs 1..1000, not '%s'", v);
            o.runs = (int)x;
        } else if (!strcmp(a, "--seed")) {
            VALUE();
            if (!parse_long(v, 1, 1L << 30, &x))
                return usage_error("--seed needs 1..2^30, not '%s'", v);
            o.seed = (uint64_t)x;
        } else if (!strcmp(a, "--mode")) {
            VALUE();
            if (strcmp(v, "timebase") && strcmp(v, "user") && strcmp(v, "none"))
                return usage_error("--mode must be timebase, user or none, not '%s'", v);
            o.mode = v;
        } else if (!strcmp(a, "--size")) {
            VALUE();
            if (!parse_long(v, 1, 1L << 24, &x))
                return usage_error("--size needs 1..16777216, not '%s'", v);
            o.size = x;
        } else if (!strcmp(a, "--period")) {
            VALUE();
            if (!parse_long(v, 1, 1L << 30, &x))
                return usage_error("--period needs ticks > 0, not '%s'", v);
            o.period = x;
        } else if (!strcmp(a, "--delay")) {
            VALUE();
            if (!parse_long(v, 0, 1L << 20, &x))
                return usage_error("--delay needs 0..1048576 ticks, not '%s'", v);
            o.delay = x;
        } else if (!strcmp(a, "--cc")) {
            VALUE();
            o.cc = v;
        } else if (!strcmp(a, "--cache-dir")) {
            VALUE();
            o.cache_dir = v;
        } else if (!strcmp(a, "--keep")) {
            o.keep = true;
        } else if (!strcmp(a, "--no-progress")) {
            o.progress = false;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o.verbose++;
        } else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++)
                sv_push(merge ? merges : pats, argv[i]);
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else {
            sv_push(merge ? merges : pats, a);
        }
        if (v && a == name && strcmp(a, "--iterations") && strcmp(a, "--time") &&
            strcmp(a, "--jobs") && strcmp(a, "--shard") && strcmp(a, "--format") &&
            strcmp(a, "--out") && strcmp(a, "--runs") && strcmp(a, "--seed") &&
            strcmp(a, "--mode") && strcmp(a, "--size") && strcmp(a, "--period") &&
            strcmp(a, "--delay") && strcmp(a, "--cc") && strcmp(a, "--cache-dir") &&
            strcmp(a, "--merge") && strcmp(a, "--model") && strcmp(a, "--unroll"))
            return usage_error("option %s takes no value", a);
#undef VALUE
    }
    if (o.out && !*o.out)
        return usage_error("--out needs a file name%s", "");
    if (o.verbose)
        o.progress = false;

    if (merge) {
        if (!merges->n)
            return usage_error("--merge needs JSON files%s", "");
        lresult *rs = NULL;
        size_t n = 0;
        double secs = 0;
        int st = 0;
        for (size_t i = 0; i < merges->n && !st; i++)
            if (!litmus_load_json(merges->v[i], &rs, &n, &secs))
                st = 2;
        if (!st)
            st = emit(&o, rs, n, secs);
        for (size_t i = 0; i < n; i++)
            lresult_free(&rs[i]);
        free(rs);
        sv_free(merges);
        sv_free(pats);
        return st;
    }

    /* the tests */
    strvec paths = {0};
    int crc = litmus_collect(pats, &paths);
    if (crc) {
        sv_free(&paths);
        sv_free(pats);
        return crc;
    }
    if (o.shard_n) {
        strvec sh = {0};
        for (size_t i = 0; i < paths.n; i++)
            if ((int)(i % (size_t)o.shard_n) == o.shard_k - 1)
                sv_push(&sh, paths.v[i]);
        sv_free(&paths);
        paths = sh;
    }
    if (o.list) {
        for (size_t i = 0; i < paths.n; i++) {
            char *nm = litmus_test_name(paths.v[i]);
            printf("%-40s %-7s %s\n", nm, has_ext(paths.v[i], ".litmus") ? "shape" : "program",
                   paths.v[i]);
            free(nm);
        }
        sv_free(&paths);
        sv_free(pats);
        return 0;
    }
    if (o.model) {
        int st = litmus_model_run(&o, &paths);
        sv_free(&paths);
        sv_free(pats);
        return st;
    }
    pool_n = lt_allowed_cpus(pool_cpus, 1024);
    if (pool_n < 1)
        pool_n = 1;
    lresult *rs = xcalloc(paths.n + 1, sizeof *rs);
    job j = {.paths = &paths, .results = rs, .o = &o, .total = paths.n, .start = now_secs()};
    pthread_mutex_init(&j.mu, NULL);
    int nw = o.jobs < (int)paths.n ? o.jobs : (int)paths.n;
    pthread_t *tids = xcalloc((size_t)nw + 1, sizeof *tids);
    for (int w = 0; w < nw; w++)
        if (pthread_create(&tids[w], NULL, worker, &j)) {
            fprintf(stderr, "gomm litmus: cannot start a worker thread\n");
            return 2;
        }
    for (int w = 0; w < nw; w++)
        pthread_join(tids[w], NULL);
    free(tids);
    pthread_mutex_destroy(&j.mu);
    int st = emit(&o, rs, paths.n, now_secs() - j.start);
    for (size_t i = 0; i < paths.n; i++)
        lresult_free(&rs[i]);
    free(rs);
    sv_free(&paths);
    sv_free(pats);
    return st;
}

int gomm_litmus_main(int argc, char **argv)
{
    strvec pats = {0}, merges = {0};
    int st = litmus_main(argc, argv, &pats, &merges);
    sv_free(&pats);
    sv_free(&merges);
    return st;
}
