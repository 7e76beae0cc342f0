/*
 * checker/options.c — the checker's run-time options (see options.h).
 *
 * One table describes every option: its name, its kind (boolean, bounded
 * integer, string of a bounded length, an enumeration, or accepted and
 * ignored for TSAN_OPTIONS compatibility), where it lives in gm_options and
 * a one-line description for help=1. gm_options_parse walks the text in
 * place: a name runs up to '=' or a separator (':' ',' space, tab, CR, LF);
 * a value runs up to the next separator, or, when it opens with '"' or
 * '\'', up to the matching quote (no escapes), so paths holding ':' or
 * spaces can be given. Values are (pointer, length) slices of the caller's
 * text; only a string option's value is copied, into its fixed field, after
 * a length check. Nothing here allocates: messages are formatted into the
 * caller's buffer and help=1 is written to fd 2 from a stack buffer.
 *
 * Invariants: every string field stays NUL-terminated and zero-padded (two
 * gm_options holding the same settings compare equal bytewise); an option is either
 * applied whole or not at all (a bad value leaves its field untouched, but
 * options before it in the same text have been applied).
 *
 * Locking: none. Options are loaded once at checker start-up, before any
 * other thread exists, and read-only afterwards.
 */
#define _GNU_SOURCE
#include "options.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../alloc/fatal.h"

/* The program's hook, as TSan has it. Weak and default visibility: it
 * resolves to the program's definition, or to NULL when there is none. */
extern const char *__tsan_default_options(void) __attribute__((weak, visibility("default")));

enum opt_kind {
    K_BOOL,
    K_INT,
    K_STR,
    K_FORMAT,  /* report_format: text|json */
    K_NAME,    /* report_name: ThreadSanitizer|gomm -> tsan_header */
    K_HELP,    /* help=1: print the table to stderr */
    K_IGNORED, /* a TSan option gomm does not implement: any value */
};

typedef struct opt {
    const char *name;
    enum opt_kind kind;
    size_t off;  /* offset in gm_options (not for K_HELP, K_IGNORED) */
    size_t size; /* K_STR: the field's size, NUL included */
    int min, max;
    const char *desc;
} opt;

/* clang-format off */
#define OFF(f)                offsetof(gm_options, f)
#define BOOL_OPT(f, d)        {#f, K_BOOL, OFF(f), 0, 0, 0, d}
#define INT_OPT(f, lo, hi, d) {#f, K_INT, OFF(f), 0, lo, hi, d}
#define STR_OPT(f, d)         {#f, K_STR, OFF(f), sizeof(((gm_options *)0)->f), 0, 0, d}
#define IGNORED_OPT(n)        {n, K_IGNORED, 0, 0, 0, 0, NULL}
/* clang-format on */

static const opt opts[] = {
    BOOL_OPT(halt_on_error, "exit with exitcode after the first report"),
    INT_OPT(exitcode, 0, 255, "exit status of a program that reported races"),
    STR_OPT(log_path, "where reports go: \"\" or stderr, stdout, else the file <log_path>.<pid>"),
    INT_OPT(history_size, 0, 7,
            "per-thread history of 2^(13+history_size) events of 16 B (older stacks)"),
    STR_OPT(suppressions, "suppressions file (TSan syntax; docs/race-options.md)"),
    BOOL_OPT(print_suppressions, "at exit, list the suppressions that matched and how often"),
    {"report_format", K_FORMAT, OFF(report_format), 0, 0, 0,
     "text (ThreadSanitizer's layout) or json (one object a line)"},
    {"report_name", K_NAME, OFF(tsan_header), 0, 0, 0,
     "tool name in report headers: ThreadSanitizer or gomm"},
    STR_OPT(strip_path_prefix, "removed from the start of file names in reports"),
    BOOL_OPT(report_atomic_races, "report races between an atomic and a plain access"),
    BOOL_OPT(symbolize, "symbolize stacks (0: module+offset only)"),
    INT_OPT(verbosity, 0, 3, "0 quiet; 1 start-up line and exit summary; 2-3 more detail"),
    BOOL_OPT(report_bugs, "0: detect races but print nothing"),
    INT_OPT(max_threads, 64, 16383, "thread slots that can be live at once"),
    INT_OPT(perturb, 0, 1000,
            "per mille of gomm sync points that first yield or spin (scheduling noise)"),
    INT_OPT(perturb_seed, 0, 2147483647, "seed of perturb's choices (0: a fresh one each run)"),
    {"help", K_HELP, 0, 0, 0, 0, "print this list to stderr, then run"},
    /* TSan's, accepted so existing TSAN_OPTIONS keep working; no effect */
    IGNORED_OPT("detect_deadlocks"),
    IGNORED_OPT("second_deadlock_stack"),
    IGNORED_OPT("report_signal_unsafe"),
    IGNORED_OPT("report_thread_leaks"),
    IGNORED_OPT("report_destroy_locked"),
    IGNORED_OPT("report_mutex_bugs"),
    IGNORED_OPT("suppress_equal_stacks"),
    IGNORED_OPT("atexit_sleep_ms"),
    IGNORED_OPT("io_sync"),
    IGNORED_OPT("die_after_fork"),
    IGNORED_OPT("flush_memory_ms"),
    IGNORED_OPT("memory_limit_mb"),
    IGNORED_OPT("force_seq_cst_atomics"),
    IGNORED_OPT("ignore_noninstrumented_modules"),
    IGNORED_OPT("abort_on_error"),
    IGNORED_OPT("stack_trace_format"),
    IGNORED_OPT("external_symbolizer_path"),
};

#define NOPTS (sizeof opts / sizeof opts[0])

/* Longest name or value quoted back in a message. */
#define SHOW_MAX 64

void gm_options_defaults(gm_options *o)
{
    memset(o, 0, sizeof *o);
    o->halt_on_error = false;
    o->exitcode = 66;
    o->log_path[0] = '\0';
    o->history_size = 2;
    o->suppressions[0] = '\0';
    o->print_suppressions = false;
    o->report_format = GM_FORMAT_TEXT;
    o->tsan_header = true;
    o->strip_path_prefix[0] = '\0';
    o->report_atomic_races = true;
    o->symbolize = true;
    o->verbosity = 0;
    o->report_bugs = true;
    o->max_threads = 8192;
}

static bool is_sep(char c)
{
    return c == ':' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool slice_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(p, word, n) == 0;
}

static const opt *find_opt(const char *name, size_t n)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (slice_is(name, n, opts[i].name))
            return &opts[i];
    return NULL;
}

/* How much of a slice a message quotes. */
static int show_len(size_t n)
{
    return n > SHOW_MAX ? SHOW_MAX : (int)n;
}

static const char *show_more(size_t n)
{
    return n > SHOW_MAX ? "..." : "";
}

static int fail(char *err, size_t errlen, const char *fmt, ...) GM_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int parse_bool(const char *v, size_t n, bool *out)
{
    if (slice_is(v, n, "1") || slice_is(v, n, "true") || slice_is(v, n, "yes")) {
        *out = true;
        return 0;
    }
    if (slice_is(v, n, "0") || slice_is(v, n, "false") || slice_is(v, n, "no")) {
        *out = false;
        return 0;
    }
    return -1;
}

/* Decimal digits only (no sign, no spaces), within [min, max]. */
static int parse_int(const char *v, size_t n, int min, int max, int *out)
{
    if (n == 0)
        return -1;
    long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (v[i] - '0');
        if (x > max)
            return -1;
    }
    if (x < min)
        return -1;
    *out = (int)x;
    return 0;
}

/* Apply one name=value. */
static int apply(gm_options *o, const opt *op, const char *v, size_t n, const char *src, char *err,
                 size_t errlen)
{
    char *base = (char *)o;
    switch (op->kind) {
    case K_BOOL:
    case K_HELP: {
        bool b;
        if (parse_bool(v, n, &b) < 0)
            return fail(err, errlen, "%s: %s: '%.*s%s' is not a boolean (0/1, true/false, yes/no)",
                        src, op->name, show_len(n), v, show_more(n));
        if (op->kind == K_HELP) {
            if (b)
                gm_options_print_help(2);
        } else {
            *(bool *)(base + op->off) = b;
        }
        return 0;
    }
    case K_INT: {
        int x;
        if (parse_int(v, n, op->min, op->max, &x) < 0)
            return fail(err, errlen, "%s: %s: '%.*s%s' is not an integer in %d..%d", src, op->name,
                        show_len(n), v, show_more(n), op->min, op->max);
        *(int *)(base + op->off) = x;
        return 0;
    }
    case K_STR: {
        if (n >= op->size)
            return fail(err, errlen, "%s: %s: value is too long (%zu bytes; at most %zu)", src,
                        op->name, n, op->size - 1);
        memcpy(base + op->off, v, n);
        memset(base + op->off + n, 0, op->size - n);
        return 0;
    }
    case K_FORMAT:
        if (slice_is(v, n, "text"))
            o->report_format = GM_FORMAT_TEXT;
        else if (slice_is(v, n, "json"))
            o->report_format = GM_FORMAT_JSON;
        else
            return fail(err, errlen, "%s: %s: '%.*s%s' is not one of text, json", src, op->name,
                        show_len(n), v, show_more(n));
        return 0;
    case K_NAME:
        if (slice_is(v, n, "ThreadSanitizer"))
            o->tsan_header = true;
        else if (slice_is(v, n, "gomm"))
            o->tsan_header = false;
        else
            return fail(err, errlen, "%s: %s: '%.*s%s' is not one of ThreadSanitizer, gomm", src,
                        op->name, show_len(n), v, show_more(n));
        return 0;
    case K_IGNORED:
        return 0;
    }
    return 0;
}

int gm_options_parse(gm_options *o, const char *text, const char *source, char *err, size_t errlen)
{
    const char *src = source ? source : "options";
    if (err && errlen)
        err[0] = '\0';
    if (!text)
        return 0;
    const char *p = text;
    for (;;) {
        while (is_sep(*p))
            p++;
        if (*p == '\0')
            return 0;
        /* the name: up to '=' or a separator */
        const char *name = p;
        while (*p && *p != '=' && !is_sep(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        if (nlen == 0) /* "=value" */
            return fail(err, errlen, "%s: expected an option name before '='", src);
        const opt *op = find_opt(name, nlen);
        if (!op)
            return fail(err, errlen, "%s: unknown option '%.*s%s'", src, show_len(nlen), name,
                        show_more(nlen));
        if (*p != '=')
            return fail(err, errlen, "%s: %s: missing value (expected %s=VALUE)", src, op->name,
                        op->name);
        p++;
        /* the value: quoted up to the matching quote, else up to a separator */
        const char *v;
        size_t vlen;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            v = p;
            const char *close = strchr(p, q);
            if (!close)
                return fail(err, errlen, "%s: %s: unterminated %s-quoted value", src, op->name,
                            q == '"' ? "double" : "single");
            vlen = (size_t)(close - v);
            p = close + 1;
            if (*p != '\0' && !is_sep(*p))
                return fail(err, errlen, "%s: %s: expected a separator after the quoted value", src,
                            op->name);
        } else {
            v = p;
            while (*p && !is_sep(*p))
                p++;
            vlen = (size_t)(p - v);
        }
        if (apply(o, op, v, vlen, src, err, errlen) < 0)
            return -1;
    }
}

/* help=1: one line an option, "name=default  description". */
static size_t format_default(const opt *op, const gm_options *d, char *buf, size_t len)
{
    const char *base = (const char *)d;
    int n = 0;
    switch (op->kind) {
    case K_BOOL:
        n = snprintf(buf, len, "%s=%d", op->name, *(const bool *)(base + op->off));
        break;
    case K_INT:
        n = snprintf(buf, len, "%s=%d", op->name, *(const int *)(base + op->off));
        break;
    case K_STR:
        n = snprintf(buf, len, "%s=\"%s\"", op->name, base + op->off);
        break;
    case K_FORMAT:
        n = snprintf(buf, len, "%s=%s", op->name,
                     d->report_format == GM_FORMAT_JSON ? "json" : "text");
        break;
    case K_NAME:
        n = snprintf(buf, len, "%s=%s", op->name, d->tsan_header ? "ThreadSanitizer" : "gomm");
        break;
    case K_HELP:
        n = snprintf(buf, len, "%s=0", op->name);
        break;
    case K_IGNORED:
        n = snprintf(buf, len, "%s", op->name);
        break;
    }
    if (n < 0)
        n = 0;
    return (size_t)n < len ? (size_t)n : len - 1;
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

void gm_options_print_help(int fd)
{
    gm_options d;
    gm_options_defaults(&d);
    char line[512];
    static const char head[] =
        "gomm race checker options, name=value separated by ':' ',' or spaces; sources in\n"
        "order (later wins): __tsan_default_options(), TSAN_OPTIONS, GOMM_OPTIONS\n";
    write_all(fd, head, sizeof head - 1);
    bool ignored_head = false;
    size_t col = 0;
    for (size_t i = 0; i < NOPTS; i++) {
        const opt *op = &opts[i];
        if (op->kind == K_IGNORED) {
            if (!ignored_head) {
                static const char ih[] =
                    "accepted for TSAN_OPTIONS compatibility, and ignored (any value):\n ";
                write_all(fd, ih, sizeof ih - 1);
                ignored_head = true;
                col = 1;
            }
            size_t nl = strlen(op->name);
            if (col + 1 + nl > 78) {
                write_all(fd, "\n ", 2);
                col = 1;
            }
            write_all(fd, " ", 1);
            write_all(fd, op->name, nl);
            col += 1 + nl;
            continue;
        }
        size_t n = format_default(op, &d, line, sizeof line);
        int pad = n < 30 ? (int)(30 - n) : 1;
        int m = snprintf(line + n, sizeof line - n, "%*s%s\n", pad, "", op->desc);
        if (m < 0)
            m = 0;
        n += (size_t)m;
        if (n >= sizeof line)
            n = sizeof line - 1;
        write_all(fd, "  ", 2);
        write_all(fd, line, n);
    }
    if (ignored_head)
        write_all(fd, "\n", 1);
}

void gm_options_load(gm_options *o)
{
    char err[768];
    gm_options_defaults(o);
#ifdef GOMM_SELF_TSAN
    /* gomm's own code under the real ThreadSanitizer (CI): TSAN_OPTIONS
     * and __tsan_default_options configure that TSan, not this checker */
    static const char *const envs[] = {"GOMM_OPTIONS"};
#else
    if (__tsan_default_options) {
        const char *t = __tsan_default_options();
        if (gm_options_parse(o, t, "__tsan_default_options", err, sizeof err) < 0)
            gm_fatal("%s", err);
    }
    static const char *const envs[] = {"TSAN_OPTIONS", "GOMM_OPTIONS"};
#endif
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        const char *t = getenv(envs[i]);
        if (t && gm_options_parse(o, t, envs[i], err, sizeof err) < 0)
            gm_fatal("%s", err);
    }
}
