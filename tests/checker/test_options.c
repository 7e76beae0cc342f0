/*
 * tests/checker/test_options.c — GOMM_OPTIONS / TSAN_OPTIONS parsing
 * (checker/options.c): every option and its range, the separators and the
 * quoting, every error message word for word, help=1, and the order of the
 * sources in gm_options_load.
 *
 * gm_options_load's precedence is tested in-process with setenv and the
 * __tsan_default_options hook this file defines (it returns "" until
 * a test sets hook_text, so a sanitizer runtime calling it before main sees
 * nothing); its fatal errors run in forked children (tests/common/child.h).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "../common/child.h"

/* The program's hook, as a TSan user would write it. Under
 * -fsanitize=thread the TSan runtime calls it too, before it is initialized:
 * it must not be instrumented. */
static const char *volatile hook_text;

__attribute__((no_sanitize("thread"))) const char *__tsan_default_options(void)
{
    return hook_text ? hook_text : "";
}

static char err[1024];

static void parse_ok(gm_options *o, const char *text)
{
    err[0] = 'X';
    if (gm_options_parse(o, text, "GOMM_OPTIONS", err, sizeof err) != 0)
        fail_msg("parse of \"%s\" failed: %s", text, err);
    assert_string_equal(err, "");
}

/* Parse fails with exactly this message. */
static void parse_err(const char *text, const char *want)
{
    gm_options o;
    gm_options_defaults(&o);
    err[0] = '\0';
    int rc = gm_options_parse(&o, text, "GOMM_OPTIONS", err, sizeof err);
    if (rc != -1)
        fail_msg("parse of \"%s\" succeeded, want error \"%s\"", text, want);
    if (strcmp(err, want) != 0)
        fail_msg("parse of \"%s\":\n got  \"%s\"\n want \"%s\"", text, err, want);
}

static void check_defaults(const gm_options *o)
{
    assert_false(o->halt_on_error);
    assert_int_equal(o->exitcode, 66);
    assert_string_equal(o->log_path, "");
    assert_int_equal(o->history_size, 2);
    assert_string_equal(o->suppressions, "");
    assert_false(o->print_suppressions);
    assert_int_equal(o->report_format, GM_FORMAT_TEXT);
    assert_true(o->tsan_header);
    assert_string_equal(o->strip_path_prefix, "");
    assert_true(o->report_atomic_races);
    assert_true(o->symbolize);
    assert_int_equal(o->verbosity, 0);
    assert_true(o->report_bugs);
    assert_int_equal(o->max_threads, 8192);
}

static void test_defaults(void **state)
{
    (void)state;
    gm_options o;
    memset(&o, 0xa5, sizeof o);
    gm_options_defaults(&o);
    check_defaults(&o);
}

static void test_empty_texts(void **state)
{
    (void)state;
    gm_options o, d;
    gm_options_defaults(&o);
    gm_options_defaults(&d);
    parse_ok(&o, "");
    parse_ok(&o, "   ");
    parse_ok(&o, ":,: \t\n\r,");
    assert_int_equal(gm_options_parse(&o, NULL, "X", err, sizeof err), 0);
    assert_memory_equal(&o, &d, sizeof o);
}

static void test_every_option(void **state)
{
    (void)state;
    gm_options o;
    gm_options_defaults(&o);
    parse_ok(&o, "halt_on_error=1:exitcode=7:log_path=/tmp/races:history_size=5:"
                 "suppressions=/etc/supp.txt:print_suppressions=1:report_format=json:"
                 "report_name=gomm:strip_path_prefix=/build/:report_atomic_races=0:"
                 "symbolize=0:verbosity=3:report_bugs=0:max_threads=100");
    assert_true(o.halt_on_error);
    assert_int_equal(o.exitcode, 7);
    assert_string_equal(o.log_path, "/tmp/races");
    assert_int_equal(o.history_size, 5);
    assert_string_equal(o.suppressions, "/etc/supp.txt");
    assert_true(o.print_suppressions);
    assert_int_equal(o.report_format, GM_FORMAT_JSON);
    assert_false(o.tsan_header);
    assert_string_equal(o.strip_path_prefix, "/build/");
    assert_false(o.report_atomic_races);
    assert_false(o.symbolize);
    assert_int_equal(o.verbosity, 3);
    assert_false(o.report_bugs);
    assert_int_equal(o.max_threads, 100);

    /* and back */
    parse_ok(&o, "halt_on_error=0 exitcode=66 log_path= history_size=2 suppressions= "
                 "print_suppressions=0 report_format=text report_name=ThreadSanitizer "
                 "strip_path_prefix= report_atomic_races=1 symbolize=1 verbosity=0 "
                 "report_bugs=1 max_threads=8192");
    check_defaults(&o);
}

static void test_separators(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "exitcode=1:verbosity=2:halt_on_error=1",
        "exitcode=1,verbosity=2,halt_on_error=1",
        "exitcode=1 verbosity=2 halt_on_error=1",
        "exitcode=1\tverbosity=2\thalt_on_error=1",
        "exitcode=1\nverbosity=2\nhalt_on_error=1\n",
        "exitcode=1\r\nverbosity=2\r\nhalt_on_error=1\r\n",
        " ::exitcode=1 ,: verbosity=2\t\n,halt_on_error=1:: ",
        "exitcode=1:verbosity=2 halt_on_error=1,",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        gm_options o;
        gm_options_defaults(&o);
        parse_ok(&o, texts[i]);
        assert_int_equal(o.exitcode, 1);
        assert_int_equal(o.verbosity, 2);
        assert_true(o.halt_on_error);
        assert_int_equal(o.history_size, 2);
    }
}

static void test_later_wins(void **state)
{
    (void)state;
    gm_options o;
    gm_options_defaults(&o);
    parse_ok(&o, "exitcode=1:exitcode=2:log_path=a:log_path=b");
    assert_int_equal(o.exitcode, 2);
    assert_string_equal(o.log_path, "b");
    /* a shorter string leaves no tail of the longer one: zero-padded */
    parse_ok(&o, "log_path=abcdef:log_path=xy");
    assert_string_equal(o.log_path, "xy");
    for (size_t i = 2; i < sizeof o.log_path; i++)
        assert_int_equal(o.log_path[i], 0);
}

static void test_quoting(void **state)
{
    (void)state;
    gm_options o;
    gm_options_defaults(&o);
    parse_ok(&o, "log_path=\"/tmp/a:b c,d\":exitcode=3");
    assert_string_equal(o.log_path, "/tmp/a:b c,d");
    assert_int_equal(o.exitcode, 3);
    parse_ok(&o, "suppressions='/x y/z:w' strip_path_prefix=\"it's\"");
    assert_string_equal(o.suppressions, "/x y/z:w");
    assert_string_equal(o.strip_path_prefix, "it's");
    parse_ok(&o, "strip_path_prefix='say \"hi\"'");
    assert_string_equal(o.strip_path_prefix, "say \"hi\"");
    parse_ok(&o, "log_path=\"\"");
    assert_string_equal(o.log_path, "");
    /* every kind takes a quoted value */
    parse_ok(&o, "exitcode='9' halt_on_error=\"yes\" report_format='json' report_name=\"gomm\"");
    assert_int_equal(o.exitcode, 9);
    assert_true(o.halt_on_error);
    assert_int_equal(o.report_format, GM_FORMAT_JSON);
    assert_false(o.tsan_header);
    /* the last option's quote may end the text */
    parse_ok(&o, "log_path='/a:b'");
    assert_string_equal(o.log_path, "/a:b");
    /* a quote inside an unquoted value is an ordinary character */
    parse_ok(&o, "log_path=a\"b");
    assert_string_equal(o.log_path, "a\"b");
}

static void test_quoting_errors(void **state)
{
    (void)state;
    parse_err("log_path=\"/tmp/x", "GOMM_OPTIONS: log_path: unterminated double-quoted value");
    parse_err("exitcode=1 log_path='/tmp/x",
              "GOMM_OPTIONS: log_path: unterminated single-quoted value");
    parse_err("log_path=\"/tmp/x\"y",
              "GOMM_OPTIONS: log_path: expected a separator after the quoted value");
    parse_err("exitcode='1'2:verbosity=1",
              "GOMM_OPTIONS: exitcode: expected a separator after the quoted value");
}

static const struct {
    const char *name;
    size_t off;
} bools[] = {
    {"halt_on_error", offsetof(gm_options, halt_on_error)},
    {"print_suppressions", offsetof(gm_options, print_suppressions)},
    {"report_atomic_races", offsetof(gm_options, report_atomic_races)},
    {"symbolize", offsetof(gm_options, symbolize)},
    {"report_bugs", offsetof(gm_options, report_bugs)},
};

static void test_booleans(void **state)
{
    (void)state;
    static const char *const yes[] = {"1", "true", "yes"};
    static const char *const no[] = {"0", "false", "no"};
    static const char *const bad[] = {"2", "TRUE", "Yes", "on", "", "-1", "01", "y"};
    char text[128], want[256];
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        for (size_t k = 0; k < 3; k++) {
            gm_options o;
            gm_options_defaults(&o);
            bool *f = (bool *)((char *)&o + bools[i].off);
            *f = false;
            snprintf(text, sizeof text, "%s=%s", bools[i].name, yes[k]);
            parse_ok(&o, text);
            assert_true(*f);
            snprintf(text, sizeof text, "%s=%s", bools[i].name, no[k]);
            parse_ok(&o, text);
            assert_false(*f);
        }
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            snprintf(text, sizeof text, "%s=%s", bools[i].name, bad[k]);
            snprintf(want, sizeof want,
                     "GOMM_OPTIONS: %s: '%s' is not a boolean (0/1, true/false, yes/no)",
                     bools[i].name, bad[k]);
            parse_err(text, want);
        }
    }
}

struct range {
    const char *name;
    size_t off;
    int min, max;
};

static const struct range ranges[] = {
    {"exitcode", offsetof(gm_options, exitcode), 0, 255},
    {"history_size", offsetof(gm_options, history_size), 0, 7},
    {"max_threads", offsetof(gm_options, max_threads), 64, 16383},
    {"verbosity", offsetof(gm_options, verbosity), 0, 3},
};

static void test_integer_ranges(void **state)
{
    (void)state;
    char text[128], want[256];
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const struct range *r = &ranges[i];
        int good[] = {r->min, r->max, (r->min + r->max) / 2};
        for (size_t k = 0; k < 3; k++) {
            gm_options o;
            gm_options_defaults(&o);
            snprintf(text, sizeof text, "%s=%d", r->name, good[k]);
            parse_ok(&o, text);
            assert_int_equal(*(int *)((char *)&o + r->off), good[k]);
        }
        /* leading zeros are still decimal */
        {
            gm_options o;
            gm_options_defaults(&o);
            snprintf(text, sizeof text, "%s=000%d", r->name, r->max);
            parse_ok(&o, text);
            assert_int_equal(*(int *)((char *)&o + r->off), r->max);
        }
        char below[32], above[32];
        snprintf(below, sizeof below, "%d", r->min - 1);
        snprintf(above, sizeof above, "%d", r->max + 1);
        const char *bad[] = {
            below, above, "x", "", "1x", "0x10", "+1", "1.5", "99999999999999999999"};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            snprintf(text, sizeof text, "%s=%s", r->name, bad[k]);
            snprintf(want, sizeof want, "GOMM_OPTIONS: %s: '%s' is not an integer in %d..%d",
                     r->name, bad[k], r->min, r->max);
            parse_err(text, want);
        }
    }
    /* the example of the brief */
    parse_err("exitcode=x", "GOMM_OPTIONS: exitcode: 'x' is not an integer in 0..255");
}

static void test_bad_value_leaves_field(void **state)
{
    (void)state;
    gm_options o;
    gm_options_defaults(&o);
    assert_int_equal(
        gm_options_parse(&o, "verbosity=1:exitcode=300:halt_on_error=1", "S", err, sizeof err), -1);
    assert_string_equal(err, "S: exitcode: '300' is not an integer in 0..255");
    assert_int_equal(o.verbosity, 1); /* before the error: applied */
    assert_int_equal(o.exitcode, 66); /* the bad one: untouched */
    assert_false(o.halt_on_error);    /* after it: not reached */
}

static void test_enums(void **state)
{
    (void)state;
    gm_options o;
    gm_options_defaults(&o);
    parse_ok(&o, "report_format=json");
    assert_int_equal(o.report_format, GM_FORMAT_JSON);
    parse_ok(&o, "report_format=text");
    assert_int_equal(o.report_format, GM_FORMAT_TEXT);
    parse_ok(&o, "report_name=gomm");
    assert_false(o.tsan_header);
    parse_ok(&o, "report_name=ThreadSanitizer");
    assert_true(o.tsan_header);
    parse_err("report_format=xml", "GOMM_OPTIONS: report_format: 'xml' is not one of text, json");
    parse_err("report_format=JSON", "GOMM_OPTIONS: report_format: 'JSON' is not one of text, json");
    parse_err("report_format=", "GOMM_OPTIONS: report_format: '' is not one of text, json");
    parse_err("report_name=tsan",
              "GOMM_OPTIONS: report_name: 'tsan' is not one of ThreadSanitizer, gomm");
    parse_err("report_name=Gomm",
              "GOMM_OPTIONS: report_name: 'Gomm' is not one of ThreadSanitizer, gomm");
}

static void test_string_lengths(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t off, size;
    } strs[] = {
        {"log_path", offsetof(gm_options, log_path), sizeof(((gm_options *)0)->log_path)},
        {"suppressions", offsetof(gm_options, suppressions),
         sizeof(((gm_options *)0)->suppressions)},
        {"strip_path_prefix", offsetof(gm_options, strip_path_prefix),
         sizeof(((gm_options *)0)->strip_path_prefix)},
    };
    static char text[2048], want[256];
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        size_t max = strs[i].size - 1;
        /* exactly the longest that fits */
        int n = snprintf(text, sizeof text, "%s=", strs[i].name);
        memset(text + n, 'a', max);
        text[n + (int)max] = '\0';
        gm_options o;
        gm_options_defaults(&o);
        parse_ok(&o, text);
        const char *f = (const char *)&o + strs[i].off;
        assert_int_equal(strlen(f), max);
        assert_int_equal(f[0], 'a');
        /* one more: an error, quoted or not */
        memset(text + n, 'b', max + 1);
        text[n + (int)max + 1] = '\0';
        snprintf(want, sizeof want, "GOMM_OPTIONS: %s: value is too long (%zu bytes; at most %zu)",
                 strs[i].name, max + 1, max);
        parse_err(text, want);
        n = snprintf(text, sizeof text, "%s='", strs[i].name);
        memset(text + n, 'c', max + 1);
        text[n + (int)max + 1] = '\'';
        text[n + (int)max + 2] = '\0';
        parse_err(text, want);
    }
    assert_int_equal(sizeof(((gm_options *)0)->log_path), 512);
    assert_int_equal(sizeof(((gm_options *)0)->strip_path_prefix), 256);
}

static void test_unknown_and_syntax(void **state)
{
    (void)state;
    parse_err("halt_on_eror=1", "GOMM_OPTIONS: unknown option 'halt_on_eror'");
    parse_err("exitcode=1:bogus=2", "GOMM_OPTIONS: unknown option 'bogus'");
    parse_err("bogus", "GOMM_OPTIONS: unknown option 'bogus'");
    parse_err("Exitcode=1", "GOMM_OPTIONS: unknown option 'Exitcode'");
    parse_err("halt_on_error", "GOMM_OPTIONS: halt_on_error: missing value (expected "
                               "halt_on_error=VALUE)");
    parse_err("halt_on_error exitcode=1",
              "GOMM_OPTIONS: halt_on_error: missing value (expected halt_on_error=VALUE)");
    parse_err("=1", "GOMM_OPTIONS: expected an option name before '='");
    parse_err("exitcode=1 =2", "GOMM_OPTIONS: expected an option name before '='");
    /* a long unknown name is cut in the message */
    char text[200], want[200];
    memset(text, 'z', 100);
    strcpy(text + 100, "=1");
    char z64[65];
    memset(z64, 'z', 64);
    z64[64] = '\0';
    snprintf(want, sizeof want, "GOMM_OPTIONS: unknown option '%s...'", z64);
    parse_err(text, want);
}

static void test_source_name(void **state)
{
    (void)state;
    gm_options o;
    gm_options_defaults(&o);
    assert_int_equal(gm_options_parse(&o, "nope=1", "TSAN_OPTIONS", err, sizeof err), -1);
    assert_string_equal(err, "TSAN_OPTIONS: unknown option 'nope'");
    assert_int_equal(gm_options_parse(&o, "exitcode=-1", "__tsan_default_options", err, sizeof err),
                     -1);
    assert_string_equal(err, "__tsan_default_options: exitcode: '-1' is not an integer in 0..255");
    /* no err buffer: still the right return value */
    assert_int_equal(gm_options_parse(&o, "nope=1", "X", NULL, 0), -1);
    assert_int_equal(gm_options_parse(&o, "exitcode=5", "X", NULL, 0), 0);
    assert_int_equal(o.exitcode, 5);
    /* a short buffer: cut, NUL-terminated, nothing written past it */
    char small[12];
    memset(small, 'Q', sizeof small);
    assert_int_equal(gm_options_parse(&o, "nope=1", "GOMM_OPTIONS", small, 8), -1);
    assert_string_equal(small, "GOMM_OP");
    assert_int_equal(small[8], 'Q');
}

static void test_ignored_options(void **state)
{
    (void)state;
    static const char *const ignored[] = {
        "detect_deadlocks",
        "second_deadlock_stack",
        "report_signal_unsafe",
        "report_thread_leaks",
        "report_destroy_locked",
        "report_mutex_bugs",
        "suppress_equal_stacks",
        "atexit_sleep_ms",
        "io_sync",
        "die_after_fork",
        "flush_memory_ms",
        "memory_limit_mb",
        "force_seq_cst_atomics",
        "ignore_noninstrumented_modules",
        "abort_on_error",
        "stack_trace_format",
        "external_symbolizer_path",
    };
    gm_options d;
    gm_options_defaults(&d);
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        static const char *const vals[] = {"0", "1", "1000", "'#0 %p %F %L'", "/usr/bin/llvm"};
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
            char text[256];
            snprintf(text, sizeof text, "%s=%s", ignored[i], vals[k]);
            gm_options o;
            gm_options_defaults(&o);
            parse_ok(&o, text);
            assert_memory_equal(&o, &d, sizeof o);
        }
        /* still name=value */
        char want[256];
        snprintf(want, sizeof want, "GOMM_OPTIONS: %s: missing value (expected %s=VALUE)",
                 ignored[i], ignored[i]);
        parse_err(ignored[i], want);
    }
    /* a typical TSAN_OPTIONS line from a CI script */
    gm_options o;
    gm_options_defaults(&o);
    parse_ok(&o, "halt_on_error=1 second_deadlock_stack=1 history_size=7 detect_deadlocks=0 "
                 "report_signal_unsafe=0 atexit_sleep_ms=0");
    assert_true(o.halt_on_error);
    assert_int_equal(o.history_size, 7);
}

/* What fd 2 received while fn ran (a pipe; the text is small). */
static void capture_stderr(void (*fn)(void *), void *arg, char *out, size_t len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    dup2(fds[1], 2);
    close(fds[1]);
    fn(arg);
    dup2(saved, 2);
    close(saved);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < len && (r = read(fds[0], out + n, len - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fds[0]);
}

static gm_options help_opts;
static int help_rc;

static void parse_help(void *arg)
{
    gm_options_defaults(&help_opts);
    help_rc = gm_options_parse(&help_opts, arg, "GOMM_OPTIONS", err, sizeof err);
}

static void test_help(void **state)
{
    (void)state;
    static char out[16384];
    capture_stderr(parse_help, "exitcode=3:help=1:verbosity=1", out, sizeof out);
    assert_int_equal(help_rc, 0);
    /* parsing goes on around help */
    assert_int_equal(help_opts.exitcode, 3);
    assert_int_equal(help_opts.verbosity, 1);
    static const char *const want[] = {
        "halt_on_error=0 ",
        "exitcode=66 ",
        "log_path=\"\" ",
        "history_size=2 ",
        "suppressions=\"\" ",
        "print_suppressions=0 ",
        "report_format=text ",
        "report_name=ThreadSanitizer ",
        "strip_path_prefix=\"\" ",
        "report_atomic_races=1 ",
        "symbolize=1 ",
        "verbosity=0 ",
        "report_bugs=1 ",
        "max_threads=8192 ",
        "help=0 ",
        "exit with exitcode after the first report\n",
        "GOMM_OPTIONS",
        "TSAN_OPTIONS",
        "__tsan_default_options",
        " detect_deadlocks",
        " second_deadlock_stack",
        " report_signal_unsafe",
        " report_thread_leaks",
        " report_destroy_locked",
        " report_mutex_bugs",
        " suppress_equal_stacks",
        " atexit_sleep_ms",
        " io_sync",
        " die_after_fork",
        " flush_memory_ms",
        " memory_limit_mb",
        " force_seq_cst_atomics",
        " ignore_noninstrumented_modules",
        " abort_on_error",
        " stack_trace_format",
        " external_symbolizer_path",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("help lacks \"%s\":\n%s", want[i], out);
    /* each option on its own line, after two spaces */
    assert_non_null(strstr(out, "\n  exitcode=66 "));
    assert_non_null(strstr(out, "\n  max_threads=8192 "));

    /* help=0 and help=no print nothing */
    capture_stderr(parse_help, "help=0:help=no", out, sizeof out);
    assert_int_equal(help_rc, 0);
    assert_string_equal(out, "");
    /* help takes a boolean */
    capture_stderr(parse_help, "help=please", out, sizeof out);
    assert_int_equal(help_rc, -1);
    assert_string_equal(err,
                        "GOMM_OPTIONS: help: 'please' is not a boolean (0/1, true/false, yes/no)");
    assert_string_equal(out, "");
}

/* ---- gm_options_load: the sources in order ---- */

static char *saved_tsan, *saved_gomm;

static int save_env(void **state)
{
    (void)state;
    const char *t = getenv("TSAN_OPTIONS"), *g = getenv("GOMM_OPTIONS");
    saved_tsan = t ? strdup(t) : NULL;
    saved_gomm = g ? strdup(g) : NULL;
    unsetenv("TSAN_OPTIONS");
    unsetenv("GOMM_OPTIONS");
    hook_text = NULL;
    return 0;
}

static int restore_env(void **state)
{
    (void)state;
    hook_text = NULL;
    if (saved_tsan)
        setenv("TSAN_OPTIONS", saved_tsan, 1);
    else
        unsetenv("TSAN_OPTIONS");
    if (saved_gomm)
        setenv("GOMM_OPTIONS", saved_gomm, 1);
    else
        unsetenv("GOMM_OPTIONS");
    free(saved_tsan);
    free(saved_gomm);
    saved_tsan = saved_gomm = NULL;
    return 0;
}

static void test_load_defaults(void **state)
{
    (void)state;
    gm_options o;
    memset(&o, 0x5a, sizeof o);
    gm_options_load(&o);
    check_defaults(&o);
    hook_text = "";
    setenv("TSAN_OPTIONS", "", 1);
    setenv("GOMM_OPTIONS", "", 1);
    memset(&o, 0x5a, sizeof o);
    gm_options_load(&o);
    check_defaults(&o);
}

static void test_load_precedence(void **state)
{
#ifdef GOMM_SELF_TSAN
    /* under gomm's own TSan build TSAN_OPTIONS and the hook are TSan's */
    skip();
#endif
    (void)state;
    gm_options o;

    hook_text = "exitcode=10:verbosity=1:history_size=3:log_path=/hook";
    gm_options_load(&o);
    assert_int_equal(o.exitcode, 10);
    assert_int_equal(o.verbosity, 1);
    assert_int_equal(o.history_size, 3);
    assert_string_equal(o.log_path, "/hook");

    setenv("TSAN_OPTIONS", "exitcode=20 verbosity=2 detect_deadlocks=0", 1);
    gm_options_load(&o);
    assert_int_equal(o.exitcode, 20); /* TSAN_OPTIONS over the hook */
    assert_int_equal(o.verbosity, 2);
    assert_int_equal(o.history_size, 3); /* the hook's, untouched */
    assert_string_equal(o.log_path, "/hook");

    setenv("GOMM_OPTIONS", "exitcode=30:log_path='/g:1'", 1);
    gm_options_load(&o);
    assert_int_equal(o.exitcode, 30); /* GOMM_OPTIONS over both */
    assert_string_equal(o.log_path, "/g:1");
    assert_int_equal(o.verbosity, 2);    /* TSAN_OPTIONS' */
    assert_int_equal(o.history_size, 3); /* the hook's */
    assert_false(o.halt_on_error);       /* nobody's: the default */

    /* without the hook and TSAN_OPTIONS, only GOMM_OPTIONS and defaults */
    hook_text = NULL;
    unsetenv("TSAN_OPTIONS");
    gm_options_load(&o);
    assert_int_equal(o.exitcode, 30);
    assert_int_equal(o.verbosity, 0);
    assert_int_equal(o.history_size, 2);

    /* load starts from the defaults, not from what *o held */
    unsetenv("GOMM_OPTIONS");
    o.halt_on_error = true;
    o.exitcode = 1;
    gm_options_load(&o);
    check_defaults(&o);
}

static struct gt_child_outcome child;

static void child_load(void *arg)
{
    (void)arg;
    gm_options o;
    gm_options_load(&o);
}

static void expect_load_fatal(const char *msg)
{
    gt_run_child(child_load, NULL, 60, &child);
    if (!child.exited || child.status != 2)
        fail_msg("child: exited %d status %d signal %d, want exit 2; stderr:\n%s", child.exited,
                 child.status, child.signal, child.err);
    char want[512];
    snprintf(want, sizeof want, "gomm: fatal error: %s\n", msg);
    if (strncmp(child.err, want, strlen(want)) != 0)
        fail_msg("stderr does not start with \"%s\":\n%s", want, child.err);
}

static void test_load_fatal(void **state)
{
#ifdef GOMM_SELF_TSAN
    /* under gomm's own TSan build TSAN_OPTIONS and the hook are TSan's */
    skip();
#endif
    (void)state;
    setenv("GOMM_OPTIONS", "exitcode=x", 1);
    expect_load_fatal("GOMM_OPTIONS: exitcode: 'x' is not an integer in 0..255");

    setenv("GOMM_OPTIONS", "exitcode=1", 1);
    setenv("TSAN_OPTIONS", "halt_on_eror=1", 1);
    expect_load_fatal("TSAN_OPTIONS: unknown option 'halt_on_eror'");

    unsetenv("TSAN_OPTIONS");
    hook_text = "report_format=yaml";
    expect_load_fatal("__tsan_default_options: report_format: 'yaml' is not one of text, json");
    hook_text = NULL;

    /* all well: the child returns and exits 0 */
    setenv("GOMM_OPTIONS", "exitcode=1", 1);
    gt_run_child(child_load, NULL, 60, &child);
    assert_true(child.exited);
    assert_int_equal(child.status, 0);
    assert_string_equal(child.err, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_texts),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_later_wins),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_quoting_errors),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_integer_ranges),
        cmocka_unit_test(test_bad_value_leaves_field),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_string_lengths),
        cmocka_unit_test(test_unknown_and_syntax),
        cmocka_unit_test(test_source_name),
        cmocka_unit_test(test_ignored_options),
        cmocka_unit_test(test_help),
        cmocka_unit_test_setup_teardown(test_load_defaults, save_env, restore_env),
        cmocka_unit_test_setup_teardown(test_load_precedence, save_env, restore_env),
        cmocka_unit_test_setup_teardown(test_load_fatal, save_env, restore_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
