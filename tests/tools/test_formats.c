/*
 * tests/tools/test_formats.c — `gomm run` regenerates ThreadSanitizer's
 * text layout from the race runtime's JSON reports (tools/formats.c).
 *
 * Each case builds a report, has the runtime format it twice with a fake
 * symbolizer (gm_report_format: once as JSON, once as text), parses the
 * JSON with gomm run's reader (tools/json.c) and renders it as text: the
 * two texts must be equal byte for byte. The one known difference is the
 * explanation under "[failed to restore the stack]" (the JSON has no
 * history size or owner), so that line is compared by its prefix only.
 * Also: the JSON reader's edge cases, and the top-user-frame choice that
 * gomm run's keys and SARIF locations use.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "report.h"
#include "run.h"

#define EXE  "/home/user/src/race/race"
#define SRC  "/home/user/src/race/race.c"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define RT   "/usr/lib/libgomm_race.so.0"

#define PC_WRITER  ((uintptr_t)0x401010)
#define PC_READER  ((uintptr_t)0x401210)
#define PC_MAIN    ((uintptr_t)0x401320)
#define PC_CREATE  ((uintptr_t)0x401340)
#define PC_START   ((uintptr_t)0x7f0000030000)
#define PC_INLINED ((uintptr_t)0x401600)
#define PC_FREER   ((uintptr_t)0x401700)
#define PC_MALLOC  ((uintptr_t)0x7f0000010000)
#define PC_FREE    ((uintptr_t)0x7f0000010100)
#define PC_MEMCPY  ((uintptr_t)0x7f0000010200)
#define PC_PCREATE ((uintptr_t)0x7f0000020000)
#define PC_NOLINE  ((uintptr_t)0x401800)
#define PC_UNKNOWN ((uintptr_t)0xdead)

typedef struct fake {
    uintptr_t pc;
    const char *function, *file;
    int line, column;
    const char *module;
    uintptr_t base;
} fake;

static const fake fakes[] = {
    {PC_WRITER, "writer", SRC, 12, 7, EXE, 0x400000},
    {PC_READER, "reader", SRC, 20, 0, EXE, 0x400000},
    {PC_MAIN, "main", SRC, 31, 14, EXE, 0x400000},
    {PC_CREATE, "main", SRC, 33, 3, EXE, 0x400000},
    {PC_START, "start_thread", NULL, 0, 0, LIBC, 0x7f0000000000},
    {PC_FREER, "freer", SRC, 25, 5, EXE, 0x400000},
    {PC_MALLOC, "malloc", NULL, 0, 0, RT, 0x7f0000000000},
    {PC_FREE, "free", NULL, 0, 0, RT, 0x7f0000000000},
    {PC_MEMCPY, "memcpy", NULL, 0, 0, RT, 0x7f0000000000},
    {PC_PCREATE, "pthread_create", NULL, 0, 0, LIBC, 0x7f0000000000},
    {PC_NOLINE, "helper", NULL, 0, 0, EXE, 0x400000},
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
        out[n++] = (gm_symframe){pc, "store \"quoted\"", SRC, 5, 12, EXE, addr - 0x400000, true};
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
    s.top_exact = true;
    return s;
}

static gm_rthread thread_of(int tid, long os_tid, bool running, int parent)
{
    gm_rthread t;
    memset(&t, 0, sizeof t);
    t.tid = tid;
    t.os_tid = os_tid;
    t.running = running;
    t.parent_tid = parent;
    t.create_stack = stack_of(2, PC_PCREATE, PC_CREATE);
    t.create_stack.top_exact = false;
    return t;
}

static gm_report heap_race(void)
{
    gm_report r;
    memset(&r, 0, sizeof r);
    r.type = GM_REPORT_RACE;
    r.cur = (gm_raccess){.addr = 0x7b0400000010, .size = 4, .write = true, .tid = 2};
    r.cur.stack = stack_of(2, PC_WRITER, PC_START);
    r.prev = (gm_raccess){.addr = 0x7b0400000010, .size = 4, .write = false, .tid = 1};
    r.prev.stack = stack_of(2, PC_READER, PC_START);
    r.loc.kind = GM_LOC_HEAP;
    r.loc.start = 0x7b0400000000;
    r.loc.size = 32;
    r.loc.tid = 0;
    r.loc.stack = stack_of(2, PC_MALLOC, PC_MAIN);
    r.threads[0] = thread_of(2, 9140, true, 0);
    r.threads[1] = thread_of(1, 9139, false, 0);
    r.nthreads = 2;
    return r;
}

/* Formats r both ways and compares the runtime's text with gomm run's. */
static void check_same(const gm_report *r, const gm_options *o)
{
    static char text[65536], json[65536];
    gm_options ot = *o, oj = *o;
    ot.report_format = GM_FORMAT_TEXT;
    oj.report_format = GM_FORMAT_JSON;
    assert_true(gm_report_format(r, &ot, 4242, fake_symbolize, text, sizeof text) < sizeof text);
    assert_true(gm_report_format(r, &oj, 4242, fake_symbolize, json, sizeof json) < sizeof json);
    const char *err = NULL;
    size_t len = strlen(json);
    while (len && json[len - 1] == '\n')
        len--;
    jval *obj = json_parse(json, len, &err);
    if (!obj)
        fail_msg("the runtime's JSON does not parse (%s): %s", err, json);
    race rc = {0};
    rc.obj = obj;
    rc.type = json_str(json_get(obj, "type"), "?");
    sbuf got = {0};
    format_race_text(&got, &rc);
    /* line by line; the lost-stack explanation only by its first words */
    const char *a = text, *b = got.s;
    int line = 1;
    while (*a || *b) {
        const char *ae = strchr(a, '\n'), *be = strchr(b, '\n');
        size_t an = ae ? (size_t)(ae - a) : strlen(a), bn = be ? (size_t)(be - b) : strlen(b);
        bool lost_note = !strncmp(a, "    The ", 8) && !strncmp(b, "    The ", 8);
        if (!lost_note && (an != bn || memcmp(a, b, an))) {
            fprintf(stderr, "line %d differs\n--- runtime\n%s--- gomm run\n%s---\n", line, text,
                    got.s);
            fail_msg("text differs at line %d", line);
        }
        a += an + (ae ? 1 : 0);
        b += bn + (be ? 1 : 0);
        line++;
    }
    sb_free(&got);
    json_free(obj);
}

static gm_options defaults(void)
{
    gm_options o;
    gm_options_defaults(&o);
    return o;
}

static void test_heap_race(void **state)
{
    (void)state;
    gm_report r = heap_race();
    gm_options o = defaults();
    check_same(&r, &o);
}

static void test_inlined_unknown_pc_and_atomics(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.cur.atomic = true;
    r.cur.stack = stack_of(4, PC_INLINED, PC_NOLINE, PC_UNKNOWN, PC_START);
    r.prev.atomic = true;
    r.prev.write = true;
    gm_options o = defaults();
    check_same(&r, &o);
    r.cur.atomic = false;
    check_same(&r, &o);
}

static void test_use_after_free(void **state)
{
    (void)state;
    gm_report r = heap_race();
    r.type = GM_REPORT_USE_AFTER_FREE;
    r.cur.write = false;
    r.cur.size = 8;
    r.prev =
        (gm_raccess){.addr = 0x7b0400000000, .size = 32, .write = true, .is_free = true, .tid = 1};
    r.prev.stack = stack_of(3, PC_FREE, PC_FREER, PC_START);
    r.prev.stack.top_exact = false;
    r.loc.freed = true;
    gm_options o = defaults();
    check_same(&r, &o);
}

static void test_locations_and_threads(void **state)
{
    (void)state;
    gm_options o = defaults();
    gm_report r = heap_race();
    r.loc.kind = GM_LOC_STACK;
    r.loc.tid = 1;
    check_same(&r, &o);
    r.loc.kind = GM_LOC_TLS;
    r.loc.tid = 0;
    check_same(&r, &o);
    r.loc.kind = GM_LOC_NONE;
    check_same(&r, &o);
    /* unknown thread; a thread adopted without a creation stack */
    r.prev.tid = -1;
    r.threads[1].parent_tid = -1;
    r.threads[1].create_stack.n = 0;
    check_same(&r, &o);
    /* a parent but no stack; the main thread among the threads */
    r.threads[1].parent_tid = 0;
    r.threads[0].tid = 0;
    r.threads[0].parent_tid = -1;
    r.cur.tid = 0;
    check_same(&r, &o);
    /* one thread only */
    r = heap_race();
    r.nthreads = 1;
    check_same(&r, &o);
}

static void test_lost_stacks(void **state)
{
    (void)state;
    gm_options o = defaults();
    gm_report r = heap_race();
    r.prev.stack.n = 0;
    r.prev.stack.lost = true;
    check_same(&r, &o);
    r.cur.stack.n = 0;
    r.cur.stack.lost = true;
    r.loc.stack.n = 0;
    check_same(&r, &o); /* the summary comes from the allocation, then threads */
    r.threads[0].create_stack.n = 0;
    r.threads[0].create_stack.lost = true;
    check_same(&r, &o);
}

static void test_options_shape_text(void **state)
{
    (void)state;
    gm_options o = defaults();
    o.tsan_header = false; /* report_name=gomm */
    gm_report r = heap_race();
    check_same(&r, &o);
    o = defaults();
    snprintf(o.strip_path_prefix, sizeof o.strip_path_prefix, "/home/user/src/");
    check_same(&r, &o);
    o.symbolize = false;
    check_same(&r, &o);
}

static void test_top_user_frame(void **state)
{
    (void)state;
    const char *text =
        "[{\"function\":\"memcpy\",\"file\":null,\"module\":\"/x/libgomm_race.so.0\"},"
        "{\"function\":\"__tsan_write4\",\"file\":null,\"module\":\"/x/prog\"},"
        "{\"function\":\"helper\",\"file\":null,\"module\":\"/x/prog\"},"
        "{\"function\":\"work\",\"file\":\"/src/a.c\",\"line\":3,\"module\":\"/x/prog\"}]";
    jval *s = json_parse(text, strlen(text), NULL);
    assert_non_null(s);
    assert_string_equal(json_str(json_get(top_user_frame(s), "function"), ""), "helper");
    assert_string_equal(json_str(json_get(top_source_frame(s), "function"), ""), "work");
    json_free(s);
    jval *e = json_parse("[]", 2, NULL);
    assert_null(top_user_frame(e));
    json_free(e);
    char *p = rel_path("/src/root/a/b.c", "/src/root");
    assert_string_equal(p, "a/b.c");
    free(p);
    p = rel_path("/src/rootx/b.c", "/src/root");
    assert_string_equal(p, "/src/rootx/b.c");
    free(p);
    p = rel_path("./x.c", "/src");
    assert_string_equal(p, "x.c");
    free(p);
}

static void test_json_reader(void **state)
{
    (void)state;
    const char *ok = " {\"a\":[1,-2.5e3,true,false,null,\"x\\u00e9\\ud83d\\ude00\\n\"],"
                     "\"b\":{},\"c\":[],\"addr\":\"0x7b0400000010\"} ";
    const char *err = NULL;
    jval *v = json_parse(ok, strlen(ok), &err);
    assert_non_null(v);
    const jval *a = json_get(v, "a");
    assert_int_equal(json_len(a), 6);
    assert_int_equal(json_int(json_at(a, 0), 0), 1);
    assert_int_equal(json_int(json_at(a, 1), 0), -2500);
    assert_true(json_bool(json_at(a, 2), false));
    assert_false(json_bool(json_at(a, 3), true));
    assert_int_equal(json_at(a, 4)->t, J_NULL);
    assert_string_equal(json_str(json_at(a, 5), ""), "x\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_int_equal(json_hex(json_get(v, "addr"), 0), 0x7b0400000010ull);
    assert_null(json_get(v, "missing"));
    assert_string_equal(json_str(json_get(v, "missing"), "dflt"), "dflt");
    json_free(v);

    const char *bad[] = {"",        "{",   "{\"a\":}", "[1,]",       "\"abc", "{\"a\" 1}",  "[1] x",
                         "\"\\q\"", "tru", "{1:2}",    "[\"a\nb\"]", "-",     "\"\\u12g4\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        v = json_parse(bad[i], strlen(bad[i]), &err);
        if (v)
            fail_msg("'%s' parsed", bad[i]);
        assert_non_null(err);
    }
    /* nesting is bounded */
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_null(json_parse(deep, sizeof deep, &err));

    sbuf b = {0};
    json_put_str(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.s, "\"a\\\"b\\\\c\\n\\u0001\"");
    sb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_race),
        cmocka_unit_test(test_inlined_unknown_pc_and_atomics),
        cmocka_unit_test(test_use_after_free),
        cmocka_unit_test(test_locations_and_threads),
        cmocka_unit_test(test_lost_stacks),
        cmocka_unit_test(test_options_shape_text),
        cmocka_unit_test(test_top_user_frame),
        cmocka_unit_test(test_json_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
