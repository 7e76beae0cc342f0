/*
 * tests/checker/test_suppress.c — suppressions files (checker/suppress.c):
 * the pattern matcher, the parser and its "FILE:LINE: ..." errors, what
 * each type matches, hit counts, and loading from a file.
 *
 * Stacks are built by hand as gm_symframe arrays; no symbolizer runs.
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

#include "suppress.h"

static char err[1024];

/* ---- the pattern matcher ---- */

static const struct {
    const char *pattern, *str;
    bool want;
} table[] = {
    /* substring: an implicit '*' on both sides */
    {"foo", "foo", true},
    {"foo", "xfooy", true},
    {"foo", "fo", false},
    {"foo", "", false},
    {"foo", "FOO", false}, /* case matters */
    {"", "", true},
    {"", "anything", true},
    /* '^' anchors the start */
    {"^foo", "foo", true},
    {"^foo", "foobar", true},
    {"^foo", "xfoo", false},
    {"^", "x", true},
    /* '$' anchors the end */
    {"foo$", "foo", true},
    {"foo$", "barfoo", true},
    {"foo$", "foox", false},
    {"foo$", "foofoo", true},
    {"$", "x", true},
    /* both: the whole string */
    {"^foo$", "foo", true},
    {"^foo$", "foo2", false},
    {"^foo$", "xfoo", false},
    {"^$", "", true},
    {"^$", "a", false},
    /* '*' */
    {"a*b", "ab", true},
    {"a*b", "axxb", true},
    {"a*b", "ba", false},
    {"a*b", "xaxbx", true},
    {"*", "", true},
    {"*", "x", true},
    {"**", "x", true},
    {"^a*b$", "ab", true},
    {"^a*b$", "a_b", true},
    {"^a*b$", "a_bc", false},
    {"^a*b$", "ca_b", false},
    {"^ab*ba$", "aba", false}, /* the two ends may not overlap */
    {"^ab*ba$", "abba", true},
    {"^ab*ba$", "abxba", true},
    {"^a*a*a$", "aa", false},
    {"^a*a*a$", "aaa", true},
    {"a*b*c", "cba", false},
    {"a*b*c", "abc", true},
    {"a*b*c", "aXbYc", true},
    {"a*b*c", "acb", false},
    {"a*b*c$", "abcabc", true},
    {"^*foo", "xxfoo", true},
    {"foo*$", "foox", true},
    {"^foo*", "foo", true},
    {"*foo*$", "foo", true},
    /* a '^' or '$' elsewhere is an ordinary character */
    {"a^b", "a^b", true},
    {"a^b", "ab", false},
    {"a$b", "xa$by", true},
    {"^^a", "^a", true},
    {"^^a", "a", false},
    {"a$$", "a$", true},
    {"a$$", "a", false},
    /* real names */
    {"^racy_", "racy_counter", true},
    {"racy_counter", "src/racy_counter.c", true},
    {"^src/*.c$", "src/a/b.c", true},
    {"^src/*.c$", "lib/src/a.c", false},
    {"std::*::lock", "std::__1::mutex::lock", true},
    {"libfoo.so", "/usr/lib/x86_64-linux-gnu/libfoo.so.1", true},
};

static void test_pattern_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        bool got = gm_supp_pattern_match(table[i].pattern, table[i].str);
        if (got != table[i].want)
            fail_msg("pattern \"%s\" on \"%s\": got %d, want %d", table[i].pattern, table[i].str,
                     got, table[i].want);
    }
    /* NULL (an unknown function or file) never matches, not even "*" */
    assert_false(gm_supp_pattern_match("*", NULL));
    assert_false(gm_supp_pattern_match("", NULL));
    assert_false(gm_supp_pattern_match(NULL, "x"));
}

/* ---- parsing ---- */

static gm_supp *parse_ok(const char *text)
{
    err[0] = 'X';
    gm_supp *s = gm_supp_parse(text, "supp.txt", err, sizeof err);
    if (!s)
        fail_msg("parse failed: %s", err);
    assert_string_equal(err, "");
    return s;
}

static void parse_err(const char *text, const char *want)
{
    err[0] = '\0';
    gm_supp *s = gm_supp_parse(text, "supp.txt", err, sizeof err);
    if (s) {
        gm_supp_free(s);
        fail_msg("parse of \"%s\" succeeded, want \"%s\"", text, want);
    }
    if (strcmp(err, want) != 0)
        fail_msg("parse of \"%s\":\n got  \"%s\"\n want \"%s\"", text, err, want);
}

static void check_rule(const gm_supp *s, int i, const char *type, const char *pattern, int line)
{
    const gm_supp_rule *r = gm_supp_rule_at(s, i);
    assert_non_null(r);
    assert_string_equal(r->type, type);
    assert_string_equal(r->pattern, pattern);
    assert_int_equal(r->line, line);
    assert_int_equal(r->hits, 0);
}

static void test_parse_empty(void **state)
{
    (void)state;
    static const char *const texts[] = {"", "\n\n", "# only\n  # comments\n\n", "   \t\n",
                                        "#race:foo"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        gm_supp *s = parse_ok(texts[i]);
        assert_int_equal(gm_supp_count(s), 0);
        assert_null(gm_supp_rule_at(s, 0));
        gm_supp_free(s);
    }
    gm_supp *s = gm_supp_parse(NULL, NULL, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(gm_supp_count(s), 0);
    gm_supp_free(s);
    /* a NULL set is empty, and freeing it is fine */
    assert_int_equal(gm_supp_count(NULL), 0);
    assert_null(gm_supp_rule_at(NULL, 0));
    gm_supp_free(NULL);
}

static void test_parse_rules(void **state)
{
    (void)state;
    gm_supp *s = parse_ok("# a TSan suppressions file\n"   /* 1 */
                          "\n"                             /* 2 */
                          "race:racy_counter\n"            /* 3 */
                          "  race_top:^worker$  \n"        /* 4 */
                          "\t# indented comment\n"         /* 5 */
                          "called_from_lib:libfoo.so\n"    /* 6 */
                          "\n"                             /* 7 */
                          "\n"                             /* 8 */
                          "thread:pool*\n"                 /* 9 */
                          "mutex:m1\r\n"                   /* 10 */
                          "signal:handler\n"               /* 11 */
                          "deadlock : lock_a  \n"          /* 12 */
                          "race:foo   # why: flaky\n"      /* 13 */
                          "race:a#b\n"                     /* 14 */
                          "race:std::map::at\n"            /* 15 */
                          "race:last line without newline" /* 16 */
    );
    assert_int_equal(gm_supp_count(s), 11);
    check_rule(s, 0, "race", "racy_counter", 3);
    check_rule(s, 1, "race_top", "^worker$", 4);
    check_rule(s, 2, "called_from_lib", "libfoo.so", 6);
    check_rule(s, 3, "thread", "pool*", 9);
    check_rule(s, 4, "mutex", "m1", 10);
    check_rule(s, 5, "signal", "handler", 11);
    check_rule(s, 6, "deadlock", "lock_a", 12);
    check_rule(s, 7, "race", "foo", 13);          /* a '#' after a blank: comment */
    check_rule(s, 8, "race", "a#b", 14);          /* a '#' inside: part of it */
    check_rule(s, 9, "race", "std::map::at", 15); /* split at the first ':' */
    check_rule(s, 10, "race", "last line without newline", 16);
    assert_null(gm_supp_rule_at(s, 11));
    assert_null(gm_supp_rule_at(s, -1));
    gm_supp_free(s);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_err("race", "supp.txt:1: expected TYPE:PATTERN, got 'race'");
    parse_err("# c\n\n   \nrace:ok\nfoo bar\n", "supp.txt:5: expected TYPE:PATTERN, got 'foo bar'");
    parse_err("\n\n# x\n\nrace:a\nrace:b\n  # y\nracy:counter\n",
              "supp.txt:8: unknown suppression type 'racy' (known: race, race_top, "
              "called_from_lib, thread, mutex, signal, deadlock)");
    parse_err("race:a\nRace:b", "supp.txt:2: unknown suppression type 'Race' (known: race, "
                                "race_top, called_from_lib, thread, mutex, signal, deadlock)");
    parse_err("#\n:foo\n", "supp.txt:2: missing suppression type before ':' (known: race, "
                           "race_top, called_from_lib, thread, mutex, signal, deadlock)");
    parse_err("race:\n", "supp.txt:1: empty pattern after 'race:'");
    parse_err("# c\nrace:x\n\ncalled_from_lib:   \n", "supp.txt:4: empty pattern after "
                                                      "'called_from_lib:'");
    parse_err("race_top:  # nothing but a comment\n",
              "supp.txt:1: empty pattern after 'race_top:'");
    parse_err("race:a\r\nrace:b\r\nbad\r\n", "supp.txt:3: expected TYPE:PATTERN, got 'bad'");

    /* the longest line is fine; one byte more is not, even a comment */
    static char text[8192], want[256];
    memcpy(text, "# one\nrace:", 11);
    memset(text + 11, 'x', 4096 - 5);
    text[11 + 4096 - 5] = '\0';
    gm_supp *s = parse_ok(text);
    assert_int_equal(gm_supp_count(s), 1);
    assert_int_equal(strlen(gm_supp_rule_at(s, 0)->pattern), 4096 - 5);
    gm_supp_free(s);
    strcpy(text + 11 + 4096 - 5, "y\n");
    parse_err(text, "supp.txt:2: line too long (4097 bytes; at most 4096)");
    text[0] = '#';
    memset(text + 1, 'z', 5000);
    strcpy(text + 5001, "\nrace:a\n");
    parse_err(text, "supp.txt:1: line too long (5001 bytes; at most 4096)");

    /* a long bad line is quoted cut */
    memset(text, 'q', 100);
    text[100] = '\0';
    snprintf(want, sizeof want, "supp.txt:1: expected TYPE:PATTERN, got '%.64s...'", text);
    parse_err(text, want);

    /* the default file name; no err buffer */
    assert_null(gm_supp_parse("bogus", NULL, err, sizeof err));
    assert_string_equal(err, "suppressions:1: expected TYPE:PATTERN, got 'bogus'");
    assert_null(gm_supp_parse("bogus", "f", NULL, 0));
}

/* ---- matching ---- */

static gm_symframe fr(const char *fn, const char *file, const char *module)
{
    gm_symframe f;
    memset(&f, 0, sizeof f);
    f.function = fn;
    f.file = file;
    f.line = 1;
    f.module = module;
    return f;
}

/* Two stacks: the current access and the previous one. */
static gm_symframe cur[3], prev[3];
static const gm_symframe *stacks[2] = {cur, prev};
static int nframes[2] = {3, 3};

static int setup_stacks(void **state)
{
    (void)state;
    cur[0] = fr("bump", "/src/app/counter.c", "/opt/app/bin/app");
    cur[1] = fr("worker", "/src/app/main.c", "/opt/app/bin/app");
    cur[2] = fr("start_thread", NULL, "/lib/x86_64-linux-gnu/libc.so.6");
    prev[0] = fr("read_stats", "/src/lib/stats.c", "/usr/lib/libstats.so.2");
    prev[1] = fr("reporter", "/src/app/report.c", "/opt/app/bin/app");
    prev[2] = fr(NULL, NULL, NULL);
    nframes[0] = nframes[1] = 3;
    return 0;
}

/* The rule `line` matches the stacks (and global), or nothing does. */
static void expect_match(const char *line, const char *global, bool want)
{
    gm_supp *s = parse_ok(line);
    gm_supp_rule *r = gm_supp_match_race(s, stacks, nframes, 2, global);
    if (want && !r)
        fail_msg("\"%s\" (global %s) should match", line, global ? global : "NULL");
    if (!want && r)
        fail_msg("\"%s\" (global %s) should not match", line, global ? global : "NULL");
    if (r) {
        assert_ptr_equal(r, gm_supp_rule_at(s, 0));
        assert_int_equal(r->hits, 1);
    }
    gm_supp_free(s);
}

static void test_match_race(void **state)
{
    (void)state;
    expect_match("race:bump", NULL, true);         /* cur, top frame */
    expect_match("race:^worker$", NULL, true);     /* cur, frame 1 */
    expect_match("race:start_thread", NULL, true); /* cur, frame 2 */
    expect_match("race:read_stats", NULL, true);   /* the second stack */
    expect_match("race:^reporter$", NULL, true);   /* second stack, frame 1 */
    expect_match("race:report.c", NULL, true);     /* a file */
    expect_match("race:^/src/lib/", NULL, true);   /* a file, anchored */
    expect_match("race:libc.so", NULL, true);      /* a module */
    expect_match("race:^libstats.so", NULL, true); /* a module's basename */
    expect_match("race:^/opt/app/bin/app$", NULL, true);
    expect_match("race:nothing_like_it", NULL, false);
    expect_match("race:^orker", NULL, false);
    expect_match("race:^stats.c", NULL, false);    /* files match whole paths */
    expect_match("race:g_total", "g_total", true); /* the global */
    expect_match("race:^g_", "g_total", true);
    expect_match("race:^total", "g_total", false);
    expect_match("race:g_total", NULL, false);
}

static void test_match_race_top(void **state)
{
    (void)state;
    expect_match("race_top:bump", NULL, true);
    expect_match("race_top:read_stats", NULL, true); /* top of the second stack */
    expect_match("race_top:counter.c", NULL, true);  /* top frame's file */
    expect_match("race_top:^libstats", NULL, true);  /* top frame's module */
    expect_match("race_top:worker", NULL, false);    /* frame 1 */
    expect_match("race_top:reporter", NULL, false);
    expect_match("race_top:start_thread", NULL, false);
    expect_match("race_top:g_total", "g_total", false); /* not globals */
}

static void test_match_called_from_lib(void **state)
{
    (void)state;
    expect_match("called_from_lib:libstats.so", NULL, true);
    expect_match("called_from_lib:^libstats.so.2$", NULL, true);          /* the basename */
    expect_match("called_from_lib:^/usr/lib/libstats.so.2$", NULL, true); /* the path */
    expect_match("called_from_lib:^libc.so", NULL, true);                 /* frame 2 */
    expect_match("called_from_lib:libc.so.6", NULL, true);
    expect_match("called_from_lib:^libz.so", NULL, false);
    expect_match("called_from_lib:^lib/libstats", NULL, false);
    expect_match("called_from_lib:read_stats", NULL, false); /* not functions */
    expect_match("called_from_lib:stats.c", NULL, false);    /* nor files */
    expect_match("called_from_lib:g_total", "g_total", false);
}

static void test_match_other_types(void **state)
{
    (void)state;
    /* accepted so TSan files load; nothing reports these yet */
    expect_match("thread:worker", NULL, false);
    expect_match("mutex:*", NULL, false);
    expect_match("signal:bump", NULL, false);
    expect_match("deadlock:*", "g", false);
}

static void test_match_edges(void **state)
{
    (void)state;
    gm_supp *s = parse_ok("race:*\n");
    /* no stacks, no global: nothing to match */
    assert_null(gm_supp_match_race(s, NULL, NULL, 0, NULL));
    /* a stack of unknown frames: NULL strings never match */
    gm_symframe unknown = fr(NULL, NULL, NULL);
    const gm_symframe *st[1] = {&unknown};
    int n[1] = {1};
    assert_null(gm_supp_match_race(s, st, n, 1, NULL));
    /* an empty stack next to a real one */
    const gm_symframe *st2[2] = {&unknown, cur};
    int n2[2] = {0, 1};
    assert_non_null(gm_supp_match_race(s, st2, n2, 2, NULL));
    assert_null(gm_supp_match_race(NULL, stacks, nframes, 2, "x"));
    assert_int_equal(gm_supp_rule_at(s, 0)->hits, 1);
    gm_supp_free(s);
    /* race_top on an empty stack */
    s = parse_ok("race_top:*\n");
    assert_null(gm_supp_match_race(s, st2, n2, 1, NULL));
    gm_supp_free(s);
}

static void test_first_rule_wins_and_hits(void **state)
{
    (void)state;
    gm_supp *s = parse_ok("race:nope\n"
                          "race_top:read_stats\n" /* matches: the second stack's top */
                          "race:bump\n"           /* would match too */
                          "called_from_lib:libz\n");
    for (int k = 1; k <= 3; k++) {
        gm_supp_rule *r = gm_supp_match_race(s, stacks, nframes, 2, NULL);
        assert_non_null(r);
        assert_string_equal(r->type, "race_top");
        assert_int_equal(r->line, 2);
        assert_int_equal(r->hits, k);
    }
    /* with only the first stack, the third rule is first to match */
    gm_supp_rule *r = gm_supp_match_race(s, stacks, nframes, 1, NULL);
    assert_non_null(r);
    assert_string_equal(r->pattern, "bump");
    assert_int_equal(r->line, 3);
    /* nothing matches: no count moves */
    gm_symframe other = fr("elsewhere", "/x.c", "/bin/x");
    const gm_symframe *st[1] = {&other};
    int n[1] = {1};
    assert_null(gm_supp_match_race(s, st, n, 1, "gvar"));
    assert_int_equal(gm_supp_rule_at(s, 0)->hits, 0);
    assert_int_equal(gm_supp_rule_at(s, 1)->hits, 3);
    assert_int_equal(gm_supp_rule_at(s, 2)->hits, 1);
    assert_int_equal(gm_supp_rule_at(s, 3)->hits, 0);
    gm_supp_free(s);
}

/* ---- files ---- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/gomm_supp_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return setup_stacks(state);
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/tsan.supp", tmpdir);
    static const char text[] = "# suppressions\n"
                               "race:^read_stats$\n"
                               "\n"
                               "called_from_lib:libstats.so\n";
    write_file(path, text, sizeof text - 1);
    err[0] = 'X';
    gm_supp *s = gm_supp_load(path, err, sizeof err);
    assert_non_null(s);
    assert_string_equal(err, "");
    assert_int_equal(gm_supp_count(s), 2);
    check_rule(s, 0, "race", "^read_stats$", 2);
    check_rule(s, 1, "called_from_lib", "libstats.so", 4);
    assert_ptr_equal(gm_supp_match_race(s, stacks, nframes, 2, NULL), gm_supp_rule_at(s, 0));
    gm_supp_free(s);

    /* an empty file: an empty set */
    write_file(path, "", 0);
    s = gm_supp_load(path, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(gm_supp_count(s), 0);
    gm_supp_free(s);

    /* a big file (larger than the first read buffer and than 64 KiB) */
    static char big[200000];
    size_t len = 0;
    int rules = 0;
    while (len + 40 < sizeof big) {
        len += (size_t)snprintf(big + len, sizeof big - len, "race:function_number_%d\n", rules);
        rules++;
    }
    write_file(path, big, len);
    s = gm_supp_load(path, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(gm_supp_count(s), rules);
    char last[64];
    snprintf(last, sizeof last, "function_number_%d", rules - 1);
    check_rule(s, rules - 1, "race", last, rules);
    gm_supp_free(s);
}

static void test_load_errors(void **state)
{
    (void)state;
    char path[128], want[256];

    /* a malformed line: the file's name and the line */
    snprintf(path, sizeof path, "%s/bad.supp", tmpdir);
    static const char bad[] = "# header\n\nrace:ok\n\n# more\nrace_top\n";
    write_file(path, bad, sizeof bad - 1);
    err[0] = '\0';
    assert_null(gm_supp_load(path, err, sizeof err));
    snprintf(want, sizeof want, "%s:6: expected TYPE:PATTERN, got 'race_top'", path);
    assert_string_equal(err, want);

    /* missing */
    snprintf(path, sizeof path, "%s/missing.supp", tmpdir);
    assert_null(gm_supp_load(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory", path);
    assert_string_equal(err, want);

    /* a directory */
    assert_null(gm_supp_load(tmpdir, err, sizeof err));
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", tmpdir);
    assert_string_equal(err, want);

    /* a NUL byte: not a text file */
    snprintf(path, sizeof path, "%s/binary.supp", tmpdir);
    write_file(path, "race:a\n\0race:b\n", 15);
    assert_null(gm_supp_load(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: cannot read: holds a NUL byte (not a text file?)", path);
    assert_string_equal(err, want);

    /* unreadable (root reads anything: then only the other cases run) */
    snprintf(path, sizeof path, "%s/secret.supp", tmpdir);
    write_file(path, "race:a\n", 7);
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) {
        assert_null(gm_supp_load(path, err, sizeof err));
        snprintf(want, sizeof want, "%s: cannot read: Permission denied", path);
        assert_string_equal(err, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_table),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_rules),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test_setup(test_match_race, setup_stacks),
        cmocka_unit_test_setup(test_match_race_top, setup_stacks),
        cmocka_unit_test_setup(test_match_called_from_lib, setup_stacks),
        cmocka_unit_test_setup(test_match_other_types, setup_stacks),
        cmocka_unit_test_setup(test_match_edges, setup_stacks),
        cmocka_unit_test_setup(test_first_rule_wins_and_hits, setup_stacks),
        cmocka_unit_test_setup_teardown(test_load_file, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_errors, make_tmpdir, remove_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
