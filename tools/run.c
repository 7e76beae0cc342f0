/*
 * tools/run.c — `gomm run`: run a program built by `gomm cc`, collect the
 * race reports of every process of the run, and gate on them (docs/ci.md).
 *
 *   gomm run [--format text|json|sarif|junit] [--out FILE]
 *            [--suppressions FILE] [--baseline FILE] [--write-baseline FILE]
 *            [--srcroot DIR] [--exit-status race|program] -- PROG ARGS...
 *
 * PROG runs with the user's environment plus GOMM_RUN_MARK=<tmp>/mark and
 * GOMM_OPTIONS=<the user's>:report_format=json:log_path=<tmp>/r:
 * print_suppressions=1[:suppressions=FILE] (later options win), which every
 * process it spawns inherits. Each process that has the race runtime
 * creates <tmp>/mark.<pid> and writes its JSON reports to <tmp>/r.<pid>.
 * PROG's stdin, stdout and stderr are its own, untouched.
 *
 * Races are deduplicated across processes by their key; a baseline file
 * holds keys of known races (format and matching: baseline_* below and
 * docs/ci.md). Exit status:
 *   66  a race that is neither suppressed nor in the baseline;
 *   2   usage error (the option is named), tool error, or no process of
 *       the run loaded the race runtime (PROG was not built by gomm cc);
 *   PROG's status when it failed on its own (not by the runtime's race
 *       exit) and no new race was found (128+N when killed by signal N);
 *   0   otherwise.
 * With --exit-status=program: always PROG's own status (the status it
 * passed to exit(), which the runtime reports when its exitcode replaced
 * it), races or not; races are still reported in the chosen format.
 *
 * Invariants: the temporary directory is removed on every path after it
 * was created; the report output goes to --out, else to stderr for text
 * (where TSan and `go test -race` put reports, so they never mix with
 * PROG's own standard output) and to stdout for json, sarif and junit
 * (documents meant to be redirected); gomm run's own messages go to
 * stderr only, after the reports; nothing is printed before PROG ends.
 */
#define _GNU_SOURCE
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RACE_EXIT 66

enum format { F_TEXT, F_JSON, F_SARIF, F_JUNIT };

typedef struct opts {
    enum format format;
    bool program_status; /* --exit-status=program */
    const char *out, *suppressions, *baseline, *write_baseline, *srcroot;
    char **prog; /* NULL-terminated */
} opts;

static void usage(FILE *f)
{
    fputs("usage: gomm run [--format text|json|sarif|junit] [--out FILE] [--suppressions FILE]\n"
          "                [--baseline FILE] [--write-baseline FILE] [--srcroot DIR]\n"
          "                [--exit-status race|program] -- PROG ARGS...\n"
          "\n"
          "Runs PROG (built with gomm cc) and every process it starts under the race checker,\n"
          "prints the races found (text on stderr, other formats on stdout, unless --out),\n"
          "and exits 66 when there is a race that is neither suppressed\n"
          "nor in the baseline, 2 on a usage or tool error (or when PROG was not built with\n"
          "gomm cc), else PROG's own exit status. With --exit-status=program it exits with\n"
          "PROG's own status even when races were found (they are still reported).\n",
          f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("gomm run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

/* Returns 0, or an exit status (2 for errors, 0 after --help: *done). */
static int parse_args(int argc, char **argv, opts *o, bool *done)
{
    *done = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            *done = true;
            return 0;
        }
        if (a[0] != '-' || !a[1])
            break; /* PROG */
        static const char *const names[] = {"--format",     "--out",     "--suppressions",
                                            "--baseline",   "--srcroot", "--write-baseline",
                                            "--exit-status"};
        const char *value = NULL;
        size_t which = sizeof names / sizeof names[0];
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            size_t n = strlen(names[k]);
            if (!strncmp(a, names[k], n) && (a[n] == '\0' || a[n] == '=')) {
                which = k;
                if (a[n] == '=') {
                    value = a + n + 1;
                } else if (i + 1 < argc) {
                    value = argv[++i];
                } else {
                    return usage_error("option '%s' needs a value", names[k]);
                }
                break;
            }
        }
        if (which == sizeof names / sizeof names[0])
            return usage_error("unknown option '%s'", a);
        if (!*value)
            return usage_error("option '%s' needs a non-empty value", names[which]);
        switch (which) {
        case 0:
            if (!strcmp(value, "text"))
                o->format = F_TEXT;
            else if (!strcmp(value, "json"))
                o->format = F_JSON;
            else if (!strcmp(value, "sarif"))
                o->format = F_SARIF;
            else if (!strcmp(value, "junit"))
                o->format = F_JUNIT;
            else
                return usage_error("--format: '%s' is not one of text, json, sarif, junit", value);
            break;
        case 1:
            o->out = value;
            break;
        case 2:
            o->suppressions = value;
            break;
        case 3:
            o->baseline = value;
            break;
        case 4:
            o->srcroot = value;
            break;
        case 5:
            o->write_baseline = value;
            break;
        case 6:
            if (!strcmp(value, "program"))
                o->program_status = true;
            else if (!strcmp(value, "race"))
                o->program_status = false;
            else
                return usage_error("--exit-status: '%s' is not one of race, program", value);
            break;
        }
    }
    if (i >= argc)
        return usage_error("%s", "no program to run (gomm run [options] -- PROG ARGS...)");
    o->prog = argv + i;
    return 0;
}

/* ---- GOMM_OPTIONS ---- */

/* A value for GOMM_OPTIONS, quoted when it holds a separator; NULL when
 * it cannot be written (holds both quote characters). */
static char *option_value(const char *v)
{
    if (!strpbrk(v, ":, \t\r\n") && v[0] != '"' && v[0] != '\'')
        return xstrdup(v);
    if (!strchr(v, '"'))
        return xasprintf("\"%s\"", v);
    if (!strchr(v, '\''))
        return xasprintf("'%s'", v);
    return NULL;
}

/* ---- the temporary directory ---- */

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = xasprintf("%s/%s", dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---- running PROG ---- */

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
}

/* Runs PROG and waits: its status (128+N for signal N); -1 when it could
 * not be started (message printed). */
static int run_program(char **prog, pid_t *pid_out)
{
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0) {
        fprintf(stderr, "gomm run: pipe: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "gomm run: fork: %s\n", strerror(errno));
        close(ep[0]);
        close(ep[1]);
        return -1;
    }
    if (pid == 0) {
        close(ep[0]);
        execvp(prog[0], prog);
        int err = errno;
        ssize_t w = write(ep[1], &err, sizeof err);
        (void)w;
        _exit(127);
    }
    close(ep[1]);
    *pid_out = pid;
    child_pid = pid;
    struct sigaction fwd = {0}, ign = {0}, old[4];
    fwd.sa_handler = forward_signal;
    sigemptyset(&fwd.sa_mask);
    fwd.sa_flags = SA_RESTART;
    ign.sa_handler = SIG_IGN;
    /* the terminal sends INT and QUIT to PROG too: gomm run outlives it */
    sigaction(SIGTERM, &fwd, &old[0]);
    sigaction(SIGHUP, &fwd, &old[1]);
    sigaction(SIGINT, &ign, &old[2]);
    sigaction(SIGQUIT, &ign, &old[3]);
    int err = 0;
    ssize_t n;
    while ((n = read(ep[0], &err, sizeof err)) < 0 && errno == EINTR)
        ;
    close(ep[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    child_pid = 0;
    sigaction(SIGTERM, &old[0], NULL);
    sigaction(SIGHUP, &old[1], NULL);
    sigaction(SIGINT, &old[2], NULL);
    sigaction(SIGQUIT, &old[3], NULL);
    if (n == (ssize_t)sizeof err) {
        fprintf(stderr, "gomm run: cannot run '%s': %s\n", prog[0], strerror(err));
        return -1;
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 1;
}

/* ---- keys ---- */

/* "FILE:LINE" without ":LINE", "MODULE+0xOFF" without "+0xOFF". */
static char *loosen(const char *loc)
{
    char *s = xstrdup(loc);
    char *colon = strrchr(s, ':');
    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        *colon = '\0';
        return s;
    }
    char *plus = strstr(s, "+0x");
    if (plus) {
        char *next;
        while ((next = strstr(plus + 1, "+0x")))
            plus = next;
        if (strspn(plus + 3, "0123456789abcdefABCDEF") == strlen(plus + 3))
            *plus = '\0';
    }
    return s;
}

/* One side of a key: FUNCTION \t LOCATION. */
static char *side_of(const jval *f, const char *srcroot)
{
    if (!f)
        return xstrdup("?\t?");
    const char *fn = json_str(json_get(f, "function"), "?");
    const char *file = json_str(json_get(f, "file"), NULL);
    const char *module = json_str(json_get(f, "module"), NULL);
    if (file) {
        char *rel = rel_path(file, srcroot);
        long long line = json_int(json_get(f, "line"), 0);
        char *s = xasprintf("%s\t%s:%lld", fn, rel, line);
        free(rel);
        return s;
    }
    if (module) {
        const char *base = strrchr(module, '/');
        return xasprintf("%s\t%s+0x%llx", fn, base ? base + 1 : module,
                         json_hex(json_get(f, "offset"), 0));
    }
    return xasprintf("%s\t?", fn);
}

static char *loose_side(const char *side)
{
    const char *tab = strchr(side, '\t');
    if (!tab)
        return xstrdup(side);
    char *loc = loosen(tab + 1);
    char *s = xasprintf("%.*s\t%s", (int)(tab - side), side, loc);
    free(loc);
    return s;
}

static char *join_key(const char *type, const char *a, const char *b)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    return xasprintf("%s\t%s\t%s", type, a, b);
}

/* Sets key and loose_key from the two sides. */
static void make_keys(const char *type, const char *a, const char *b, char **key, char **loose)
{
    *key = join_key(type, a, b);
    char *la = loose_side(a), *lb = loose_side(b);
    *loose = join_key(type, la, lb);
    free(la);
    free(lb);
}

/* ---- the baseline ----
 *
 * A text file, one known race a line, five tab-separated fields:
 *     TYPE  FUNCTION  LOCATION  FUNCTION  LOCATION
 * for the two accesses' first frames outside the race runtime, sides in
 * byte order. LOCATION is FILE:LINE (FILE relative to the source root when
 * under it), MODULE+0xOFFSET without debug information, or '?'. Blank
 * lines and lines starting with '#' are ignored. A race is known when its
 * key equals an entry's; an entry that no race matched exactly also takes
 * one race with the same functions and files but other lines (code moved
 * by an edit). */

typedef struct entry {
    char *key, *loose_key;
    bool exact, absorbed;
} entry;

typedef struct baseline {
    entry *v;
    size_t n;
} baseline;

static bool load_baseline(const char *path, baseline *bl)
{
    char *text = read_file(path, NULL);
    if (!text) {
        fprintf(stderr, "gomm run: --baseline: cannot read '%s': %s\n", path, strerror(errno));
        return false;
    }
    int lineno = 0;
    bool ok = true;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (!len || line[0] == '#')
            continue;
        char *f[6];
        int nf = 0;
        for (char *p = line; nf < 6;) {
            f[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (nf != 5) {
            fprintf(stderr,
                    "gomm run: %s:%d: expected 5 tab-separated fields (TYPE FUNCTION LOCATION "
                    "FUNCTION LOCATION)\n",
                    path, lineno);
            ok = false;
            break;
        }
        char *a = xasprintf("%s\t%s", f[1], f[2]);
        char *b = xasprintf("%s\t%s", f[3], f[4]);
        bl->v = xrealloc(bl->v, (bl->n + 1) * sizeof *bl->v);
        entry *e = &bl->v[bl->n++];
        memset(e, 0, sizeof *e);
        make_keys(f[0], a, b, &e->key, &e->loose_key);
        free(a);
        free(b);
    }
    free(text);
    return ok;
}

static void apply_baseline(run_result *r, baseline *bl)
{
    for (size_t i = 0; i < r->nraces; i++) {
        race *rc = &r->races[i];
        if (!rc->obj)
            continue;
        for (size_t j = 0; j < bl->n; j++) {
            if (!strcmp(rc->key, bl->v[j].key)) {
                bl->v[j].exact = true;
                rc->known = true;
            }
        }
    }
    for (size_t i = 0; i < r->nraces; i++) {
        race *rc = &r->races[i];
        if (!rc->obj || rc->known)
            continue;
        for (size_t j = 0; j < bl->n; j++) {
            entry *e = &bl->v[j];
            if (!e->exact && !e->absorbed && !strcmp(rc->loose_key, e->loose_key)) {
                e->absorbed = true;
                rc->known = true;
                break;
            }
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every race of this run, plus the entries of the old baseline that this
 * run did not see (races come and go with the schedule). */
static bool write_baseline(const char *path, const run_result *r, const baseline *bl)
{
    strvec keys = {0};
    for (size_t i = 0; i < r->nraces; i++)
        if (r->races[i].obj)
            sv_push(&keys, r->races[i].key);
    for (size_t j = 0; j < bl->n; j++)
        if (!bl->v[j].exact && !bl->v[j].absorbed)
            sv_push(&keys, bl->v[j].key);
    if (keys.n)
        qsort(keys.v, keys.n, sizeof *keys.v, cmp_str);
    char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL;
    if (f) {
        fputs("# gomm run baseline: known races, one a line (docs/ci.md). Tab-separated:\n"
              "# TYPE\tFUNCTION\tFILE:LINE\tFUNCTION\tFILE:LINE\n",
              f);
        for (size_t i = 0; i < keys.n; i++)
            if (i == 0 || strcmp(keys.v[i], keys.v[i - 1]))
                fprintf(f, "%s\n", keys.v[i]);
        ok = fflush(f) == 0 && !ferror(f);
        ok = fclose(f) == 0 && ok;
        ok = ok && rename(tmp, path) == 0;
    }
    if (!ok) {
        fprintf(stderr, "gomm run: --write-baseline: cannot write '%s': %s\n", path,
                strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    sv_free(&keys);
    return ok;
}

/* ---- collecting the reports ---- */

typedef struct collected {
    int top_count, top_exitcode; /* PROG's own "reported" line */
    int top_program_status;      /* what PROG passed to exit(), -1 unknown */
} collected;

static void add_race(run_result *r, race *rc)
{
    for (size_t i = 0; i < r->nraces; i++) {
        if (rc->obj && r->races[i].obj && !strcmp(r->races[i].key, rc->key)) {
            json_free(rc->obj);
            free(rc->raw);
            free(rc->origin);
            free(rc->key);
            free(rc->loose_key);
            return; /* the same race in another process */
        }
    }
    r->races = xrealloc(r->races, (r->nraces + 1) * sizeof *r->races);
    r->races[r->nraces++] = *rc;
}

static void parse_line(run_result *r, collected *c, const char *origin, char *line, int pid,
                       pid_t top)
{
    const char *err = NULL;
    jval *o = json_parse(line, strlen(line), &err);
    const char *type = json_str(json_get(o, "type"), NULL);
    if (o && type && !strcmp(type, "reported")) {
        if (pid == top) {
            c->top_count = (int)json_int(json_get(o, "count"), 0);
            c->top_exitcode = (int)json_int(json_get(o, "exitcode"), RACE_EXIT);
            c->top_program_status = (int)json_int(json_get(o, "program_status"), -1);
        }
        const jval *s = json_get(o, "suppressions");
        for (size_t i = 0; i < json_len(s); i++)
            r->suppressed += json_int(json_get(json_at(s, i), "hits"), 0);
        json_free(o);
        return;
    }
    race rc = {0};
    rc.raw = xstrdup(line);
    rc.origin = xstrdup(origin);
    rc.pid = pid;
    if (!o || !type || !json_get(o, "current")) {
        fprintf(stderr, "gomm run: %s: not a race report (%s); counted as a race\n", origin,
                o ? "no type or accesses" : err);
        json_free(o);
        rc.type = "unreadable report";
        rc.key = xasprintf("unreadable\t%s", origin);
        rc.loose_key = xstrdup(rc.key);
        add_race(r, &rc);
        return;
    }
    rc.obj = o;
    rc.type = type;
    rc.top[0] = top_user_frame(json_get(json_get(o, "current"), "stack"));
    rc.top[1] = top_user_frame(json_get(json_get(o, "previous"), "stack"));
    char *a = side_of(rc.top[0], r->srcroot), *b = side_of(rc.top[1], r->srcroot);
    make_keys(type, a, b, &rc.key, &rc.loose_key);
    free(a);
    free(b);
    add_race(r, &rc);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static bool collect(const char *dir, run_result *r, collected *c, pid_t top)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "gomm run: cannot read %s: %s\n", dir, strerror(errno));
        return false;
    }
    int *pids = NULL;
    size_t npids = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strncmp(e->d_name, "mark.", 5)) {
            r->processes++;
        } else if (!strncmp(e->d_name, "r.", 2)) {
            pids = xrealloc(pids, (npids + 1) * sizeof *pids);
            pids[npids++] = atoi(e->d_name + 2);
        }
    }
    closedir(d);
    if (npids)
        qsort(pids, npids, sizeof *pids, cmp_int);
    bool ok = true;
    for (size_t i = 0; i < npids; i++) {
        char *path = xasprintf("%s/r.%d", dir, pids[i]);
        char *text = read_file(path, NULL);
        if (!text) {
            fprintf(stderr, "gomm run: cannot read %s: %s\n", path, strerror(errno));
            ok = false;
            free(path);
            continue;
        }
        int lineno = 0;
        for (char *line = text, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            lineno++;
            if (!*line)
                continue;
            char *origin = xasprintf("r.%d:%d", pids[i], lineno);
            parse_line(r, c, origin, line, pids[i], top);
            free(origin);
        }
        free(text);
        free(path);
    }
    free(pids);
    return ok;
}

static void free_result(run_result *r)
{
    for (size_t i = 0; i < r->nraces; i++) {
        json_free(r->races[i].obj);
        free(r->races[i].raw);
        free(r->races[i].origin);
        free(r->races[i].key);
        free(r->races[i].loose_key);
    }
    free(r->races);
}

static void free_baseline(baseline *bl)
{
    for (size_t i = 0; i < bl->n; i++) {
        free(bl->v[i].key);
        free(bl->v[i].loose_key);
    }
    free(bl->v);
}

/* ---- the subcommand ---- */

static bool write_output(FILE *f, const char *name, const sbuf *b)
{
    if (b->len && fwrite(b->s, 1, b->len, f) != b->len) {
        fprintf(stderr, "gomm run: cannot write %s: %s\n", name, strerror(errno));
        return false;
    }
    if (fflush(f) != 0) {
        fprintf(stderr, "gomm run: cannot write %s: %s\n", name, strerror(errno));
        return false;
    }
    return true;
}

static int gomm_run(const opts *o)
{
    run_result r = {0};
    baseline bl = {0};
    char srcroot[PATH_MAX];
    const char *root = o->srcroot ? o->srcroot : ".";
    if (!realpath(root, srcroot)) {
        fprintf(stderr, "gomm run: --srcroot: '%s': %s\n", root, strerror(errno));
        return 2;
    }
    r.srcroot = srcroot;
    r.program = o->prog[0];
    if (o->baseline && !load_baseline(o->baseline, &bl)) {
        free_baseline(&bl);
        return 2;
    }
    char supp[PATH_MAX] = "";
    if (o->suppressions) {
        if (!realpath(o->suppressions, supp) || access(supp, R_OK) != 0) {
            fprintf(stderr, "gomm run: --suppressions: cannot read '%s': %s\n", o->suppressions,
                    strerror(errno));
            free_baseline(&bl);
            return 2;
        }
    }
    /* text reports where TSan writes them; documents where they can be
     * redirected */
    FILE *out = o->format == F_TEXT ? stderr : stdout;
    const char *out_name = o->format == F_TEXT ? "the standard error" : "the standard output";
    if (o->out) {
        out_name = o->out;
        out = fopen(o->out, "w");
        if (!out) {
            fprintf(stderr, "gomm run: --out: cannot write '%s': %s\n", o->out, strerror(errno));
            free_baseline(&bl);
            return 2;
        }
    }

    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/gomm-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int rc = 2;
    if (!mkdtemp(dir)) {
        fprintf(stderr, "gomm run: cannot create a temporary directory %s: %s\n", dir,
                strerror(errno));
        goto out;
    }
    char *mark = xasprintf("%s/mark", dir);
    char *log = xasprintf("%s/r", dir);
    char *log_v = option_value(log);
    char *supp_v = o->suppressions ? option_value(supp) : NULL;
    if (!log_v || (o->suppressions && !supp_v) || strlen(log) > 511 || strlen(supp) > 511) {
        fprintf(stderr, "gomm run: the temporary or suppressions path is too long or holds both "
                        "quote characters\n");
        free(mark);
        free(log);
        free(log_v);
        free(supp_v);
        remove_dir(dir);
        goto out;
    }
    const char *user = getenv("GOMM_OPTIONS");
    sbuf env = {0};
    if (user && *user)
        sb_printf(&env, "%s:", user);
    sb_printf(&env, "report_format=json:log_path=%s:print_suppressions=1", log_v);
    if (supp_v)
        sb_printf(&env, ":suppressions=%s", supp_v);
    setenv("GOMM_OPTIONS", env.s, 1);
    setenv("GOMM_RUN_MARK", mark, 1);
    sb_free(&env);
    free(mark);
    free(log);
    free(log_v);
    free(supp_v);

    pid_t top = -1;
    int status = run_program(o->prog, &top);
    if (status < 0) {
        remove_dir(dir);
        goto out;
    }
    r.program_status = status;
    collected c = {0};
    bool ok = collect(dir, &r, &c, top);
    remove_dir(dir);
    if (!ok)
        goto out;
    if (r.processes == 0) {
        fprintf(stderr,
                "gomm run: %s was not built with gomm cc (no process of the run loaded the race "
                "runtime)\n",
                o->prog[0]);
        if (status)
            fprintf(stderr, "gomm run: %s exited with status %d\n", o->prog[0], status);
        goto out;
    }

    apply_baseline(&r, &bl);
    if (o->write_baseline) {
        if (!write_baseline(o->write_baseline, &r, &bl))
            goto out;
        for (size_t i = 0; i < r.nraces; i++)
            if (r.races[i].obj)
                r.races[i].known = true;
    }
    for (size_t i = 0; i < r.nraces; i++) {
        if (r.races[i].known)
            r.nknown++;
        else
            r.nnew++;
    }
    /* PROG's own failure, unless the runtime set the status for races */
    bool runtime_status = c.top_count > 0 && status == c.top_exitcode;
    /* PROG's own status: what it passed to exit() when the runtime
     * replaced it with exitcode */
    int own = status;
    if (runtime_status)
        own = c.top_program_status >= 0 ? c.top_program_status : 0;
    if (o->program_status)
        rc = own;
    else if (r.nnew > 0)
        rc = RACE_EXIT;
    else
        rc = own;
    r.exit_status = rc;

    sbuf doc = {0};
    switch (o->format) {
    case F_TEXT:
        format_text(&doc, &r);
        break;
    case F_JSON:
        format_json(&doc, &r);
        break;
    case F_SARIF:
        format_sarif(&doc, &r);
        break;
    case F_JUNIT:
        format_junit(&doc, &r);
        break;
    }
    if (!write_output(out, out_name, &doc))
        rc = 2;
    sb_free(&doc);

    if (o->write_baseline)
        fprintf(stderr, "gomm run: wrote %zu race%s to %s\n", r.nknown, r.nknown == 1 ? "" : "s",
                o->write_baseline);
    if (r.nnew == 0 && r.nknown == 0)
        fprintf(stderr, "gomm run: no races (%d process%s checked)\n", r.processes,
                r.processes == 1 ? "" : "es");
    else
        fprintf(stderr,
                "gomm run: %zu new race%s, %zu known from the baseline (%d process%s checked)\n",
                r.nnew, r.nnew == 1 ? "" : "s", r.nknown, r.processes,
                r.processes == 1 ? "" : "es");
    if (r.suppressed)
        fprintf(stderr, "gomm run: %ld report%s suppressed\n", r.suppressed,
                r.suppressed == 1 ? "" : "s");
    if (status != 0 && !runtime_status)
        fprintf(stderr, "gomm run: %s exited with status %d%s\n", o->prog[0], status,
                r.nnew ? "" : " (no new race)");

out:
    if (o->out && out) {
        if (fclose(out) != 0) {
            fprintf(stderr, "gomm run: cannot write %s: %s\n", o->out, strerror(errno));
            rc = 2;
        }
    }
    free(dir);
    free_result(&r);
    free_baseline(&bl);
    return rc;
}

int gomm_run_main(int argc, char **argv)
{
    opts o = {0};
    bool done;
    int rc = parse_args(argc, argv, &o, &done);
    if (rc || done)
        return rc;
    return gomm_run(&o);
}
