/*
 * tools/cc.c — `gomm cc`: a drop-in C compiler driver that builds programs
 * for the race checker (docs/gomm-cc.md).
 *
 * It runs the real compiler ($GOMM_CC, else clang if on PATH, else gcc)
 * with the user's arguments, and:
 *   - compile steps (-c, -S, -E, -M, -MM, -fsyntax-only, and the compile
 *     half of a one-step build) get -fsanitize=thread; gcc also gets
 *     -fno-builtin-{memcpy,memmove,memset}, so that fixed-size copies stay
 *     calls that the runtime intercepts;
 *   - executable links get the race runtime (libgomm_race_cc.a: the race
 *     build of libgomm plus the libc and pthread interceptors; linked as a
 *     whole archive, with its dynamic list, then -ldw -lpthread -ldl
 *     -latomic) and never the compiler's own TSan runtime: clang gets
 *     -fno-sanitize-link-runtime, gcc never sees -fsanitize=thread at link
 *     time, so a gcc one-step build is split into one compile per source
 *     (into a temporary directory) and a link;
 *   - -shared and -r links get no runtime (the executable provides it);
 *     -static is refused.
 * A call with no input file (--version, -v, -dumpmachine, -print-*) runs
 * the compiler unchanged, so build systems' probes see the real compiler.
 *
 * Invariants: every argument the user gave reaches the compiler in its
 * order, except -fsanitize=thread at link time, the -x options of a split
 * gcc build, and the user's -lgomm/-lgomm_race (and libgomm*.a/.so
 * paths), which would duplicate the runtime that is linked whole. Response
 * files (@file) are read to classify the call and are passed as given
 * unless one holds something that must be changed (then its words are
 * passed instead). Exit status: the compiler's; 2 when gomm cc itself
 * fails (runtime not found, -static, cannot run the compiler).
 */
#define _GNU_SOURCE
#include "tools.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GOMM_BINARY_DIR
#define GOMM_BINARY_DIR ""
#endif
#ifndef GOMM_RUNTIME_BUILD_DIR
#define GOMM_RUNTIME_BUILD_DIR GOMM_BINARY_DIR
#endif
#ifndef GOMM_SOURCE_DIR
#define GOMM_SOURCE_DIR ""
#endif
#ifndef GOMM_INSTALL_LIBDIR
#define GOMM_INSTALL_LIBDIR "lib"
#endif

#define RUNTIME_ARCHIVE "libgomm_race_cc.a"
#define DYNLIST         "race-interceptors.dynlist"

enum family { FAM_UNKNOWN, FAM_CLANG, FAM_GCC };

static bool verbose;

static void cc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void cc_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gomm cc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- the compiler ---- */

static bool file_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The full path of a command found on PATH (or the name itself when it
 * holds a slash), or NULL. */
static char *which(const char *name)
{
    if (strchr(name, '/'))
        return file_executable(name) ? xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *cand = n ? xasprintf("%.*s/%s", (int)n, p, name) : xasprintf("./%s", name);
        if (file_executable(cand))
            return cand;
        free(cand);
        if (!e)
            break;
        p = e + 1;
    }
    return NULL;
}

/* $GOMM_CC split at blanks, else clang if on PATH, else gcc. */
static void compiler_command(strvec *cmd)
{
    const char *env = getenv("GOMM_CC");
    if (env) {
        for (const char *p = env; *p;) {
            while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
            const char *s = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\n')
                p++;
            if (p > s)
                sv_pushn(cmd, s, (size_t)(p - s));
        }
        if (cmd->n)
            return;
    }
    char *clang = which("clang");
    sv_push(cmd, clang ? "clang" : "gcc");
    free(clang);
}

static enum family family_of_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strstr(base, "clang"))
        return FAM_CLANG;
    if (strstr(base, "gcc") || strstr(base, "g++"))
        return FAM_GCC;
    return FAM_UNKNOWN;
}

/* Runs `CMD -dM -E -x c /dev/null` and looks for __clang__. */
static enum family probe_family(const strvec *cmd)
{
    int fd[2];
    if (pipe(fd) != 0)
        return FAM_GCC;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return FAM_GCC;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        strvec a = {0};
        sv_push_all(&a, cmd);
        sv_push(&a, "-dM");
        sv_push(&a, "-E");
        sv_push(&a, "-x");
        sv_push(&a, "c");
        sv_push(&a, "/dev/null");
        execvp(a.v[0], a.v);
        _exit(127);
    }
    close(fd[1]);
    sbuf out = {0};
    char buf[4096];
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            sb_putn(&out, buf, (size_t)n);
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    enum family f = out.s && strstr(out.s, "__clang__") ? FAM_CLANG : FAM_GCC;
    sb_free(&out);
    return f;
}

/* clang or gcc: from the names of the command's words (following
 * symlinks: cc -> gcc), skipping launchers such as ccache; else a probe. */
static enum family compiler_family(const strvec *cmd)
{
    for (size_t i = 0; i < cmd->n; i++) {
        const char *w = cmd->v[i];
        if (w[0] == '-' || strchr(w, '='))
            continue;
        enum family f = family_of_name(w);
        if (f != FAM_UNKNOWN)
            return f;
        char *path = which(w);
        if (path) {
            char real[PATH_MAX];
            if (realpath(path, real))
                f = family_of_name(real);
            free(path);
            if (f != FAM_UNKNOWN)
                return f;
        }
        const char *base = strrchr(w, '/');
        base = base ? base + 1 : w;
        if (strcmp(base, "ccache") && strcmp(base, "sccache") && strcmp(base, "distcc"))
            break; /* the compiler itself, of an unknown name */
    }
    return probe_family(cmd);
}

/* ---- response files ---- */

/* Splits a response file the way gcc and clang do: blanks separate words,
 * '...' and "..." quote, a backslash escapes the next character. */
static void split_response(const char *text, strvec *out)
{
    const char *p = text;
    sbuf w = {0};
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
            p++;
        if (!*p)
            break;
        w.len = 0;
        sb_put(&w, "");
        char quote = 0;
        for (; *p; p++) {
            char c = *p;
            if (quote) {
                if (c == quote)
                    quote = 0;
                else if (c == '\\' && p[1])
                    sb_putc(&w, *++p);
                else
                    sb_putc(&w, c);
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\' && p[1]) {
                sb_putc(&w, *++p);
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
                break;
            } else {
                sb_putc(&w, c);
            }
        }
        sv_pushn(out, w.s, w.len);
    }
    sb_free(&w);
}

typedef struct word {
    char *text;
    int top;  /* index of the user's argument it comes from */
    bool rsp; /* read from a response file */
} word;

typedef struct words {
    word *v;
    size_t n, cap;
} words;

static void words_push(words *ws, const char *text, int top, bool rsp)
{
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? ws->cap * 2 : 64;
        ws->v = xrealloc(ws->v, ws->cap * sizeof *ws->v);
    }
    ws->v[ws->n++] = (word){xstrdup(text), top, rsp};
}

/* Expands @file arguments (nested up to a depth, as the compilers do); an
 * unreadable one stays a word of its own, as the compiler treats it. */
static void expand(words *ws, const char *arg, int top, bool rsp, int depth)
{
    if (arg[0] == '@' && arg[1] && depth < 16) {
        char *text = read_file(arg + 1, NULL);
        if (text) {
            strvec parts = {0};
            split_response(text, &parts);
            free(text);
            for (size_t i = 0; i < parts.n; i++)
                expand(ws, parts.v[i], top, true, depth + 1);
            sv_free(&parts);
            return;
        }
    }
    words_push(ws, arg, top, rsp);
}

/* ---- classifying the arguments ---- */

/* Options whose value is the next argument when given alone. */
static bool takes_separate_value(const char *a)
{
    static const char *const opts[] = {
        "-o",
        "-x",
        "-I",
        "-D",
        "-U",
        "-include",
        "-imacros",
        "-idirafter",
        "-iprefix",
        "-iwithprefix",
        "-iwithprefixbefore",
        "-isystem",
        "-isysroot",
        "-iquote",
        "-imultilib",
        "-isystem-after",
        "-cxx-isystem",
        "-iframework",
        "-MF",
        "-MT",
        "-MQ",
        "-MJ",
        "-L",
        "-l",
        "-T",
        "-u",
        "-e",
        "-z",
        "-B",
        "-F",
        "-Xlinker",
        "-Xassembler",
        "-Xpreprocessor",
        "-Xclang",
        "-Xanalyzer",
        "-Xopenmp-target",
        "-mllvm",
        "-aux-info",
        "--param",
        "-arch",
        "-target",
        "-gcc-toolchain",
        "-dumpbase",
        "-dumpdir",
        "-dumpbase-ext",
        "-ivfsoverlay",
        "-resource-dir",
        "-working-directory",
        "-serialize-diagnostics",
        "--sysroot",
        "--output",
        "--language",
        "--define-macro",
        "--undefine-macro",
        "--include-directory",
        "--library-directory",
        "--for-linker",
        "--include",
        "--imacros",
        "--include-prefix",
        "--include-with-prefix",
        "--include-with-prefix-before",
        "--include-barrier",
        "--entry",
        "--force-link",
        "--assert",
        "-A",
        "--dump",
        "--output-class-directory",
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (!strcmp(a, opts[i]))
            return true;
    return false;
}

static bool is_source_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return false;
    static const char *const exts[] = {".c",   ".i",  ".cc", ".cp",  ".cxx", ".cpp", ".CPP",
                                       ".c++", ".C",  ".ii", ".s",   ".S",   ".sx",  ".m",
                                       ".mi",  ".mm", ".M",  ".mii", ".h",   ".hh",  ".hpp"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (!strcmp(dot, exts[i]))
            return true;
    return false;
}

/* libgomm and libgomm_race: the runtime is linked whole, these would
 * bring the same code a second time (duplicate definitions, or a second
 * allocator in a shared copy). */
static bool is_gomm_library(const char *a)
{
    if (!strcmp(a, "-lgomm") || !strcmp(a, "-lgomm_race") || !strcmp(a, "-l:libgomm.a") ||
        !strcmp(a, "-l:libgomm_race.a") || !strcmp(a, "-l:libgomm.so") ||
        !strcmp(a, "-lgomm_race_cc") || !strcmp(a, "-l:libgomm_race_cc.a") ||
        !strcmp(a, "-l:libgomm_race.so"))
        return true;
    if (a[0] == '-')
        return false;
    const char *base = strrchr(a, '/');
    base = base ? base + 1 : a;
    return !strcmp(base, "libgomm.a") || !strcmp(base, "libgomm_race.a") ||
           !strcmp(base, "libgomm_race_cc.a") || !strcmp(base, "libgomm.so") ||
           !strncmp(base, "libgomm.so.", 11) || !strcmp(base, "libgomm_race.so") ||
           !strncmp(base, "libgomm_race.so.", 16);
}

/* -fsanitize=LIST without "thread": NULL when the list becomes empty. */
static char *without_thread(const char *a)
{
    const char *list = a + strlen("-fsanitize=");
    sbuf b = {0};
    sb_put(&b, "-fsanitize=");
    bool any = false;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!(n == 6 && !strncmp(p, "thread", 6)) && n) {
            if (any)
                sb_putc(&b, ',');
            sb_putn(&b, p, n);
            any = true;
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (!any) {
        sb_free(&b);
        return NULL;
    }
    return b.s;
}

static bool sanitizes_thread(const char *a)
{
    if (strncmp(a, "-fsanitize=", 11))
        return false;
    for (const char *p = a + 11; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 6 && !strncmp(p, "thread", 6))
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

enum wkind {
    W_OPTION, /* an option (with its value words marked W_VALUE) */
    W_VALUE,  /* the separate value of the option before it */
    W_XLANG,  /* -x LANG or -xLANG (the value word is W_VALUE) */
    W_OUTPUT, /* -o (the value word is W_VALUE) */
    W_SOURCE, /* an input the compiler compiles */
    W_INPUT,  /* an input for the linker (object, archive, library) */
    W_GOMMLIB,
    W_TSAN, /* -fsanitize=...thread... */
};

typedef struct call {
    words ws;
    enum wkind *kind;
    char **lang; /* W_SOURCE: the -x language in effect, or NULL */
    bool no_link, shared, is_static, any_input, any_source;
    bool xlang_at_end; /* a -x LANG (not none) still applies after the last word */
} call;

static void classify(call *c)
{
    c->kind = xcalloc(c->ws.n, sizeof *c->kind);
    c->lang = xcalloc(c->ws.n, sizeof *c->lang);
    const char *xlang = NULL;
    bool end_of_options = false;
    for (size_t i = 0; i < c->ws.n; i++) {
        const char *a = c->ws.v[i].text;
        if (end_of_options || a[0] != '-' || !strcmp(a, "-")) {
            bool src = xlang ? strcmp(xlang, "none") != 0 : is_source_name(a);
            if (!strcmp(a, "-"))
                src = true; /* stdin is always compiled (it needs -x) */
            c->kind[i] = src ? W_SOURCE : W_INPUT;
            if (src) {
                c->lang[i] = xlang && strcmp(xlang, "none") ? xstrdup(xlang) : NULL;
                c->any_source = true;
            } else if (is_gomm_library(a)) {
                c->kind[i] = W_GOMMLIB;
            }
            c->any_input = true;
            continue;
        }
        c->kind[i] = W_OPTION;
        if (!strcmp(a, "--")) {
            end_of_options = true;
            continue;
        }
        if (!strcmp(a, "-c") || !strcmp(a, "-S") || !strcmp(a, "-E") || !strcmp(a, "-M") ||
            !strcmp(a, "-MM") || !strcmp(a, "-fsyntax-only") || !strcmp(a, "--analyze") ||
            !strcmp(a, "--compile") || !strcmp(a, "--assemble") || !strcmp(a, "--preprocess") ||
            !strcmp(a, "--dependencies") || !strcmp(a, "--user-dependencies") ||
            !strcmp(a, "-emit-ast"))
            c->no_link = true;
        else if (!strcmp(a, "-shared") || !strcmp(a, "-r") || !strcmp(a, "--shared") ||
                 !strcmp(a, "-Wl,-r") || !strcmp(a, "-Wl,--relocatable"))
            c->shared = true;
        else if (!strcmp(a, "-static") || !strcmp(a, "--static") || !strcmp(a, "-static-pie"))
            c->is_static = true;
        else if (sanitizes_thread(a))
            c->kind[i] = W_TSAN;
        else if (is_gomm_library(a))
            c->kind[i] = W_GOMMLIB;
        if (!strncmp(a, "-x", 2)) {
            c->kind[i] = W_XLANG;
            if (a[2]) {
                xlang = a + 2;
            } else if (i + 1 < c->ws.n) {
                xlang = c->ws.v[i + 1].text;
                c->kind[++i] = W_VALUE;
            }
            continue;
        }
        if (!strcmp(a, "-l") && i + 1 < c->ws.n) {
            const char *v = c->ws.v[i + 1].text;
            if (!strcmp(v, "gomm") || !strcmp(v, "gomm_race") || !strcmp(v, "gomm_race_cc")) {
                c->kind[i] = W_GOMMLIB;
                c->kind[++i] = W_GOMMLIB;
                continue;
            }
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            c->kind[i] = W_OUTPUT;
            if (i + 1 < c->ws.n)
                c->kind[++i] = W_VALUE;
            continue;
        }
        if (!strncmp(a, "-o", 2) || !strncmp(a, "--output=", 9)) {
            c->kind[i] = W_OUTPUT; /* -oFILE */
            continue;
        }
        if (takes_separate_value(a) && i + 1 < c->ws.n)
            c->kind[++i] = W_VALUE;
    }
    c->xlang_at_end = xlang && strcmp(xlang, "none");
}

/* ---- running ---- */

static void show(const strvec *cmd)
{
    if (!verbose)
        return;
    fputs("gomm cc: ", stderr);
    print_command(stderr, cmd);
}

/* Runs a command and waits: its exit status (128+N for signal N), or -1
 * when it could not be started. */
static int run_wait(const strvec *cmd)
{
    show(cmd);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        cc_error("cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execvp(cmd->v[0], cmd->v);
        cc_error("cannot run '%s': %s", cmd->v[0], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 1;
}

static int exec_now(const strvec *cmd)
{
    show(cmd);
    fflush(NULL);
    execvp(cmd->v[0], cmd->v);
    cc_error("cannot run '%s': %s", cmd->v[0], strerror(errno));
    return 2;
}

/* ---- the runtime ---- */

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where this gomm was built (compile definitions; empty when unknown). */
static const char *const binary_dir = GOMM_BINARY_DIR;
static const char *const runtime_build_dir = GOMM_RUNTIME_BUILD_DIR;
static const char *const source_dir = GOMM_SOURCE_DIR;

static bool known(const char *s)
{
    return s && *s;
}

/* Finds libgomm_race_cc.a and its dynamic list: $GOMM_LIBDIR, else the build
 * tree the executable sits in, else <prefix>/<libdir> of the install. */
static bool find_runtime(char **archive, char **dynlist)
{
    strvec tried = {0};
    const char *env = getenv("GOMM_LIBDIR");
    char *a = NULL, *d = NULL;
    if (env && *env) {
        a = xasprintf("%s/%s", env, RUNTIME_ARCHIVE);
        sv_push(&tried, a);
        char *dcands[] = {xasprintf("%s/gomm/" DYNLIST, env), xasprintf("%s/" DYNLIST, env)};
        for (size_t i = 0; i < 2; i++) {
            if (!d && file_exists(dcands[i]))
                d = dcands[i];
            else
                free(dcands[i]);
        }
        if (!d && known(source_dir) && same_dir(env, runtime_build_dir))
            d = xasprintf("%s/checker/" DYNLIST, source_dir);
        if (!d)
            d = xasprintf("%s/gomm/" DYNLIST, env);
    } else {
        const char *exe = self_exe();
        char *bindir = exe ? xstrdup(exe) : xstrdup("/usr/local/bin/gomm");
        char *slash = strrchr(bindir, '/');
        if (slash)
            *slash = '\0';
        if (known(binary_dir) && same_dir(bindir, binary_dir)) {
            a = xasprintf("%s/" RUNTIME_ARCHIVE, runtime_build_dir);
            d = xasprintf("%s/checker/" DYNLIST, source_dir);
            sv_push(&tried, a);
        } else {
            const char *libdirs[] = {GOMM_INSTALL_LIBDIR, "lib64", "lib"};
            for (size_t i = 0; i < 3 && !a; i++) {
                char *dir = libdirs[i][0] == '/' ? xstrdup(libdirs[i])
                                                 : xasprintf("%s/../%s", bindir, libdirs[i]);
                char *cand = xasprintf("%s/%s", dir, RUNTIME_ARCHIVE);
                sv_push(&tried, cand);
                if (file_exists(cand)) {
                    a = cand;
                    d = xasprintf("%s/gomm/" DYNLIST, dir);
                } else {
                    free(cand);
                }
                free(dir);
            }
        }
        free(bindir);
    }
    if (!a || !file_exists(a)) {
        sbuf b = {0};
        for (size_t i = 0; i < tried.n; i++)
            sb_printf(&b, "%s%s", i ? ", " : "", tried.v[i]);
        cc_error("cannot find the race runtime " RUNTIME_ARCHIVE " (looked for %s); set "
                 "GOMM_LIBDIR to the directory that holds it",
                 b.s ? b.s : "nothing");
        sb_free(&b);
        sv_free(&tried);
        free(a);
        free(d);
        return false;
    }
    sv_free(&tried);
    if (!file_exists(d)) {
        cc_error("cannot find the runtime's dynamic list %s", d);
        free(a);
        free(d);
        return false;
    }
    char real[PATH_MAX];
    *archive = realpath(a, real) ? xstrdup(real) : xstrdup(a);
    *dynlist = realpath(d, real) ? xstrdup(real) : xstrdup(d);
    free(a);
    free(d);
    return true;
}

static void push_runtime(strvec *cmd, const call *c, const char *archive, const char *dynlist)
{
    if (c->xlang_at_end) { /* the archive is no source */
        sv_push(cmd, "-x");
        sv_push(cmd, "none");
    }
    sv_push(cmd, "-Wl,--whole-archive");
    sv_push(cmd, archive);
    sv_push(cmd, "-Wl,--no-whole-archive");
    char *dl = xasprintf("-Wl,--dynamic-list=%s", dynlist);
    sv_push(cmd, dl);
    free(dl);
    sv_push(cmd, "-ldw");
    sv_push(cmd, "-lpthread");
    sv_push(cmd, "-ldl");
    sv_push(cmd, "-latomic");
}

static void push_compile_flags(strvec *cmd, enum family fam)
{
    sv_push(cmd, "-fsanitize=thread");
    if (fam == FAM_GCC) {
        /* gcc -O2 expands fixed-size mem* inline, uninstrumented */
        sv_push(cmd, "-fno-builtin-memcpy");
        sv_push(cmd, "-fno-builtin-memmove");
        sv_push(cmd, "-fno-builtin-memset");
    }
}

/* Appends the user's words for a link: each argument as given where
 * nothing inside it changes, else its words with the link edits (and,
 * when `objects` is given, each source replaced by its object and the -x
 * options dropped). */
static void push_link_words(strvec *cmd, const call *c, char **argv, int argc, char **objects)
{
    /* which words go, which arguments change */
    bool *drop = xcalloc(c->ws.n, sizeof *drop);
    bool *edit = xcalloc((size_t)argc + 1, sizeof *edit);
    for (size_t i = 0; i < c->ws.n; i++) {
        enum wkind k = c->kind[i];
        if (k == W_GOMMLIB || (objects && k == W_XLANG)) {
            drop[i] = true;
            if (k == W_XLANG && !c->ws.v[i].text[2] && i + 1 < c->ws.n && c->kind[i + 1] == W_VALUE)
                drop[i + 1] = true; /* -x LANG: its value */
        }
    }
    for (size_t i = 0; i < c->ws.n; i++)
        if (drop[i] || c->kind[i] == W_TSAN || (objects && c->kind[i] == W_SOURCE))
            edit[c->ws.v[i].top] = true;
    size_t i = 0;
    for (int top = 0; top < argc; top++) {
        if (!edit[top]) {
            sv_push(cmd, argv[top]);
            while (i < c->ws.n && c->ws.v[i].top == top)
                i++;
            continue;
        }
        for (; i < c->ws.n && c->ws.v[i].top == top; i++) {
            const char *a = c->ws.v[i].text;
            if (drop[i])
                continue;
            if (c->kind[i] == W_TSAN) {
                char *rest = without_thread(a);
                if (rest)
                    sv_push(cmd, rest);
                free(rest);
            } else if (c->kind[i] == W_SOURCE && objects) {
                sv_push(cmd, objects[i]);
            } else {
                sv_push(cmd, a);
            }
        }
    }
    free(drop);
    free(edit);
}

/* ---- the driver ---- */

static int remove_tree(const char *dir, char **objects, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (objects[i])
            unlink(objects[i]);
    return rmdir(dir);
}

/* gcc one-step: compile each source to an object of our own, then link
 * them without -fsanitize=thread. */
static int gcc_split(const strvec *compiler, const call *c, char **argv, int argc,
                     const char *archive, const char *dynlist)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/gomm-cc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        cc_error("cannot create a temporary directory %s: %s", dir, strerror(errno));
        free(dir);
        return 2;
    }
    char **objects = xcalloc(c->ws.n, sizeof *objects);
    int rc = 0;
    int nsrc = 0;
    for (size_t s = 0; s < c->ws.n && rc == 0; s++) {
        if (c->kind[s] != W_SOURCE)
            continue;
        const char *src = c->ws.v[s].text;
        const char *base = strrchr(src, '/');
        base = base ? base + 1 : src;
        objects[s] = xasprintf("%s/%d-%s.o", dir, nsrc++, !strcmp(src, "-") ? "stdin" : base);
        strvec cmd = {0};
        sv_push_all(&cmd, compiler);
        push_compile_flags(&cmd, FAM_GCC);
        for (size_t i = 0; i < c->ws.n; i++) {
            switch (c->kind[i]) {
            case W_OUTPUT:
            case W_XLANG:
            case W_SOURCE:
            case W_INPUT:
            case W_GOMMLIB:
                break;
            case W_VALUE:
                /* the value of an option kept above, or of -o/-x (dropped) */
                if (i > 0 && (c->kind[i - 1] == W_OUTPUT || c->kind[i - 1] == W_XLANG))
                    break;
                sv_push(&cmd, c->ws.v[i].text);
                break;
            default:
                sv_push(&cmd, c->ws.v[i].text);
            }
        }
        if (c->lang[s]) {
            sv_push(&cmd, "-x");
            sv_push(&cmd, c->lang[s]);
        }
        sv_push(&cmd, src);
        sv_push(&cmd, "-c");
        sv_push(&cmd, "-o");
        sv_push(&cmd, objects[s]);
        rc = run_wait(&cmd);
        sv_free(&cmd);
    }
    if (rc == 0) {
        strvec cmd = {0};
        sv_push_all(&cmd, compiler);
        push_link_words(&cmd, c, argv, argc, objects);
        if (!c->shared)
            push_runtime(&cmd, c, archive, dynlist);
        rc = run_wait(&cmd);
        sv_free(&cmd);
    }
    if (rc < 0)
        rc = 2;
    remove_tree(dir, objects, c->ws.n);
    for (size_t i = 0; i < c->ws.n; i++)
        free(objects[i]);
    free(objects);
    free(dir);
    return rc;
}

int gomm_cc_main(int argc, char **argv)
{
    /* argv[0] is "cc"; the compiler's arguments follow */
    argc--;
    argv++;
    const char *v = getenv("GOMM_CC_VERBOSE");
    verbose = v && *v && strcmp(v, "0");

    strvec compiler = {0};
    compiler_command(&compiler);

    call c = {0};
    for (int i = 0; i < argc; i++)
        expand(&c.ws, argv[i], i, false, 0);
    classify(&c);

    strvec cmd = {0};
    sv_push_all(&cmd, &compiler);
    int rc;
    if (!c.any_input) {
        /* a probe: --version, -v, -dumpmachine, -print-file-name=... */
        for (int i = 0; i < argc; i++)
            sv_push(&cmd, argv[i]);
        rc = exec_now(&cmd);
    } else if (c.no_link) {
        enum family fam = compiler_family(&compiler);
        push_compile_flags(&cmd, fam);
        for (int i = 0; i < argc; i++)
            sv_push(&cmd, argv[i]);
        rc = exec_now(&cmd);
    } else if (c.is_static && !c.shared) {
        cc_error("-static is not supported: the race runtime finds the functions it intercepts "
                 "through the dynamic loader; link dynamically (-static-libgcc is fine)");
        rc = 2;
    } else {
        char *archive = NULL, *dynlist = NULL;
        if (!c.shared && !find_runtime(&archive, &dynlist)) {
            rc = 2;
        } else {
            enum family fam = compiler_family(&compiler);
            if (c.any_source && fam == FAM_GCC) {
                rc = gcc_split(&compiler, &c, argv, argc, archive, dynlist);
            } else {
                if (c.any_source) {
                    push_compile_flags(&cmd, fam);
                    sv_push(&cmd, "-fno-sanitize-link-runtime");
                }
                push_link_words(&cmd, &c, argv, argc, NULL);
                if (!c.shared)
                    push_runtime(&cmd, &c, archive, dynlist);
                rc = exec_now(&cmd);
            }
        }
        free(archive);
        free(dynlist);
    }
    sv_free(&cmd);
    sv_free(&compiler);
    return rc;
}
