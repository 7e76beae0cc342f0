/*
 * checker/report.c — race reports: symbolize, suppress, deduplicate, print
 * in ThreadSanitizer's layout (or JSON), count, and set the exit status
 * (see report.h; the layout is described in docs/race-reports.md).
 *
 * A report goes through two stages. First every stack is symbolized into
 * a `symreport` (frames with inlined callees expanded, the racing global
 * named through the symbolizer). Then a renderer writes text or JSON into
 * a caller-provided buffer through a bounded appender that keeps counting
 * past the end, so the caller learns the length it needs. gm_report_format
 * runs both stages with any symbolizer (tests pass a fake one);
 * gm_report_emit runs them with the real one and adds suppressions,
 * deduplication and output.
 *
 * Invariants: nothing on this path calls malloc, free or the printf family
 * except snprintf into our own buffers (libdw, inside the symbolizer, does
 * allocate). Buffers and the dedup table come from gm_rt_alloc. The log
 * descriptor is written with write(2) only. Options are copied at init and
 * read-only afterwards. A report is deduplicated on the unordered pair of
 * its two accesses' top-frame source locations (file:line, the raw pc when
 * there is no line information) and its type.
 *
 * Locking: one pthread mutex (`report_lock`) serializes init, emit and
 * finish and protects all state here (counts, dedup table, scratch space,
 * log descriptor, suppression hit counts). It is taken before the
 * symbolizer's lock, never after it. No atomics: everything is under the
 * mutex. A fork child re-initializes it (the holder may not exist there).
 */
#define _GNU_SOURCE
#include "report.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "suppress.h"
#include "../alloc/fatal.h"

/* Frames per symbolized stack: each pc may expand into inlined frames. */
#define SYM_FRAMES    (GM_REPORT_MAX_FRAMES * 4)
#define MAX_HISTORY   7
#define FORMAT_BUFFER (64 * 1024)

/* The program may define this, as with ThreadSanitizer, to build
 * suppressions in: they apply in addition to options.suppressions. */
extern const char *__tsan_default_suppressions(void) __attribute__((weak));

/* ---- the symbolized form of a report ---- */

typedef struct sstack {
    gm_symframe f[SYM_FRAMES];
    int n;
    bool lost;
    int owner; /* whose history held it, for the "overwritten" note */
} sstack;

typedef struct symreport {
    sstack cur, prev, loc, thr[2];
    int nthr;
    bool global; /* loc resolved to a global variable */
    const char *gname, *gmodule;
    uintptr_t gstart, goffset;
    size_t gsize;
} symreport;

static void symbolize_stack(const gm_rstack *s, int owner, gm_symbolize_fn sym, sstack *out)
{
    out->n = 0;
    out->lost = s->lost;
    out->owner = owner;
    if (s->lost)
        return;
    int n = s->n < 0 ? 0 : s->n > GM_REPORT_MAX_FRAMES ? GM_REPORT_MAX_FRAMES : s->n;
    for (int i = 0; i < n && out->n < SYM_FRAMES; i++) {
        gm_symframe *f = &out->f[out->n];
        int k = sym(s->pc[i], i == 0 && s->top_exact, f, SYM_FRAMES - out->n);
        if (k <= 0) {
            memset(f, 0, sizeof *f);
            f->pc = s->pc[i];
            k = 1;
        }
        out->n += k;
    }
    /* nothing below main: the C library's start-up frames say nothing
     * (TSan strips them too) */
    for (int i = out->n - 1; i-- > 0;)
        if (out->f[i].function && !strcmp(out->f[i].function, "main")) {
            out->n = i + 1;
            break;
        }
}

static int nthreads_of(const gm_report *r)
{
    return r->nthreads < 0 ? 0 : r->nthreads > 2 ? 2 : r->nthreads;
}

static void build(const gm_report *r, const gm_options *o, gm_symbolize_fn sym, symreport *s)
{
    symbolize_stack(&r->cur.stack, r->cur.tid, sym, &s->cur);
    symbolize_stack(&r->prev.stack, r->prev.tid, sym, &s->prev);
    s->loc.n = 0;
    s->loc.lost = false;
    if (r->loc.kind == GM_LOC_HEAP)
        symbolize_stack(&r->loc.stack, r->loc.tid, sym, &s->loc);
    s->nthr = nthreads_of(r);
    for (int i = 0; i < s->nthr; i++)
        symbolize_stack(&r->threads[i].create_stack, r->threads[i].parent_tid, sym, &s->thr[i]);
    s->global = false;
    if ((r->loc.kind == GM_LOC_NONE || r->loc.kind == GM_LOC_GLOBAL) && o->symbolize)
        s->global = gm_symbolize_data(r->cur.addr, &s->gname, &s->gstart, &s->gsize, &s->gmodule,
                                      &s->goffset);
}

/* The symbolizer for symbolize=0: no names, only the module (dladdr). */
static int module_only(uintptr_t pc, bool exact, gm_symframe *out, int max)
{
    if (max <= 0)
        return 0;
    memset(out, 0, sizeof *out);
    out->pc = pc;
    uintptr_t addr = exact || pc == 0 ? pc : pc - 1;
    Dl_info di;
    if (addr && dladdr((void *)addr, &di) && di.dli_fname) {
        out->module = di.dli_fname;
        out->module_offset = addr - (uintptr_t)di.dli_fbase;
    }
    return 1;
}

/* ---- a bounded appender ---- */

typedef struct sink {
    char *buf;
    size_t len, pos; /* pos may pass len: the length needed */
} sink;

static void put(sink *k, const char *s)
{
    size_t n = strlen(s);
    if (k->pos < k->len) {
        size_t room = k->len - k->pos;
        memcpy(k->buf + k->pos, s, n < room ? n : room);
    }
    k->pos += n;
}

GM_PRINTF(2, 3) static void putf(sink *k, const char *fmt, ...)
{
    size_t room = k->pos < k->len ? k->len - k->pos : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room ? k->buf + k->pos : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        k->pos += (size_t)n;
}

static void terminate(sink *k)
{
    if (k->len == 0)
        return;
    k->buf[k->pos < k->len ? k->pos : k->len - 1] = '\0';
}

/* ---- pieces shared by both layouts ---- */

static const char *tool_name(const gm_options *o)
{
    return o->tsan_header ? "ThreadSanitizer" : "gomm";
}

static const char *type_name(enum gm_report_type t)
{
    return t == GM_REPORT_USE_AFTER_FREE ? "heap-use-after-free" : "data race";
}

/* ThreadSanitizer's strip_path_prefix: drop everything through the first
 * occurrence of the prefix, then a leading "./". */
static const char *strip_path(const char *path, const gm_options *o)
{
    if (!path || !o->strip_path_prefix[0])
        return path;
    const char *p = strstr(path, o->strip_path_prefix);
    if (!p)
        return path;
    p += strlen(o->strip_path_prefix);
    if (p[0] == '.' && p[1] == '/')
        p += 2;
    return p;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "main thread", "thread T<n>", or for a negative tid (the engine could
 * not tell: the thread's slot was reused) "unknown thread" */
static const char *thread_name(int tid, char *buf, size_t len)
{
    if (tid == 0)
        return "main thread";
    if (tid < 0)
        return "unknown thread";
    snprintf(buf, len, "thread T%d", tid);
    return buf;
}

/* The frame a SUMMARY line names: the first of the first stack that has
 * one, as ThreadSanitizer chooses it. */
static const gm_symframe *summary_frame(const symreport *s)
{
    const sstack *order[] = {&s->cur, &s->prev, &s->loc, &s->thr[0], &s->thr[1]};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (order[i] == &s->thr[1] && s->nthr < 2)
            break;
        if (order[i] == &s->thr[0] && s->nthr < 1)
            break;
        if (!order[i]->lost && order[i]->n > 0)
            return &order[i]->f[0];
    }
    return NULL;
}

/* ---- text ---- */

static void text_source(sink *k, const gm_symframe *f, const gm_options *o)
{
    if (!f->file) {
        put(k, "<null>");
        return;
    }
    put(k, strip_path(f->file, o));
    if (f->line > 0) {
        putf(k, ":%d", f->line);
        if (f->column > 0)
            putf(k, ":%d", f->column);
    }
}

static void text_module(sink *k, const gm_symframe *f)
{
    if (f->module)
        putf(k, "(%s+0x%lx)", base_name(f->module), (unsigned long)f->module_offset);
    else
        putf(k, "(0x%012lx)", (unsigned long)f->pc);
}

static void text_lost_note(sink *k, int owner, const gm_options *o)
{
    char tb[32];
    const char *who = thread_name(owner, tb, sizeof tb);
    const char *the = owner == 0 ? "the " : "";
    if (owner < 0)
        put(k, "    The thread that held this stack has finished; its history is gone.\n");
    else if (o->history_size < MAX_HISTORY)
        putf(k,
             "    The history of %s%s was overwritten: run with GOMM_OPTIONS=history_size=%d "
             "(now %d, at most %d) to keep more of it.\n",
             the, who, o->history_size < 0 ? 1 : o->history_size + 1, o->history_size, MAX_HISTORY);
    else
        putf(k, "    The history of %s%s was overwritten, even at the largest history_size (%d).\n",
             the, who, MAX_HISTORY);
}

static void text_stack(sink *k, const sstack *s, const gm_options *o)
{
    if (s->lost || s->n == 0) {
        put(k, "    [failed to restore the stack]\n");
        if (s->lost)
            text_lost_note(k, s->owner, o);
        put(k, "\n");
        return;
    }
    for (int i = 0; i < s->n; i++) {
        const gm_symframe *f = &s->f[i];
        putf(k, "    #%d %s ", i, f->function ? f->function : "<null>");
        text_source(k, f, o);
        put(k, " ");
        text_module(k, f);
        put(k, "\n");
    }
    put(k, "\n");
}

static void text_access(sink *k, const gm_raccess *a, const sstack *s, bool first,
                        const gm_options *o)
{
    bool write = a->write || a->is_free;
    const char *what;
    if (first)
        what = a->atomic ? (write ? "Atomic write" : "Atomic read") : (write ? "Write" : "Read");
    else
        what = a->atomic ? (write ? "Previous atomic write" : "Previous atomic read")
                         : (write ? "Previous write" : "Previous read");
    char tb[32];
    putf(k, "  %s of size %zu at 0x%012lx by %s:\n", what, a->size, (unsigned long)a->addr,
         thread_name(a->tid, tb, sizeof tb));
    text_stack(k, s, o);
}

static void text_location(sink *k, const gm_report *r, const symreport *s, const gm_options *o)
{
    char tb[32];
    const gm_rlocation *l = &r->loc;
    switch (l->kind) {
    case GM_LOC_HEAP:
        putf(k, "  Location is heap block of size %zu at 0x%012lx%s allocated by %s:\n", l->size,
             (unsigned long)l->start, l->freed ? " (already freed)" : "",
             thread_name(l->tid, tb, sizeof tb));
        text_stack(k, &s->loc, o);
        break;
    case GM_LOC_STACK:
        putf(k, "  Location is stack of %s.\n\n", thread_name(l->tid, tb, sizeof tb));
        break;
    case GM_LOC_TLS:
        putf(k, "  Location is TLS of %s.\n\n", thread_name(l->tid, tb, sizeof tb));
        break;
    case GM_LOC_NONE:
    case GM_LOC_GLOBAL:
        if (!s->global)
            break;
        putf(k, "  Location is global '%s' ", s->gname);
        if (s->gsize)
            putf(k, "of size %zu ", s->gsize);
        putf(k, "at 0x%012lx (%s+0x%lx)\n\n", (unsigned long)s->gstart,
             s->gmodule ? base_name(s->gmodule) : "<null>", (unsigned long)s->goffset);
        break;
    }
}

/* Has an earlier entry of r->threads the same tid? (printed once) */
static bool thread_repeated(const gm_report *r, int i)
{
    for (int j = 0; j < i; j++)
        if (r->threads[j].tid == r->threads[i].tid)
            return true;
    return false;
}

static void text_threads(sink *k, const gm_report *r, const symreport *s, const gm_options *o)
{
    for (int i = 0; i < s->nthr; i++) {
        const gm_rthread *t = &r->threads[i];
        if (t->tid == 0 || thread_repeated(r, i))
            continue; /* the main thread needs no introduction */
        /* " at:" when there is (or was, before it was lost) a stack */
        bool stack = s->thr[i].lost || s->thr[i].n > 0;
        putf(k, "  Thread T%d (tid=%ld, %s)", t->tid, t->os_tid,
             t->running ? "running" : "finished");
        if (t->parent_tid >= 0) {
            char tb[32];
            putf(k, " created by %s", thread_name(t->parent_tid, tb, sizeof tb));
            put(k, stack ? " at:\n" : "\n");
        } else if (stack) {
            put(k, " created at:\n");
        } else {
            /* adopted on its first event: started outside gomm and not
             * through an intercepted pthread_create */
            put(k, " (the checker did not see its creation)\n\n");
            continue;
        }
        text_stack(k, &s->thr[i], o);
    }
}

static void text_summary(sink *k, const gm_report *r, const symreport *s, const gm_options *o)
{
    putf(k, "SUMMARY: %s: %s", tool_name(o), type_name(r->type));
    const gm_symframe *f = summary_frame(s);
    if (f) {
        put(k, " ");
        if (f->file)
            text_source(k, f, o);
        else
            text_module(k, f);
        if (f->function)
            putf(k, " in %s", f->function);
    }
    put(k, "\n");
}

static void render_text(sink *k, const gm_report *r, const symreport *s, const gm_options *o,
                        int pid)
{
    put(k, "==================\n");
    putf(k, "WARNING: %s: %s (pid=%d)\n", tool_name(o), type_name(r->type), pid);
    text_access(k, &r->cur, &s->cur, true, o);
    text_access(k, &r->prev, &s->prev, false, o);
    text_location(k, r, s, o);
    text_threads(k, r, s, o);
    text_summary(k, r, s, o);
    put(k, "==================\n");
}

/* ---- JSON ---- */

static void json_str(sink *k, const char *s)
{
    if (!s) {
        put(k, "null");
        return;
    }
    put(k, "\"");
    const char *run = s; /* characters needing no escape go out in runs */
    for (;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (s > run) {
            size_t n = (size_t)(s - run);
            if (k->pos < k->len) {
                size_t room = k->len - k->pos;
                memcpy(k->buf + k->pos, run, n < room ? n : room);
            }
            k->pos += n;
        }
        if (c == 0)
            break;
        switch (c) {
        case '"':
            put(k, "\\\"");
            break;
        case '\\':
            put(k, "\\\\");
            break;
        case '\n':
            put(k, "\\n");
            break;
        case '\t':
            put(k, "\\t");
            break;
        case '\r':
            put(k, "\\r");
            break;
        default:
            putf(k, "\\u%04x", c);
        }
        run = s + 1;
    }
    put(k, "\"");
}

static void json_hex(sink *k, uintptr_t v)
{
    putf(k, "\"0x%lx\"", (unsigned long)v);
}

static void json_bool(sink *k, bool b)
{
    put(k, b ? "true" : "false");
}

static void json_stack(sink *k, const sstack *s, const gm_options *o)
{
    put(k, "\"stack\":[");
    for (int i = 0; i < s->n; i++) {
        const gm_symframe *f = &s->f[i];
        put(k, i ? ",{\"pc\":" : "{\"pc\":");
        json_hex(k, f->pc);
        put(k, ",\"function\":");
        json_str(k, f->function);
        put(k, ",\"file\":");
        json_str(k, strip_path(f->file, o));
        putf(k, ",\"line\":%d,\"column\":%d,\"module\":", f->line, f->column);
        json_str(k, f->module);
        put(k, ",\"offset\":");
        if (f->module)
            json_hex(k, f->module_offset);
        else
            put(k, "null");
        put(k, ",\"inlined\":");
        json_bool(k, f->inlined);
        put(k, "}");
    }
    put(k, "],\"stack_lost\":");
    json_bool(k, s->lost);
}

static void json_access(sink *k, const gm_raccess *a, const sstack *s, const gm_options *o)
{
    putf(k, "{\"op\":\"%s\",\"size\":%zu,\"addr\":", a->write || a->is_free ? "write" : "read",
         a->size);
    json_hex(k, a->addr);
    put(k, ",\"atomic\":");
    json_bool(k, a->atomic);
    put(k, ",\"free\":");
    json_bool(k, a->is_free);
    putf(k, ",\"tid\":%d,", a->tid);
    json_stack(k, s, o);
    put(k, "}");
}

static void json_location(sink *k, const gm_report *r, const symreport *s, const gm_options *o)
{
    const gm_rlocation *l = &r->loc;
    switch (l->kind) {
    case GM_LOC_HEAP:
        put(k, "{\"kind\":\"heap\",\"start\":");
        json_hex(k, l->start);
        putf(k, ",\"size\":%zu,\"tid\":%d,\"freed\":", l->size, l->tid);
        json_bool(k, l->freed);
        put(k, ",");
        json_stack(k, &s->loc, o);
        put(k, "}");
        return;
    case GM_LOC_STACK:
    case GM_LOC_TLS:
        putf(k, "{\"kind\":\"%s\",\"tid\":%d}", l->kind == GM_LOC_STACK ? "stack" : "tls", l->tid);
        return;
    case GM_LOC_NONE:
    case GM_LOC_GLOBAL:
        if (!s->global)
            break;
        put(k, "{\"kind\":\"global\",\"name\":");
        json_str(k, s->gname);
        put(k, ",\"start\":");
        json_hex(k, s->gstart);
        putf(k, ",\"size\":%zu,\"module\":", s->gsize);
        json_str(k, s->gmodule);
        put(k, ",\"offset\":");
        json_hex(k, s->goffset);
        put(k, "}");
        return;
    }
    put(k, "null");
}

static void render_json(sink *k, const gm_report *r, const symreport *s, const gm_options *o,
                        int pid)
{
    put(k, "{\"type\":");
    json_str(k, type_name(r->type));
    put(k, ",\"tool\":");
    json_str(k, tool_name(o));
    putf(k, ",\"pid\":%d,\"current\":", pid);
    json_access(k, &r->cur, &s->cur, o);
    put(k, ",\"previous\":");
    json_access(k, &r->prev, &s->prev, o);
    put(k, ",\"location\":");
    json_location(k, r, s, o);
    put(k, ",\"threads\":[");
    bool comma = false;
    for (int i = 0; i < s->nthr; i++) {
        const gm_rthread *t = &r->threads[i];
        if (thread_repeated(r, i))
            continue;
        putf(k, "%s{\"tid\":%d,\"os_tid\":%ld,\"running\":", comma ? "," : "", t->tid, t->os_tid);
        json_bool(k, t->running);
        putf(k, ",\"parent_tid\":%d,", t->parent_tid);
        json_stack(k, &s->thr[i], o);
        put(k, "}");
        comma = true;
    }
    put(k, "],\"summary\":");
    const gm_symframe *f = summary_frame(s);
    if (f) {
        put(k, "{\"file\":");
        json_str(k, strip_path(f->file, o));
        putf(k, ",\"line\":%d,\"column\":%d,\"function\":", f->line, f->column);
        json_str(k, f->function);
        put(k, "}");
    } else {
        put(k, "null");
    }
    put(k, "}\n");
}

static size_t render(const gm_report *r, const symreport *s, const gm_options *o, int pid,
                     char *buf, size_t len)
{
    sink k = {buf, len, 0};
    if (o->report_format == GM_FORMAT_JSON)
        render_json(&k, r, s, o, pid);
    else
        render_text(&k, r, s, o, pid);
    terminate(&k);
    return k.pos;
}

size_t gm_report_format(const gm_report *r, const gm_options *o, int pid, gm_symbolize_fn sym,
                        char *buf, size_t len)
{
    symreport *s = gm_rt_alloc(sizeof *s);
    build(r, o, sym ? sym : o->symbolize ? gm_symbolize : module_only, s);
    size_t need = render(r, s, o, pid, buf, len);
    gm_rt_free(s, sizeof *s);
    return need;
}

/* ---- the process-wide reporter ---- */

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static gm_options opts;
static bool have_opts, hooks_installed, finished;
static int log_fd = 2;
static bool log_owned; /* log_fd is our file (log_path.<pid>) */
static pid_t log_pid;
static gm_supp *supp_file, *supp_builtin; /* options.suppressions; the hook's */
static int nreported;
static symreport scratch;
static char *out_buf;
static size_t out_cap;

typedef struct dkey {
    uint64_t a, b;
    bool used;
} dkey;
static dkey *dtab; /* open addressing, power-of-two capacity */
static size_t dcap, dcount;

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

static void open_log(void)
{
    if (log_owned)
        close(log_fd);
    log_owned = false;
    log_fd = 2;
    const char *p = opts.log_path;
    if (!p[0] || strcmp(p, "stderr") == 0)
        return;
    if (strcmp(p, "stdout") == 0) {
        log_fd = 1;
        return;
    }
    char path[sizeof opts.log_path + 24];
    pid_t pid = getpid();
    snprintf(path, sizeof path, "%s.%d", p, (int)pid);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        char msg[sizeof path + 160], eb[96];
        const char *why = strerror_r(errno, eb, sizeof eb); /* GNU: no allocation */
        int n = snprintf(msg, sizeof msg,
                         "gomm: warning: cannot open log file '%s': %s; reports go to stderr\n",
                         path, why);
        if (n > 0)
            write_all(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
        return;
    }
    log_fd = fd;
    log_owned = true;
    log_pid = pid;
}

/* After fork the child writes to its own log_path.<pid>, as TSan does. */
static void log_follow_fork(void)
{
    if (log_owned && getpid() != log_pid)
        open_log();
}

static void load_suppressions(void)
{
    char err[640];
    if (supp_file)
        gm_supp_free(supp_file);
    if (supp_builtin)
        gm_supp_free(supp_builtin);
    supp_file = supp_builtin = NULL;
    if (opts.suppressions[0]) {
        supp_file = gm_supp_load(opts.suppressions, err, sizeof err);
        if (!supp_file)
            gm_fatal("%s", err);
    }
    if (__tsan_default_suppressions) {
        const char *text = __tsan_default_suppressions();
        if (text) {
            supp_builtin = gm_supp_parse(text, "__tsan_default_suppressions", err, sizeof err);
            if (!supp_builtin)
                gm_fatal("%s", err);
        }
    }
}

/* The status the program passed to exit() (or returned from main), -1
 * until it exits that way: the "reported" line carries it, so gomm run
 * --exit-status=program can give it back after exitcode replaced it. */
static int program_exit_status = -1;

static void at_exit(int status, void *arg)
{
    (void)arg;
    program_exit_status = status;
    gm_report_finish();
}

static void child_after_fork(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    report_lock = fresh;
}

static void ensure_options(void)
{
    if (!have_opts) {
        gm_options_defaults(&opts);
        have_opts = true;
    }
}

void gm_report_init(const gm_options *o)
{
    pthread_mutex_lock(&report_lock);
    opts = *o;
    opts.log_path[sizeof opts.log_path - 1] = '\0';
    opts.suppressions[sizeof opts.suppressions - 1] = '\0';
    opts.strip_path_prefix[sizeof opts.strip_path_prefix - 1] = '\0';
    have_opts = true;
    open_log();
    load_suppressions();
    if (!hooks_installed) {
        hooks_installed = true;
        on_exit(at_exit, NULL);
        pthread_atfork(NULL, NULL, child_after_fork);
    }
    pthread_mutex_unlock(&report_lock);
}

/* One side of the dedup key: the access's top source location. */
static uint64_t site_hash(const sstack *s, const gm_rstack *raw)
{
    uint64_t h = 1469598103934665603ull;
    if (s->n > 0 && s->f[0].file) {
        for (const char *p = s->f[0].file; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ (uint64_t)(unsigned)s->f[0].line) * 1099511628211ull;
    } else {
        uint64_t pc = !raw->lost && raw->n > 0 ? raw->pc[0] : 0;
        h = (h ^ pc ^ 0x9e3779b97f4a7c15ull) * 1099511628211ull;
    }
    return h;
}

/* True when the key was new (and is now remembered). */
static bool dedup_insert(uint64_t a, uint64_t b)
{
    if ((dcount + 1) * 2 > dcap) {
        size_t ncap = dcap ? dcap * 2 : 64;
        dkey *n = gm_rt_alloc(ncap * sizeof *n);
        for (size_t i = 0; i < dcap; i++) {
            if (!dtab[i].used)
                continue;
            size_t j = (dtab[i].a ^ dtab[i].b * 31) & (ncap - 1);
            while (n[j].used)
                j = (j + 1) & (ncap - 1);
            n[j] = dtab[i];
        }
        if (dtab)
            gm_rt_free(dtab, dcap * sizeof *dtab);
        dtab = n;
        dcap = ncap;
    }
    size_t i = (a ^ b * 31) & (dcap - 1);
    for (; dtab[i].used; i = (i + 1) & (dcap - 1))
        if (dtab[i].a == a && dtab[i].b == b)
            return false;
    dtab[i].a = a;
    dtab[i].b = b;
    dtab[i].used = true;
    dcount++;
    return true;
}

static bool is_new(const gm_report *r, const symreport *s)
{
    uint64_t x = site_hash(&s->cur, &r->cur.stack);
    uint64_t y = site_hash(&s->prev, &r->prev.stack);
    uint64_t a = x < y ? x : y, b = x < y ? y : x;
    return dedup_insert(a, b ^ ((uint64_t)r->type * 0xff51afd7ed558ccdull));
}

static bool suppressed(const symreport *s)
{
    const gm_symframe *stacks[4] = {s->cur.f, s->prev.f};
    int nframes[4] = {s->cur.n, s->prev.n};
    int n = 2;
    /* like ThreadSanitizer, a thread's creation stack also matches */
    for (int i = 0; i < s->nthr; i++) {
        stacks[n] = s->thr[i].f;
        nframes[n++] = s->thr[i].n;
    }
    const char *global = s->global ? s->gname : NULL;
    if (supp_file && gm_supp_match_race(supp_file, stacks, nframes, n, global))
        return true;
    if (supp_builtin && gm_supp_match_race(supp_builtin, stacks, nframes, n, global))
        return true;
    return false;
}

static void finish_locked(void);

bool gm_report_emit(const gm_report *r)
{
    pthread_mutex_lock(&report_lock);
    ensure_options();
    if (!opts.report_bugs) {
        pthread_mutex_unlock(&report_lock);
        return false;
    }
    build(r, &opts, opts.symbolize ? gm_symbolize : module_only, &scratch);
    if (suppressed(&scratch) || !is_new(r, &scratch)) {
        pthread_mutex_unlock(&report_lock);
        return false;
    }
    int pid = (int)getpid();
    for (;;) {
        if (!out_buf) {
            out_cap = FORMAT_BUFFER;
            out_buf = gm_rt_alloc(out_cap);
        }
        size_t need = render(r, &scratch, &opts, pid, out_buf, out_cap);
        if (need < out_cap) {
            log_follow_fork();
            write_all(log_fd, out_buf, need);
            break;
        }
        gm_rt_free(out_buf, out_cap);
        out_buf = NULL;
        out_cap = 0;
        out_buf = gm_rt_alloc(need + 1);
        out_cap = need + 1;
    }
    nreported++;
    if (opts.halt_on_error || finished) {
        /* halting; or a report after the at-exit summary (another thread
         * racing with exit): summarize again and end with exitcode */
        finished = false;
        finish_locked(); /* does not return */
    }
    pthread_mutex_unlock(&report_lock);
    return true;
}

int gm_report_count(void)
{
    pthread_mutex_lock(&report_lock);
    int n = nreported;
    pthread_mutex_unlock(&report_lock);
    return n;
}

static int matched_rules(const gm_supp *s)
{
    int n = 0;
    for (int i = 0, c = s ? gm_supp_count(s) : 0; i < c; i++)
        if (gm_supp_rule_at(s, i)->hits)
            n++;
    return n;
}

static void list_matched(sink *k, const gm_supp *s, bool json, bool *comma)
{
    for (int i = 0, c = s ? gm_supp_count(s) : 0; i < c; i++) {
        const gm_supp_rule *rule = gm_supp_rule_at(s, i);
        if (!rule->hits)
            continue;
        if (json) {
            put(k, *comma ? ",{\"type\":" : "{\"type\":");
            json_str(k, rule->type);
            put(k, ",\"pattern\":");
            json_str(k, rule->pattern);
            putf(k, ",\"hits\":%lu}", rule->hits);
        } else {
            putf(k, "Suppression matched %lu times: %s:%s\n", rule->hits, rule->type,
                 rule->pattern);
        }
        *comma = true;
    }
}

/* The closing lines: the count and, with print_suppressions, the rules that
 * matched; then the exit status when anything was reported. */
static void finish_locked(void)
{
    if (finished)
        return;
    finished = true;
    ensure_options();
    int matched =
        opts.print_suppressions ? matched_rules(supp_file) + matched_rules(supp_builtin) : 0;
    if (nreported > 0 || matched > 0) {
        static char buf[16384]; /* under report_lock */
        sink k = {buf, sizeof buf, 0};
        bool json = opts.report_format == GM_FORMAT_JSON;
        int pid = (int)getpid();
        if (json) {
            put(&k, "{\"type\":\"reported\",\"tool\":");
            json_str(&k, tool_name(&opts));
            putf(&k,
                 ",\"pid\":%d,\"count\":%d,\"exitcode\":%d,\"program_status\":%d,"
                 "\"suppressions\":[",
                 pid, nreported, nreported > 0 ? opts.exitcode : 0, program_exit_status);
            bool comma = false;
            if (matched > 0) {
                list_matched(&k, supp_file, true, &comma);
                list_matched(&k, supp_builtin, true, &comma);
            }
            put(&k, "]}\n");
        } else {
            if (nreported > 0)
                putf(&k, "%s: reported %d warnings\n", tool_name(&opts), nreported);
            if (matched > 0) {
                putf(&k, "%s: Matched %d suppressions (pid=%d):\n", tool_name(&opts), matched, pid);
                bool comma = false;
                list_matched(&k, supp_file, false, &comma);
                list_matched(&k, supp_builtin, false, &comma);
            }
        }
        log_follow_fork();
        write_all(log_fd, buf, k.pos < sizeof buf ? k.pos : sizeof buf);
    }
    if (nreported > 0) {
        fflush(NULL);
        _exit(opts.exitcode);
    }
}

void gm_report_finish(void)
{
    pthread_mutex_lock(&report_lock);
    finish_locked();
    pthread_mutex_unlock(&report_lock);
}
