/*
 * tools/litmus_prog.c — one program test of `gomm litmus`: a C program
 * headed by
 *   / * litmus-program: expect=race|norace [lines=A,B] [threads=2,4]
 *       [category=NAME] [cflags=...] [timeout=SECONDS] [known=REASON]
 * (litmus/programs/README.md), built with `gomm cc` and run --runs times
 * under `gomm run --format json`. Run r uses threads[r % n], seed
 * --seed + r, and on odd runs the race runtime's scheduling noise
 * (GOMM_OPTIONS=perturb=200:perturb_seed=SEED). Every run must give the
 * declared verdict: for race, exit 66 and a report whose two accesses are
 * at lines A and B of the program (the first stack frame in the program's
 * own file); for norace, exit 0 and no report. Exit status 3 from the
 * program is a failed invariant (its message is quoted).
 *
 * Invariants: the build is cached by a hash of the source, prog.h, flags
 * and the identities of the gomm binary and the race runtime it links; temporary files are removed
 * on every path; a run that outlives its timeout is killed with its process group. Called from
 * worker threads: no shared state besides the file system (cache names are unique per process and
 * thread).
 */
#define _GNU_SOURCE
#include "litmus.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../litmus/native.h"

#ifndef GOMM_BINARY_DIR
#define GOMM_BINARY_DIR ""
#endif
#ifndef GOMM_SOURCE_DIR
#define GOMM_SOURCE_DIR ""
#endif
#ifndef GOMM_RUNTIME_BUILD_DIR
#define GOMM_RUNTIME_BUILD_DIR ""
#endif
#ifndef GOMM_INSTALL_LIBDIR
#define GOMM_INSTALL_LIBDIR "lib"
#endif
#ifndef GOMM_INCLUDE_BUILD_DIR
#define GOMM_INCLUDE_BUILD_DIR ""
#endif

typedef struct header {
    bool race;
    int lines[2];
    int threads[16];
    int nthreads;
    char *category;
    char *cflags;
    double timeout;
    char *known;
} header;

static void free_header(header *h)
{
    free(h->category);
    free(h->cflags);
    free(h->known);
}

/* Parses the header comment; false with "file:line:col: error: ..." */
static bool parse_header(const char *path, const char *src, header *h, char *err, size_t n)
{
    memset(h, 0, sizeof *h);
    h->threads[0] = 2;
    h->threads[1] = 4;
    h->nthreads = 2;
    h->timeout = 60;
    const char *tag = "litmus-program:";
    const char *p = strstr(src, tag);
    if (!p) {
        snprintf(err, n, "%s:1:1: error: no '/* litmus-program: expect=race|norace ...' header",
                 path);
        return false;
    }
    int line = 1;
    for (const char *c = src; c < p; c++)
        line += *c == '\n';
    const char *ls = p;
    while (ls > src && ls[-1] != '\n')
        ls--;
    p += strlen(tag);
    const char *end = strchr(p, '\n');
    if (!end)
        end = p + strlen(p);
    const char *close = strstr(p, "*/");
    if (close && close < end)
        end = close;
    bool have_expect = false;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end)
            break;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        int col = (int)(w - ls) + 1;
        const char *eq = memchr(w, '=', (size_t)(p - w));
        if (!eq) {
            snprintf(err, n, "%s:%d:%d: error: expected key=value in the header, found '%.*s'",
                     path, line, col, (int)(p - w), w);
            return false;
        }
        size_t kl = (size_t)(eq - w);
        char *val = strndup(eq + 1, (size_t)(p - eq - 1));
        if (kl == 6 && !strncmp(w, "expect", 6)) {
            if (strcmp(val, "race") && strcmp(val, "norace")) {
                snprintf(err, n, "%s:%d:%d: error: expect= must be race or norace, not '%s'", path,
                         line, col, val);
                free(val);
                return false;
            }
            h->race = !strcmp(val, "race");
            have_expect = true;
        } else if (kl == 5 && !strncmp(w, "lines", 5)) {
            if (sscanf(val, "%d,%d", &h->lines[0], &h->lines[1]) != 2 || h->lines[0] <= 0 ||
                h->lines[1] <= 0) {
                snprintf(err, n, "%s:%d:%d: error: lines= needs two line numbers A,B, not '%s'",
                         path, line, col, val);
                free(val);
                return false;
            }
        } else if (kl == 7 && !strncmp(w, "threads", 7)) {
            h->nthreads = 0;
            char *s = val, *e;
            for (;;) {
                long t = strtol(s, &e, 10);
                if (e == s || t < 1 || t > 256 || h->nthreads == 16) {
                    snprintf(err, n,
                             "%s:%d:%d: error: threads= needs a list of counts 1..256, not '%s'",
                             path, line, col, val);
                    free(val);
                    return false;
                }
                h->threads[h->nthreads++] = (int)t;
                if (*e != ',')
                    break;
                s = e + 1;
            }
            if (*e) {
                snprintf(err, n, "%s:%d:%d: error: threads= needs a list of counts, not '%s'", path,
                         line, col, val);
                free(val);
                return false;
            }
        } else if (kl == 8 && !strncmp(w, "category", 8)) {
            free(h->category);
            h->category = strdup(val);
        } else if (kl == 6 && !strncmp(w, "cflags", 6)) {
            free(h->cflags);
            h->cflags = strdup(val);
        } else if (kl == 7 && !strncmp(w, "timeout", 7)) {
            char *e;
            h->timeout = strtod(val, &e);
            if (*e || !(h->timeout > 0)) {
                snprintf(err, n, "%s:%d:%d: error: timeout= needs seconds, not '%s'", path, line,
                         col, val);
                free(val);
                return false;
            }
        } else if (kl == 5 && !strncmp(w, "known", 5)) {
            free(h->known);
            h->known = strdup(val);
        } else {
            snprintf(err, n, "%s:%d:%d: error: unknown header key '%.*s'", path, line, col, (int)kl,
                     w);
            free(val);
            return false;
        }
        free(val);
    }
    if (!have_expect) {
        snprintf(err, n, "%s:%d:1: error: the header needs expect=race or expect=norace", path,
                 line);
        return false;
    }
    if (h->race && !h->lines[0]) {
        snprintf(err, n, "%s:%d:1: error: expect=race needs lines=A,B", path, line);
        return false;
    }
    /* lines marked with a race comment must be the declared ones, so an
     * edit that moves them cannot leave a stale lines= behind */
    int marks[3], nm = 0, ln = 1;
    for (const char *c = src; *c; c++) {
        if (*c == '\n') {
            ln++;
            continue;
        }
        if (!strncmp(c, "/* race */", 10) && nm < 3)
            marks[nm++] = ln;
    }
    if (nm && (!h->race || nm != 2 ||
               !((marks[0] == h->lines[0] && marks[1] == h->lines[1]) ||
                 (marks[0] == h->lines[1] && marks[1] == h->lines[0])))) {
        char m[64];
        int k = snprintf(m, sizeof m, "%d", marks[0]);
        for (int i = 1; i < nm && k > 0 && (size_t)k < sizeof m; i++)
            k += snprintf(m + k, sizeof m - (size_t)k, ",%d", marks[i]);
        if (h->race)
            snprintf(err, n,
                     "%s:%d:1: error: race comments mark line(s) %s, the header says lines=%d,%d",
                     path, line, m, h->lines[0], h->lines[1]);
        else
            snprintf(err, n,
                     "%s:%d:1: error: race comments mark line(s) %s in an expect=norace program",
                     path, line, m);
        return false;
    }
    return true;
}

/* Runs argv (stdout+stderr to the file errpath), env additions in envs,
 * killing its process group after timeout seconds. Returns the wait
 * status, -1 on failure to start, -2 on timeout. */
static int run_timeout(char *const argv[], char *const envs[], const char *errpath, double timeout)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (nul >= 0)
            dup2(nul, 0);
        for (size_t i = 0; envs && envs[i]; i++)
            putenv(envs[i]);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    struct timespec ts0;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    int st;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return st;
        if (w < 0 && errno != EINTR)
            return -1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - ts0.tv_sec) + (double)(now.tv_nsec - ts0.tv_nsec) * 1e-9;
        if (el > timeout) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            return -2;
        }
        struct timespec d = {0, 5 * 1000 * 1000};
        nanosleep(&d, NULL);
    }
}

static char *dir_of(const char *path)
{
    char *d = xstrdup(path);
    char *s = strrchr(d, '/');
    if (s)
        *s = '\0';
    else {
        free(d);
        d = xstrdup(".");
    }
    return d;
}

/* -I options for gomm's headers: the build tree's when gomm runs from it,
 * else <prefix>/include next to the installed binary. */
static void include_dirs(strvec *cmd)
{
    const char *exe = self_exe();
    char *bindir = dir_of(exe ? exe : "/usr/local/bin/gomm");
    if (*GOMM_BINARY_DIR && same_dir(bindir, GOMM_BINARY_DIR)) {
        sv_push(cmd, "-I" GOMM_SOURCE_DIR "/include");
        sv_push(cmd, "-I" GOMM_INCLUDE_BUILD_DIR);
    } else {
        char *inc = xasprintf("-I%s/../include", bindir);
        sv_push(cmd, inc);
        free(inc);
    }
    free(bindir);
}

/* Hashes the identity (mtime, size) of the race runtime gomm cc links, so
 * a rebuilt runtime rebuilds the programs: $GOMM_LIBDIR's, the build
 * tree's, else the install's (the places tools/cc.c looks). */
static uint64_t runtime_identity(uint64_t h)
{
    const char *exe = self_exe();
    char *bindir = dir_of(exe ? exe : "/usr/local/bin/gomm");
    const char *env = getenv("GOMM_LIBDIR");
    char *cands[4] = {0};
    if (env && *env)
        cands[0] = xasprintf("%s/libgomm_race_cc.a", env);
    else if (*GOMM_BINARY_DIR && same_dir(bindir, GOMM_BINARY_DIR))
        cands[0] = xasprintf("%s/libgomm_race_cc.a", GOMM_RUNTIME_BUILD_DIR);
    else {
        cands[0] = xasprintf("%s/../%s/libgomm_race_cc.a", bindir, GOMM_INSTALL_LIBDIR);
        cands[1] = xasprintf("%s/../lib64/libgomm_race_cc.a", bindir);
        cands[2] = xasprintf("%s/../lib/libgomm_race_cc.a", bindir);
    }
    for (int i = 0; i < 4 && cands[i]; i++) {
        struct stat st;
        if (!stat(cands[i], &st)) {
            h = lt_fnv(h, &st.st_mtim, sizeof st.st_mtim);
            h = lt_fnv(h, &st.st_size, sizeof st.st_size);
            break;
        }
    }
    for (int i = 0; i < 4; i++)
        free(cands[i]);
    free(bindir);
    return h;
}

/* Appends the words of s (blank-separated) to v. */
static void push_words(strvec *v, const char *s)
{
    while (s && *s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *b = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (s > b)
            sv_pushn(v, b, (size_t)(s - b));
    }
}

static char *slurp(const char *path, size_t max)
{
    size_t len;
    char *s = read_file(path, &len);
    if (s && len > max) {
        s[max] = '\0';
        memcpy(s + max - 4, "...", 4);
    }
    return s;
}

/* The line of the first frame of stack that is in the program's file. */
static long own_line(const jval *stack, const char *src)
{
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    for (size_t i = 0; i < json_len(stack); i++) {
        const jval *f = json_at(stack, i);
        const char *file = json_str(json_get(f, "file"), NULL);
        if (!file)
            continue;
        const char *fb = strrchr(file, '/');
        fb = fb ? fb + 1 : file;
        if (!strcmp(fb, base))
            return json_int(json_get(f, "line"), 0);
    }
    return 0;
}

typedef struct run_outcome {
    int exit_status; /* gomm run's */
    int program_status;
    int nraces;
    bool matched;  /* a race at the expected lines */
    long other[2]; /* lines of the first race that did not match */
} run_outcome;

/* Keeps one report per pair of lines (the runs repeat the same races). */
static void add_report(lresult *r, const char *line, long a, long b)
{
    char *key = xasprintf("%ld,%ld", a < b ? a : b, a < b ? b : a);
    for (size_t i = 0; i < r->report_keys.n; i++)
        if (!strcmp(r->report_keys.v[i], key)) {
            free(key);
            return;
        }
    sv_push(&r->report_keys, key);
    free(key);
    sv_push(&r->reports, line);
    r->races++;
}

static bool parse_outcome(const char *json, const char *src, const header *h, run_outcome *ro,
                          lresult *r)
{
    memset(ro, 0, sizeof *ro);
    ro->exit_status = -1;
    bool summary = false;
    const char *p = json;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && p[0] == '{') {
            const char *perr;
            jval *v = json_parse(p, len, &perr);
            if (v) {
                const char *type = json_str(json_get(v, "type"), "");
                if (!strcmp(type, "summary")) {
                    summary = true;
                    ro->exit_status = (int)json_int(json_get(v, "exit_status"), -1);
                    ro->program_status = (int)json_int(json_get(v, "program_status"), -1);
                } else if (json_get(v, "current")) {
                    long a = own_line(json_get(json_get(v, "current"), "stack"), src);
                    long b = own_line(json_get(json_get(v, "previous"), "stack"), src);
                    ro->nraces++;
                    bool m = h->race && ((a == h->lines[0] && b == h->lines[1]) ||
                                         (a == h->lines[1] && b == h->lines[0]));
                    if (m)
                        ro->matched = true;
                    else if (!ro->other[0] && !ro->other[1]) {
                        ro->other[0] = a < b ? a : b;
                        ro->other[1] = a < b ? b : a;
                    }
                    char *line = strndup(p, len);
                    add_report(r, line, a, b);
                    free(line);
                }
                json_free(v);
            }
        }
        p = e ? e + 1 : NULL;
    }
    return summary;
}

void litmus_run_program(const char *path, const lopts *o, lresult *r)
{
    char err[4096];
    r->kind = LK_PROGRAM;
    r->file = xstrdup(path);
    r->name = litmus_test_name(path);
    size_t srclen;
    char *src = read_file(path, &srclen);
    if (!src) {
        r->verdict = LV_ERROR;
        r->note = xasprintf("%s: error: cannot read: %s", path, strerror(errno));
        return;
    }
    header h;
    if (!parse_header(path, src, &h, err, sizeof err)) {
        r->verdict = LV_ERROR;
        r->note = xstrdup(err);
        free(src);
        free_header(&h);
        return;
    }
    r->expectation = h.race ? xasprintf("race %d,%d", h.lines[0], h.lines[1]) : xstrdup("norace");
    r->threads = h.threads[0];
    /* build (cached) */
    const char *exe = self_exe();
    char *pdir = dir_of(path);
    char *progh = xasprintf("%s/prog.h", pdir);
    size_t phlen = 0;
    char *ph = read_file(progh, &phlen);
    struct stat est;
    memset(&est, 0, sizeof est);
    if (exe)
        stat(exe, &est);
    uint64_t hh = lt_fnv(0xcbf29ce484222325ull, src, srclen);
    if (ph)
        hh = lt_fnv(hh, ph, phlen);
    hh = lt_fnv(hh, h.cflags ? h.cflags : "", h.cflags ? strlen(h.cflags) : 0);
    hh = lt_fnv(hh, &est.st_mtim, sizeof est.st_mtim);
    hh = lt_fnv(hh, &est.st_size, sizeof est.st_size);
    hh = lt_fnv(hh, path, strlen(path));
    hh = runtime_identity(hh);
    free(ph);
    free(progh);
    char *cache = o->cache_dir ? xstrdup(o->cache_dir) : lt_cache_dir();
    char *bin = xasprintf("%s/prog-%s-%016llx", cache, r->name, (unsigned long long)hh);
    char *tmpbin = xasprintf("%s.%d.%lx.tmp", bin, (int)getpid(), (unsigned long)pthread_self());
    char *log = xasprintf("%s.%d.%lx.log", bin, (int)getpid(), (unsigned long)pthread_self());
    char *jout = xasprintf("%s.%d.%lx.json", bin, (int)getpid(), (unsigned long)pthread_self());
    if (lt_mkdir_p(cache)) {
        r->verdict = LV_ERROR;
        r->note = xasprintf("%s: error: cannot create %s: %s", path, cache, strerror(errno));
        goto out;
    }
    if (access(bin, X_OK)) {
        strvec cmd = {0};
        sv_push(&cmd, exe ? exe : "gomm");
        sv_push(&cmd, "cc");
        sv_push(&cmd, "-O1");
        sv_push(&cmd, "-g");
        include_dirs(&cmd);
        char *ip = xasprintf("-I%s", pdir);
        sv_push(&cmd, ip);
        free(ip);
        push_words(&cmd, h.cflags);
        sv_push(&cmd, path);
        sv_push(&cmd, "-o");
        sv_push(&cmd, tmpbin);
        sv_push(&cmd, "-lm");
        char **argv = xcalloc(cmd.n + 1, sizeof *argv);
        memcpy(argv, cmd.v, cmd.n * sizeof *argv);
        int st = run_timeout(argv, NULL, log, 300);
        free(argv);
        if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || rename(tmpbin, bin)) {
            char *msg = slurp(log, 3000);
            r->verdict = LV_ERROR;
            r->note =
                xasprintf("%s: error: gomm cc failed%s%s", path, msg ? ":\n" : "", msg ? msg : "");
            free(msg);
            unlink(tmpbin);
            unlink(log);
            sv_free(&cmd);
            goto out;
        }
        sv_free(&cmd);
    }
    /* runs */
    r->runs = 0;
    for (int run = 0; run < o->runs; run++) {
        int threads = h.threads[run % h.nthreads];
        unsigned long long seed = (unsigned long long)o->seed + (unsigned long long)run;
        bool perturb = run % 2 == 1;
        char *e_threads = xasprintf("GOMM_LITMUS_THREADS=%d", threads);
        char *e_seed = xasprintf("GOMM_LITMUS_SEED=%llu", seed);
        const char *user_opts = getenv("GOMM_OPTIONS");
        char *e_opts = perturb ? xasprintf("GOMM_OPTIONS=%s%sperturb=200:perturb_seed=%llu",
                                           user_opts ? user_opts : "", user_opts ? ":" : "",
                                           seed % 2147483647ull + 1)
                               : NULL;
        char *envs[] = {e_threads, e_seed, e_opts, NULL};
        char *argv[] = {(char *)(exe ? exe : "gomm"),
                        "run",
                        "--format",
                        "json",
                        "--out",
                        jout,
                        "--",
                        bin,
                        NULL};
        unlink(jout);
        int st = run_timeout(argv, envs, log, h.timeout);
        r->runs++;
        char how[256];
        snprintf(how, sizeof how, "run %d (GOMM_LITMUS_THREADS=%d GOMM_LITMUS_SEED=%llu%s%s)",
                 run + 1, threads, seed, perturb ? " " : "", perturb ? e_opts : "");
        free(e_threads);
        free(e_seed);
        free(e_opts);
        char *fail = NULL;
        if (st == -2) {
            fail = xasprintf("%s: timed out after %.0f s", how, h.timeout);
        } else if (st < 0) {
            fail = xasprintf("%s: cannot run gomm run", how);
        } else {
            size_t jl;
            char *json = read_file(jout, &jl);
            run_outcome ro;
            bool ok = json && parse_outcome(json, path, &h, &ro, r);
            free(json);
            char *msg = slurp(log, 1500);
            if (!ok) {
                fail = xasprintf("%s: gomm run gave no report (%s)%s%s", how,
                                 WIFEXITED(st) ? "exited" : "killed", msg && *msg ? ":\n" : "",
                                 msg ? msg : "");
            } else if (ro.program_status == 3) {
                fail = xasprintf("%s: an invariant failed:\n%s", how, msg ? msg : "");
            } else if (ro.exit_status == 2 || (ro.program_status != 0 && ro.exit_status != 66)) {
                fail = xasprintf("%s: the program failed (status %d)%s%s", how, ro.program_status,
                                 msg && *msg ? ":\n" : "", msg ? msg : "");
            } else if (h.race && !ro.matched) {
                if (ro.nraces)
                    fail = xasprintf("%s: expected a race at lines %d,%d, got one at %ld,%ld", how,
                                     h.lines[0], h.lines[1], ro.other[0], ro.other[1]);
                else
                    fail = xasprintf("%s: expected a race at lines %d,%d, none was reported", how,
                                     h.lines[0], h.lines[1]);
            } else if (!h.race && ro.nraces) {
                fail = xasprintf("%s: expected no race, got %d (lines %ld,%ld)", how, ro.nraces,
                                 ro.other[0], ro.other[1]);
            }
            free(msg);
        }
        if (fail) {
            if (h.known) {
                r->verdict = LV_KNOWN;
                r->note = xasprintf("known: %s; %s", h.known, fail);
            } else {
                r->verdict = LV_FAIL;
                r->note = fail;
                fail = NULL;
            }
            free(fail);
            break;
        }
    }
    if (!r->note) {
        r->verdict = LV_PASS;
        if (h.known)
            r->note =
                xasprintf("marked known (%s) but every run gave the expected verdict", h.known);
    }
    unlink(log);
    unlink(jout);
out:
    free(src);
    free(pdir);
    free(cache);
    free(bin);
    free(tmpbin);
    free(log);
    free(jout);
    free_header(&h);
}
