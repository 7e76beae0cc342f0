/*
 * tests/checker/test_report.c — race reports as the user sees them.
 *
 * gm_report_format runs with a fake symbolizer (a table of made-up pcs
 * with names, files and lines), so the text is deterministic and compared
 * byte for byte with golden files in tests/checker/golden/. A golden file
 * may hold placeholders for what only the running process knows (a real
 * global's address); the test fills them in before comparing. Run with
 * GOMM_UPDATE_GOLDEN=1 to rewrite the golden files from the current output
 * (then review the diff).
 *
 * JSON output is checked by a small JSON parser below (syntax, then the
 * keys), as well as against a golden file.
 *
 * gm_report_emit, init and finish run in forked children (they keep
 * process-wide state and finish ends the process): deduplication,
 * suppressions from a file and from __tsan_default_suppressions, a
 * malformed suppressions file, halt_on_error, log_path, report_bugs=0.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "report.h"
#include "../common/child.h"

/* ---- the fake symbolizer ---- */

#define EXE  "/home/user/src/race/race"
#define SRC  "/home/user/src/race/race.c"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

/* made-up pcs (uintptr_t: some do not fit an enum) */
#define PC_WRITER         ((uintptr_t)0x401010)
#define PC_READER         ((uintptr_t)0x401210)
#define PC_MAIN_ALLOC     ((uintptr_t)0x401320)
#define PC_MAIN_CREATE1   ((uintptr_t)0x401340)
#define PC_MAIN_CREATE2   ((uintptr_t)0x401360)
#define PC_THREAD_START   ((uintptr_t)0x7f0000030000)
#define PC_INLINED        ((uintptr_t)0x401600) /* store() inlined into writer2() */
#define PC_FREER          ((uintptr_t)0x401700)
#define PC_MALLOC         ((uintptr_t)0x7f0000010000)
#define PC_FREE           ((uintptr_t)0x7f0000010100)
#define PC_PTHREAD_CREATE ((uintptr_t)0x7f0000020000)
#define PC_UNKNOWN        ((uintptr_t)0xdead)
#define PC_LIBC_START     ((uintptr_t)0x7f0000040000)

typedef struct fake {
    uintptr_t pc;
    const char *function, *file;
    int line, column;
    const char *module;
    uintptr_t base;
} fake;

static const fake fakes[] = {
    {PC_WRITER, "writer", SRC, 12, 7, EXE, 0x400000},
    {PC_READER, "reader", SRC, 20, 10, EXE, 0x400000},
    {PC_MAIN_ALLOC, "main", SRC, 31, 14, EXE, 0x400000},
    {PC_MAIN_CREATE1, "main", SRC, 33, 3, EXE, 0x400000},
    {PC_MAIN_CREATE2, "main", SRC, 34, 3, EXE, 0x400000},
    {PC_THREAD_START, "start_thread", NULL, 0, 0, LIBC, 0x7f0000000000},
    {PC_FREER, "freer", SRC, 25, 5, EXE, 0x400000},
    {PC_MALLOC, "malloc", NULL, 0, 0, "/usr/lib/libgomm_race.so.0", 0x7f0000000000},
    {PC_FREE, "free", NULL, 0, 0, "/usr/lib/libgomm_race.so.0", 0x7f0000000000},
    {PC_PTHREAD_CREATE, "pthread_create", NULL, 0, 0, LIBC, 0x7f0000000000},
    {PC_LIBC_START, "__libc_start_call_main", NULL, 0, 0, LIBC, 0x7f0000000000},
};

static int fake_symbolize(uintptr_t pc, bool exact, gm_symframe *out, int max)
{
    if (max <= 0)
        return 0;
    memset(out, 0, sizeof *out);
    out->pc = pc;
    uintptr_t addr = exact ? pc : pc - 1;
    if (pc == PC_INLINED) {
        int n = 0;
        out[n++] = (gm_symframe){pc, "store", SRC, 5, 12, EXE, addr - 0x400000, true};
        if (n < max)
            out[n++] = (gm_symframe){pc, "writer2", SRC, 15, 3, EXE, addr - 0x400000, false};
        return n;
    }
    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
        const fake *f = &fakes[i];
        if (f->pc == pc) {
            *out = (gm_symframe){pc,        f->function, f->file,        f->line,
                                 f->column, f->module,   addr - f->base, false};
            return 1;
        }
    }
    return 1; /* unknown: pc only */
}

/* ---- building reports ---- */

static gm_rstack stack_of(int n, ...)
{
    gm_rstack s;
    memset(&s, 0, sizeof s);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        s.pc[i] = va_arg(ap, uintptr_t);
    va_end(ap);
    s.n = n;
    return s;
}

static gm_rthread thread_of(int tid, long os_tid, bool running, int parent, uintptr_t create_pc)
{
    gm_rthread t;
    memset(&t, 0, sizeof t);
    t.tid = tid;
    t.os_tid = os_tid;
    t.running = running;
    t.parent_tid = parent;
    t.create_stack = stack_of(2, (uintptr_t)PC_PTHREAD_CREATE, create_pc);
    return t;
}

/* T2 writes a heap block T1 read; main allocated it and started both. */
static gm_report heap_race(void)
{
    gm_report r;
    memset(&r, 0, sizeof r);
    r.type = GM_REPORT_RACE;
    r.cur = (gm_raccess){.addr = 0x7b0400000010, .size = 4, .write = true, .tid = 2};
    r.cur.stack = stack_of(2, (uintptr_t)PC_WRITER, (uintptr_t)PC_THREAD_START);
    r.cur.stack.top_exact = true;
    r.prev = (gm_raccess){.addr = 0x7b0400000010, .size = 4, .write = false, .tid = 1};
    r.prev.stack = stack_of(2, (uintptr_t)PC_READER, (uintptr_t)PC_THREAD_START);
    r.prev.stack.top_exact = true;
    r.loc.kind = GM_LOC_HEAP;
    r.loc.start = 0x7b0400000000;
    r.loc.size = 32;
    r.loc.tid = 0;
    r.loc.stack = stack_of(2, (uintptr_t)PC_MALLOC, (uintptr_t)PC_MAIN_ALLOC);
    r.threads[0] = thread_of(2, 9140, true, 0, PC_MAIN_CREATE2);
    r.threads[1] = thread_of(1, 9139, false, 0, PC_MAIN_CREATE1);
    r.nthreads = 2;
    return r;
}

static gm_options test_options(void)
{
    gm_options o;
    gm_options_defaults(&o);
    o.history_size = 2;
    return o;
}

/* ---- golden files ---- */

static const char *golden_dir(void)
{
#ifdef GM_GOLDEN_DIR
    return GM_GOLDEN_DIR;
#else
    static char dir[4096];
    if (!dir[0]) {
        const char *f = __FILE__;
        const char *slash = strrchr(f, '/');
        int n = slash ? (int)(slash - f) : 1;
        snprintf(dir, sizeof dir, "%.*s/golden", n, slash ? f : ".");
    }
    return dir;
#endif
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

/* Replace each "{KEY}" by its value. */
static char *fill(const char *tmpl, const char *const *pairs)
{
    size_t cap = strlen(tmpl) + 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (const char *p = tmpl; *p;) {
        bool done = false;
        for (const char *const *kv = pairs; kv && kv[0]; kv += 2) {
            size_t k = strlen(kv[0]);
            if (strncmp(p, kv[0], k) == 0) {
                size_t v = strlen(kv[1]);
                assert_true(len + v < cap);
                memcpy(out + len, kv[1], v);
                len += v;
                p += k;
                done = true;
                break;
            }
        }
        if (!done) {
            assert_true(len + 1 < cap);
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}

/* Compare text with the golden file `name` (placeholders filled from
 * pairs); with GOMM_UPDATE_GOLDEN=1 write it instead (only when there are
 * no placeholders). */
static void check_golden(const char *name, const char *text, const char *const *pairs)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", golden_dir(), name);
    const char *update = getenv("GOMM_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0 && !pairs) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        print_message("wrote %s\n", path);
        return;
    }
    char *raw = read_file(path);
    if (!raw)
        fail_msg("cannot read golden file %s: %s", path, strerror(errno));
    char *want = fill(raw, pairs);
    free(raw);
    if (strcmp(want, text) != 0) {
        /* the first differing line, then both texts */
        const char *a = want, *b = text;
        int line = 1;
        while (*a && *a == *b) {
            if (*a == '\n')
                line++;
            a++;
            b++;
        }
        fprintf(stderr, "%s differs at line %d\n--- want\n%s--- got\n%s---\n", name, line, want,
                text);
        free(want);
        fail_msg("output differs from %s", path);
    }
    free(want);
}

static char out[1 << 16];

static void format_and_check(const gm_report *r, const gm_options *o, const char *golden,
                             const char *const *pairs)
{
    size_t n = gm_report_format(r, o, 4242, fake_symbolize, out, sizeof out);
    assert_true(n < sizeof out);
    assert_int_equal(strlen(out), n);
    check_golden(golden, out, pairs);
}

/* ---- format tests ---- */

static void test_heap_race(void **state)
{
    (void)state;
    gm_report r = heap_race();
    gm_options o = test_options();
    format_and_check(&r, &o, "heap_race.txt", NULL);
}

long gm_report_test_global = 1; /* a real global: data symbolization is real */

static void test_global_race(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.loc.kind = GM_LOC_NONE;
    r.cur.addr = r.prev.addr = (uintptr_t)&gm_report_test_global;
    r.cur.size = r.prev.size = 8;
    r.prev.write = true;
    gm_options o = test_options();

    const char *name, *module;
    uintptr_t start, off;
    size_t size;
    assert_true(gm_symbolize_data(r.cur.addr, &name, &start, &size, &module, &off));
    assert_int_equal(start, r.cur.addr);
    assert_true(size >= 8); /* more under AddressSanitizer: a redzone */
    char addr[32], offs[32], sz[32];
    snprintf(addr, sizeof addr, "0x%012lx", (unsigned long)start);
    snprintf(offs, sizeof offs, "0x%lx", (unsigned long)off);
    snprintf(sz, sizeof sz, "%zu", size);
    const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
    const char *const pairs[] = {"{ADDR}", addr,     "{MODULE}", base, "{OFFSET}",
                                 offs,     "{SIZE}", sz,         NULL};
    format_and_check(&r, &o, "global_race.txt", pairs);

    /* GM_LOC_GLOBAL: the same; an address in no global: no location */
    r.loc.kind = GM_LOC_GLOBAL;
    format_and_check(&r, &o, "global_race.txt", pairs);
    r.cur.addr = r.prev.addr = 0x10;
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    assert_null(strstr(out, "Location is"));
    /* symbolize=0: no global names either */
    r.cur.addr = r.prev.addr = (uintptr_t)&gm_report_test_global;
    o.symbolize = false;
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    assert_null(strstr(out, "Location is"));
}

static void test_use_after_free(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.type = GM_REPORT_USE_AFTER_FREE;
    r.cur.write = false;
    r.cur.size = 8;
    r.prev.size = 32;
    r.prev.write = true;
    r.prev.is_free = true;
    r.prev.addr = 0x7b0400000000;
    r.prev.stack = stack_of(3, (uintptr_t)PC_FREE, (uintptr_t)PC_FREER, (uintptr_t)PC_THREAD_START);
    r.loc.freed = true;
    gm_options o = test_options();
    format_and_check(&r, &o, "use_after_free.txt", NULL);
}

static void test_lost_stack(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.prev.stack.lost = true;
    gm_options o = test_options();
    format_and_check(&r, &o, "lost_stack.txt", NULL);
    /* at the largest history there is nothing to suggest */
    o.history_size = 7;
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    assert_non_null(strstr(out, "    [failed to restore the stack]\n"
                                "    The history of thread T1 was overwritten, even at the "
                                "largest history_size (7).\n\n"));
    /* the engine could not tell whose access it was (tid -1) */
    r.prev.tid = -1;
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    assert_non_null(strstr(out, "  Previous read of size 4 at 0x7b0400000010 by unknown thread:\n"
                                "    [failed to restore the stack]\n"
                                "    The thread that held this stack has finished; its history "
                                "is gone.\n\n"));
}

/* The main thread writes atomically, with an inlined frame, an unknown
 * frame, and a location on T1's stack; T1's creation stack is lost. The
 * C library's frame under main is not printed. */
static void test_main_thread(void **state)
{
    (void)state;
    gm_report r;
    memset(&r, 0, sizeof r);
    r.type = GM_REPORT_RACE;
    r.cur = (gm_raccess){.addr = 0x7ffc00001000, .size = 8, .write = true, .atomic = true};
    r.cur.stack = stack_of(4, (uintptr_t)PC_INLINED, (uintptr_t)PC_UNKNOWN,
                           (uintptr_t)PC_MAIN_CREATE1, (uintptr_t)PC_LIBC_START);
    r.prev = (gm_raccess){.addr = 0x7ffc00001000, .size = 8, .tid = 1};
    r.prev.stack = stack_of(1, (uintptr_t)PC_READER);
    r.loc.kind = GM_LOC_STACK;
    r.loc.tid = 1;
    r.threads[0] = thread_of(0, 9137, true, -1, 0);
    r.threads[0].create_stack.n = 0;
    r.threads[1] = thread_of(1, 9139, false, 0, PC_MAIN_CREATE1);
    r.threads[1].create_stack.lost = true;
    r.nthreads = 2;
    gm_options o = test_options();
    format_and_check(&r, &o, "main_thread.txt", NULL);

    /* TLS, and atomic read vs previous atomic write */
    r.loc.kind = GM_LOC_TLS;
    r.cur.write = false;
    r.prev.atomic = r.prev.write = true;
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    assert_non_null(strstr(out, "  Atomic read of size 8 at 0x7ffc00001000 by main thread:\n"));
    assert_non_null(
        strstr(out, "  Previous atomic write of size 8 at 0x7ffc00001000 by thread T1:\n"));
    assert_non_null(strstr(out, "  Location is TLS of thread T1.\n\n"));
}

static void test_gomm_header(void **state)
{
    (void)state;
    gm_report r = heap_race();
    gm_options o = test_options();
    o.tsan_header = false;
    format_and_check(&r, &o, "gomm_header.txt", NULL);
}

static void test_strip_path_prefix(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.cur.stack = stack_of(2, (uintptr_t)PC_INLINED, (uintptr_t)PC_THREAD_START);
    gm_options o = test_options();
    snprintf(o.strip_path_prefix, sizeof o.strip_path_prefix, "/home/user/src/");
    format_and_check(&r, &o, "strip_prefix.txt", NULL);
    /* a prefix found nowhere changes nothing */
    snprintf(o.strip_path_prefix, sizeof o.strip_path_prefix, "/nowhere/");
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    assert_non_null(strstr(out, " " SRC ":5:12 "));
}

static void test_truncation(void **state)
{
    (void)state;
    gm_report r = heap_race();
    gm_options o = test_options();
    size_t full = gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    char small[40];
    memset(small, 'x', sizeof small);
    assert_int_equal(gm_report_format(&r, &o, 4242, fake_symbolize, small, sizeof small), full);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, out, sizeof small - 1);
    assert_int_equal(gm_report_format(&r, &o, 4242, fake_symbolize, NULL, 0), full);
}

/* ---- a JSON checker: syntax, and the keys of a report ---- */

typedef struct jp {
    const char *p;
    int depth;
} jp;

static void ws(jp *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
        j->p++;
}

static bool jvalue(jp *j);

static bool jstring(jp *j)
{
    if (*j->p != '"')
        return false;
    for (j->p++; *j->p != '"'; j->p++) {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return false;
        if (c == '\\') {
            j->p++;
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
                        return false;
                j->p += 4;
            } else if (!*j->p || !strchr("\"\\/bfnrt", *j->p)) {
                return false;
            }
        }
    }
    j->p++;
    return true;
}

static bool jnumber(jp *j)
{
    const char *s = j->p;
    if (*j->p == '-')
        j->p++;
    if (*j->p < '0' || *j->p > '9')
        return false;
    if (*j->p == '0' && j->p[1] >= '0' && j->p[1] <= '9')
        return false;
    while (*j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static bool jlist(jp *j, char close, bool object)
{
    j->p++;
    ws(j);
    if (*j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        ws(j);
        if (object) {
            if (!jstring(j))
                return false;
            ws(j);
            if (*j->p++ != ':')
                return false;
        }
        if (!jvalue(j))
            return false;
        ws(j);
        if (*j->p == close) {
            j->p++;
            return true;
        }
        if (*j->p++ != ',')
            return false;
    }
}

static bool jvalue(jp *j)
{
    ws(j);
    if (++j->depth > 64)
        return false;
    bool ok;
    switch (*j->p) {
    case '{':
        ok = jlist(j, '}', true);
        break;
    case '[':
        ok = jlist(j, ']', false);
        break;
    case '"':
        ok = jstring(j);
        break;
    case 't':
        ok = strncmp(j->p, "true", 4) == 0 && (j->p += 4);
        break;
    case 'f':
        ok = strncmp(j->p, "false", 5) == 0 && (j->p += 5);
        break;
    case 'n':
        ok = strncmp(j->p, "null", 4) == 0 && (j->p += 4);
        break;
    default:
        ok = jnumber(j);
    }
    j->depth--;
    return ok;
}

/* One JSON object on one line, ending in a newline. */
static void check_json_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0');
    jp j = {s, 0};
    assert_int_equal(*s, '{');
    if (!jvalue(&j))
        fail_msg("bad JSON at offset %td: %s", j.p - s, s);
    ws(&j);
    assert_int_equal(*j.p, '\0');
}

static void test_json(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.cur.stack =
        stack_of(3, (uintptr_t)PC_INLINED, (uintptr_t)PC_UNKNOWN, (uintptr_t)PC_THREAD_START);
    gm_options o = test_options();
    o.report_format = GM_FORMAT_JSON;
    format_and_check(&r, &o, "heap_race.json", NULL);
    check_json_line(out);
    static const char *const keys[] = {
        "\"type\":\"data race\"",
        "\"pid\":4242",
        "\"current\":{",
        "\"previous\":{",
        "\"op\":\"write\"",
        "\"op\":\"read\"",
        "\"size\":4",
        "\"addr\":\"0x7b0400000010\"",
        "\"atomic\":false",
        "\"tid\":2",
        "\"stack\":[",
        "\"stack_lost\":false",
        "\"function\":\"store\"",
        "\"inlined\":true",
        "\"function\":null",
        "\"location\":{\"kind\":\"heap\"",
        "\"threads\":[{",
        "\"summary\":{\"file\":\"" SRC "\",\"line\":5",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strstr(out, keys[i]))
            fail_msg("JSON lacks %s: %s", keys[i], out);

    /* every layout variant parses: global, lost stack, use-after-free,
     * strings that need escaping */
    r.prev.stack.lost = true;
    r.type = GM_REPORT_USE_AFTER_FREE;
    r.loc.kind = GM_LOC_NONE;
    r.cur.addr = (uintptr_t)&gm_report_test_global;
    snprintf(o.strip_path_prefix, sizeof o.strip_path_prefix, "/home/");
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    check_json_line(out);
    assert_non_null(strstr(out, "\"kind\":\"global\",\"name\":\"gm_report_test_global\""));
    assert_non_null(strstr(out, "\"stack\":[],\"stack_lost\":true"));
    assert_non_null(strstr(out, "\"file\":\"user/src/race/race.c\""));
    r.loc.kind = GM_LOC_TLS;
    r.nthreads = 0;
    gm_report_format(&r, &o, 4242, fake_symbolize, out, sizeof out);
    check_json_line(out);
    assert_non_null(strstr(out, "\"threads\":[]"));
}

static int weird_symbolize(uintptr_t pc, bool exact, gm_symframe *f, int max)
{
    (void)exact;
    assert_true(max > 0);
    memset(f, 0, sizeof *f);
    f->pc = pc;
    f->function = "quote\"back\\slash\ttab\x01";
    f->file = "/x/\"y\".c";
    f->line = 1;
    return 1;
}

static void test_json_escapes(void **state)
{
    (void)state;
    gm_report r = heap_race();
    gm_options o = test_options();
    o.report_format = GM_FORMAT_JSON;
    gm_report_format(&r, &o, 1, weird_symbolize, out, sizeof out);
    check_json_line(out);
    assert_non_null(strstr(out, "\"function\":\"quote\\\"back\\\\slash\\ttab\\u0001\""));
    assert_non_null(strstr(out, "\"file\":\"/x/\\\"y\\\".c\""));
}

/* ---- the process-wide reporter, in children ---- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    if (tmpdir[0])
        return;
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/gomm_report_XXXXXX", t && *t ? t : "/tmp");
    assert_non_null(mkdtemp(tmpdir));
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Code whose addresses stand for racing accesses: the symbol table names
 * them (suppressions match by name); with debug info they also have lines. */
__attribute__((noinline)) void race_site_a(void)
{
    __asm__ volatile("nop");
}
__attribute__((noinline)) void race_site_b(void)
{
    __asm__ volatile("nop");
}
__attribute__((noinline)) void race_site_c(void)
{
    __asm__ volatile("nop");
}
__attribute__((noinline)) void supp_target_fn(void)
{
    __asm__ volatile("nop");
}
__attribute__((noinline)) void hook_target_fn(void)
{
    __asm__ volatile("nop");
}

const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
    return "# built into the test\nrace:hook_target_fn\n";
}

static gm_report real_report(void (*a)(void), void (*b)(void))
{
    gm_report r;
    memset(&r, 0, sizeof r);
    r.cur = (gm_raccess){.addr = 0x1000, .size = 4, .write = true, .tid = 1};
    r.cur.stack = stack_of(1, (uintptr_t)a);
    r.cur.stack.top_exact = true;
    r.prev = (gm_raccess){.addr = 0x1000, .size = 4, .tid = 0};
    r.prev.stack = stack_of(1, (uintptr_t)b);
    r.prev.stack.top_exact = true;
    r.loc.kind = GM_LOC_HEAP;
    r.loc.start = 0x1000;
    r.loc.size = 4;
    r.threads[0] = thread_of(1, 1234, true, 0, 0);
    r.threads[0].create_stack = stack_of(1, (uintptr_t)b);
    r.nthreads = 1;
    return r;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static struct gt_child_outcome child;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0 && write(2, buf, (size_t)n) < 0)
        _exit(99);
}

static void dedup_child(void *arg)
{
    (void)arg;
    gm_options o = test_options();
    o.exitcode = 3;
    gm_report_init(&o);
    gm_report r = real_report(race_site_a, race_site_b);
    bool e1 = gm_report_emit(&r);
    bool e2 = gm_report_emit(&r);
    gm_report s = real_report(race_site_b, race_site_a); /* the same pair, swapped */
    s.cur.tid = 0;
    s.prev.tid = 1;
    bool e3 = gm_report_emit(&s);
    gm_report t = real_report(race_site_a, race_site_c); /* a new pair */
    bool e4 = gm_report_emit(&t);
    say("emitted=%d%d%d%d count=%d\n", e1, e2, e3, e4, gm_report_count());
    gm_report_finish(); /* exits with exitcode */
}

static void test_emit_dedup(void **state)
{
    (void)state;
    gt_run_child(dedup_child, NULL, 60, &child);
    const char *e = child.err;
    if (!strstr(e, "emitted=1001 count=2\n"))
        fail_msg("stderr:\n%s", e);
    assert_int_equal(count_of(e, "WARNING: ThreadSanitizer: data race (pid="), 2);
    assert_int_equal(count_of(e, "==================\n"), 4);
    assert_non_null(strstr(e, "race_site_a"));
    assert_non_null(strstr(e, "race_site_c"));
    assert_non_null(strstr(e, "\nThreadSanitizer: reported 2 warnings\n"));
    assert_true(child.exited);
    assert_int_equal(child.status, 3);
}

static void suppress_child(void *arg)
{
    gm_options o = test_options();
    snprintf(o.suppressions, sizeof o.suppressions, "%s", (const char *)arg);
    o.print_suppressions = true;
    gm_report_init(&o);
    gm_report r = real_report(race_site_a, supp_target_fn); /* in the previous stack */
    bool e1 = gm_report_emit(&r);
    bool e2 = gm_report_emit(&r);
    gm_report h = real_report(hook_target_fn, race_site_b); /* __tsan_default_suppressions */
    bool e3 = gm_report_emit(&h);
    say("emitted=%d%d%d count=%d\n", e1, e2, e3, gm_report_count());
    gm_report_finish(); /* nothing reported: returns */
    gm_report_finish(); /* idempotent */
    say("after finish\n");
}

static void test_emit_suppressed(void **state)
{
    (void)state;
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/supp.txt", tmpdir);
    write_text(path, "# a comment\n\nrace:supp_target_fn\nrace:never_matches_anything\n");
    gt_run_child(suppress_child, path, 60, &child);
    unlink(path);
    const char *e = child.err;
    if (!strstr(e, "emitted=000 count=0\n"))
        fail_msg("stderr:\n%s", e);
    assert_null(strstr(e, "WARNING"));
    assert_null(strstr(e, "reported"));
    assert_non_null(strstr(e, "Suppression matched 2 times: race:supp_target_fn\n"));
    assert_non_null(strstr(e, "Suppression matched 1 times: race:hook_target_fn\n"));
    assert_null(strstr(e, "never_matches_anything"));
    assert_int_equal(count_of(e, "Matched 2 suppressions"), 1);
    assert_non_null(strstr(e, "after finish\n"));
    assert_true(child.exited);
    assert_int_equal(child.status, 0);
}

static void init_child(void *arg)
{
    gm_options o = test_options();
    snprintf(o.suppressions, sizeof o.suppressions, "%s", (const char *)arg);
    gm_report_init(&o);
    say("init returned\n");
}

static void test_bad_suppressions(void **state)
{
    (void)state;
    make_tmpdir();
    char path[512], want[600];
    snprintf(path, sizeof path, "%s/bad.txt", tmpdir);
    write_text(path, "race:ok\nracy:foo\n");
    gt_run_child(init_child, path, 60, &child);
    unlink(path);
    assert_true(child.exited);
    assert_int_equal(child.status, 2);
    snprintf(want, sizeof want, "gomm: fatal error: %s:2: ", path);
    if (!strstr(child.err, want))
        fail_msg("stderr lacks \"%s\":\n%s", want, child.err);
    assert_null(strstr(child.err, "init returned"));
    /* a missing file is as fatal */
    snprintf(path, sizeof path, "%s/missing.txt", tmpdir);
    gt_run_child(init_child, path, 60, &child);
    assert_int_equal(child.status, 2);
    assert_non_null(strstr(child.err, "missing.txt"));
}

static void halt_child(void *arg)
{
    (void)arg;
    gm_options o = test_options();
    o.halt_on_error = true;
    gm_report_init(&o);
    gm_report r = real_report(race_site_a, race_site_b);
    gm_report_emit(&r);
    say("still running\n");
}

static void test_halt_on_error(void **state)
{
    (void)state;
    gt_run_child(halt_child, NULL, 60, &child);
    assert_true(child.exited);
    assert_int_equal(child.status, 66);
    assert_int_equal(count_of(child.err, "WARNING: ThreadSanitizer: data race"), 1);
    assert_non_null(
        strstr(child.err, "==================\nThreadSanitizer: reported 1 warnings\n"));
    assert_null(strstr(child.err, "still running"));
}

static void log_child(void *arg)
{
    gm_options o = test_options();
    snprintf(o.log_path, sizeof o.log_path, "%s", (const char *)arg);
    o.tsan_header = false;
    gm_report_init(&o);
    say("pid=%d\n", (int)getpid());
    gm_report r = real_report(race_site_a, race_site_b);
    gm_report_emit(&r);
    gm_report_finish();
}

static void test_log_path(void **state)
{
    (void)state;
    make_tmpdir();
    char prefix[512], path[600];
    snprintf(prefix, sizeof prefix, "%s/log", tmpdir);
    gt_run_child(log_child, prefix, 60, &child);
    assert_int_equal(child.status, 66);
    int pid = 0;
    assert_int_equal(sscanf(child.err, "pid=%d", &pid), 1);
    assert_null(strstr(child.err, "WARNING")); /* not on stderr */
    snprintf(path, sizeof path, "%s.%d", prefix, pid);
    char *log = read_file(path);
    if (!log)
        fail_msg("no log file %s; stderr:\n%s", path, child.err);
    unlink(path);
    assert_non_null(strstr(log, "==================\nWARNING: gomm: data race (pid="));
    assert_non_null(strstr(log, "SUMMARY: gomm: data race "));
    assert_non_null(strstr(log, "\ngomm: reported 1 warnings\n"));
    free(log);

    /* a log that cannot be opened: a warning, reports on stderr */
    snprintf(prefix, sizeof prefix, "%s/no/such/dir/log", tmpdir);
    gt_run_child(log_child, prefix, 60, &child);
    assert_int_equal(child.status, 66);
    assert_non_null(strstr(child.err, "gomm: warning: cannot open log file"));
    assert_non_null(strstr(child.err, "WARNING: gomm: data race"));
}

static void json_child(void *arg)
{
    (void)arg;
    gm_options o = test_options();
    o.report_format = GM_FORMAT_JSON;
    gm_report_init(&o);
    gm_report r = real_report(race_site_a, race_site_b);
    gm_report_emit(&r);
    gm_report_finish();
}

static void test_emit_json(void **state)
{
    (void)state;
    gt_run_child(json_child, NULL, 60, &child);
    assert_int_equal(child.status, 66);
    /* two lines, each one JSON object: the report, then the count */
    char *second = strchr(child.err, '\n');
    assert_non_null(second);
    second++;
    char first[sizeof child.err];
    memcpy(first, child.err, (size_t)(second - child.err));
    first[second - child.err] = '\0';
    check_json_line(first);
    check_json_line(second);
    assert_non_null(strstr(first, "\"function\":\"race_site_a\""));
    assert_non_null(strstr(second, "{\"type\":\"reported\",\"tool\":\"ThreadSanitizer\",\"pid\":"));
    /* finished by a direct call, not exit(): its own status is unknown */
    assert_non_null(
        strstr(second, "\"count\":1,\"exitcode\":66,\"program_status\":-1,\"suppressions\":[]}"));
}

static void late_child(void *arg)
{
    (void)arg;
    gm_options o = test_options();
    gm_report_init(&o);
    gm_report_finish(); /* the at-exit summary: nothing yet */
    say("finished\n");
    gm_report r = real_report(race_site_a, race_site_b);
    gm_report_emit(&r); /* a thread racing with exit */
    say("still running\n");
}

static void test_report_after_finish(void **state)
{
    (void)state;
    gt_run_child(late_child, NULL, 60, &child);
    assert_true(child.exited);
    assert_int_equal(child.status, 66);
    const char *w = strstr(child.err, "finished\n==================\nWARNING: ThreadSanitizer");
    if (!w)
        fail_msg("stderr:\n%s", child.err);
    assert_non_null(strstr(w, "==================\nThreadSanitizer: reported 1 warnings\n"));
    assert_null(strstr(child.err, "still running"));
}

static void quiet_child(void *arg)
{
    (void)arg;
    gm_options o = test_options();
    o.report_bugs = false;
    gm_report_init(&o);
    gm_report r = real_report(race_site_a, race_site_b);
    say("emitted=%d count=%d\n", gm_report_emit(&r), gm_report_count());
    gm_report_finish();
}

static void test_report_bugs_off(void **state)
{
    (void)state;
    gt_run_child(quiet_child, NULL, 60, &child);
    assert_true(child.exited);
    assert_int_equal(child.status, 0);
    assert_string_equal(child.err, "emitted=0 count=0\n");
}

static int cleanup(void **state)
{
    (void)state;
    if (tmpdir[0])
        rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_race),
        cmocka_unit_test(test_global_race),
        cmocka_unit_test(test_use_after_free),
        cmocka_unit_test(test_lost_stack),
        cmocka_unit_test(test_main_thread),
        cmocka_unit_test(test_gomm_header),
        cmocka_unit_test(test_strip_path_prefix),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_emit_dedup),
        cmocka_unit_test(test_emit_suppressed),
        cmocka_unit_test(test_bad_suppressions),
        cmocka_unit_test(test_halt_on_error),
        cmocka_unit_test(test_log_path),
        cmocka_unit_test(test_emit_json),
        cmocka_unit_test(test_report_after_finish),
        cmocka_unit_test(test_report_bugs_off),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
