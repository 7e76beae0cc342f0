/*
 * checker/suppress.c — suppressions in ThreadSanitizer's file syntax (see
 * suppress.h).
 *
 * A set is one block from gm_rt_alloc: the gm_supp header, the rules, then
 * every pattern, NUL-terminated, back to back. gm_supp_parse walks the text
 * twice with the same line parser: the first pass checks every line and
 * counts rules and pattern bytes, the second fills the block, so an error
 * allocates nothing and a set needs one allocation. Types point to the
 * static names below, never into the caller's text.
 *
 * A line: leading and trailing blanks are dropped; empty lines and lines
 * whose first non-blank is '#' are skipped; a '#' after a blank ends the
 * rule ("race:foo  # why"); the rest is TYPE:PATTERN, split at the first
 * ':' and each side trimmed. Line numbers count every '\n', so they stay
 * right after comments and blank lines.
 *
 * Patterns (gm_supp_pattern_match) follow TSan's template semantics,
 * written here from the description: '*' matches any run of characters;
 * a leading '^' anchors the start and a trailing '$' the end; an
 * unanchored side matches anywhere (an implicit '*'). Segments between
 * stars are matched leftmost-first, which is exact for patterns with only
 * '*': a segment matched further left never leaves less room for the rest.
 *
 * Locking: a set is built once at start-up and not changed afterwards
 * except for hit counts, which gm_supp_match_race updates; it is called
 * only under the report lock, which therefore also guards the counts
 * (read by print_suppressions at exit under that lock).
 */
#define _GNU_SOURCE
#include "suppress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../alloc/fatal.h"
#include "mem.h"

/* Longest line: no buffer depends on it; it stops a binary file given by
 * mistake early, with a line number. */
#define MAX_LINE 4096

/* Longest file gm_supp_load reads. */
#define MAX_FILE (64u << 20)

struct gm_supp {
    size_t size; /* bytes of this block, for gm_rt_free */
    int n;
    gm_supp_rule rules[];
};

enum { T_RACE, T_RACE_TOP, T_CALLED_FROM_LIB, T_THREAD, T_MUTEX, T_SIGNAL, T_DEADLOCK, NTYPES };

static const char *const type_names[NTYPES] = {
    "race", "race_top", "called_from_lib", "thread", "mutex", "signal", "deadlock",
};

#define KNOWN_TYPES "race, race_top, called_from_lib, thread, mutex, signal, deadlock"

/* How much of a bad line an error message quotes. */
#define SHOW_MAX 64

static void set_err(char *err, size_t errlen, const char *fmt, ...) GM_PRINTF(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int show_len(size_t n)
{
    return n > SHOW_MAX ? SHOW_MAX : (int)n;
}

static const char *show_more(size_t n)
{
    return n > SHOW_MAX ? "..." : "";
}

/* One pass over the text. With out == NULL, check and count; otherwise
 * fill out->rules and the pattern bytes at strings. */
static int parse_pass(const char *text, const char *file, gm_supp *out, char *strings, int *nrules,
                      size_t *nbytes, char *err, size_t errlen)
{
    int n = 0;
    size_t bytes = 0;
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *next = *eol ? eol + 1 : eol;
        size_t raw = (size_t)(eol - p);
        if (raw > MAX_LINE) {
            set_err(err, errlen, "%s:%d: line too long (%zu bytes; at most %d)", file, lineno, raw,
                    MAX_LINE);
            return -1;
        }
        const char *b = p, *e = eol;
        while (b < e && is_blank(*b))
            b++;
        if (b == e || *b == '#') {
            p = next;
            continue;
        }
        /* a '#' after a blank starts a trailing comment */
        for (const char *c = b + 1; c < e; c++) {
            if (*c == '#' && is_blank(c[-1])) {
                e = c;
                break;
            }
        }
        while (e > b && is_blank(e[-1]))
            e--;
        const char *colon = memchr(b, ':', (size_t)(e - b));
        if (!colon) {
            size_t l = (size_t)(e - b);
            set_err(err, errlen, "%s:%d: expected TYPE:PATTERN, got '%.*s%s'", file, lineno,
                    show_len(l), b, show_more(l));
            return -1;
        }
        const char *te = colon;
        while (te > b && is_blank(te[-1]))
            te--;
        size_t tlen = (size_t)(te - b);
        int type = -1;
        for (int t = 0; t < NTYPES; t++) {
            if (strlen(type_names[t]) == tlen && memcmp(type_names[t], b, tlen) == 0) {
                type = t;
                break;
            }
        }
        if (type < 0) {
            if (tlen == 0)
                set_err(err, errlen, "%s:%d: missing suppression type before ':' (known: %s)", file,
                        lineno, KNOWN_TYPES);
            else
                set_err(err, errlen, "%s:%d: unknown suppression type '%.*s%s' (known: %s)", file,
                        lineno, show_len(tlen), b, show_more(tlen), KNOWN_TYPES);
            return -1;
        }
        const char *pb = colon + 1;
        while (pb < e && is_blank(*pb))
            pb++;
        size_t plen = (size_t)(e - pb);
        if (plen == 0) {
            set_err(err, errlen, "%s:%d: empty pattern after '%s:'", file, lineno,
                    type_names[type]);
            return -1;
        }
        if (out) {
            gm_supp_rule *r = &out->rules[n];
            r->type = type_names[type];
            memcpy(strings + bytes, pb, plen);
            strings[bytes + plen] = '\0';
            r->pattern = strings + bytes;
            r->line = lineno;
            r->hits = 0;
        }
        n++;
        bytes += plen + 1;
        p = next;
    }
    *nrules = n;
    *nbytes = bytes;
    return 0;
}

gm_supp *gm_supp_parse(const char *text, const char *filename, char *err, size_t errlen)
{
    const char *file = filename ? filename : "suppressions";
    if (err && errlen)
        err[0] = '\0';
    if (!text)
        text = "";
    int n;
    size_t bytes;
    if (parse_pass(text, file, NULL, NULL, &n, &bytes, err, errlen) < 0)
        return NULL;
    size_t head = sizeof(gm_supp) + (size_t)n * sizeof(gm_supp_rule);
    size_t size = head + bytes;
    gm_supp *s = gm_rt_alloc(size);
    s->size = size;
    s->n = n;
    int n2;
    size_t bytes2;
    /* cannot fail: the same text passed the first pass */
    parse_pass(text, file, s, (char *)s + head, &n2, &bytes2, err, errlen);
    return s;
}

gm_supp *gm_supp_load(const char *path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    /* st_size is a hint (a pipe says 0): grow while the file goes on. A
     * directory opens, and its read fails with EISDIR. */
    size_t cap = st.st_size > 0 && (uintmax_t)st.st_size < MAX_FILE ? (size_t)st.st_size + 1 : 4096;
    char *buf = gm_rt_alloc(cap);
    size_t len = 0;
    for (;;) {
        if (len + 1 == cap) {
            if (cap >= MAX_FILE) {
                set_err(err, errlen, "%s: cannot read: larger than %u MiB", path, MAX_FILE >> 20);
                gm_rt_free(buf, cap);
                close(fd);
                return NULL;
            }
            char *nb = gm_rt_alloc(cap * 2);
            memcpy(nb, buf, len);
            gm_rt_free(buf, cap);
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            gm_rt_free(buf, cap);
            close(fd);
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    gm_supp *s = NULL;
    if (memchr(buf, '\0', len))
        set_err(err, errlen, "%s: cannot read: holds a NUL byte (not a text file?)", path);
    else
        s = gm_supp_parse(buf, path, err, errlen);
    gm_rt_free(buf, cap);
    return s;
}

void gm_supp_free(gm_supp *s)
{
    if (s)
        gm_rt_free(s, s->size);
}

int gm_supp_count(const gm_supp *s)
{
    return s ? s->n : 0;
}

const gm_supp_rule *gm_supp_rule_at(const gm_supp *s, int i)
{
    if (!s || i < 0 || i >= s->n)
        return NULL;
    return &s->rules[i];
}

/* Leftmost occurrence of needle[0..n) in [s, end), or NULL. */
static const char *find(const char *s, const char *end, const char *needle, size_t n)
{
    if (n == 0)
        return s;
    if ((size_t)(end - s) < n)
        return NULL;
    return memmem(s, (size_t)(end - s), needle, n);
}

bool gm_supp_pattern_match(const char *pattern, const char *str)
{
    if (!pattern || !str)
        return false;
    const char *p = pattern, *pend = pattern + strlen(pattern);
    bool anchor_start = p < pend && *p == '^';
    if (anchor_start)
        p++;
    bool anchor_end = pend > p && pend[-1] == '$';
    if (anchor_end)
        pend--;
    const char *s = str, *send = str + strlen(str);
    bool first = true;
    for (;;) {
        const char *star = memchr(p, '*', (size_t)(pend - p));
        const char *segend = star ? star : pend;
        size_t n = (size_t)(segend - p);
        bool last = star == NULL;
        size_t left = (size_t)(send - s);
        if (last && anchor_end) {
            /* the final segment ends the string; when it is also the
             * first and anchored, it is the whole string */
            if (first && anchor_start)
                return n == left && memcmp(s, p, n) == 0;
            return n <= left && memcmp(send - n, p, n) == 0;
        }
        if (first && anchor_start) {
            if (n > left || memcmp(s, p, n) != 0)
                return false;
            s += n;
        } else {
            const char *f = find(s, send, p, n);
            if (!f)
                return false;
            s = f + n;
        }
        if (last)
            return true;
        p = star + 1;
        first = false;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A module matches by its path or by its basename ("^libfoo.so"). */
static bool module_match(const char *pat, const char *module)
{
    if (!module)
        return false;
    return gm_supp_pattern_match(pat, module) || gm_supp_pattern_match(pat, base_name(module));
}

static bool frame_match(const char *pat, const gm_symframe *f)
{
    return gm_supp_pattern_match(pat, f->function) || gm_supp_pattern_match(pat, f->file) ||
           module_match(pat, f->module);
}

static bool rule_match(const gm_supp_rule *r, const gm_symframe *const *stacks, const int *nframes,
                       int nstacks, const char *global)
{
    const char *t = r->type;
    if (t == type_names[T_RACE]) {
        if (global && gm_supp_pattern_match(r->pattern, global))
            return true;
        for (int i = 0; i < nstacks; i++)
            for (int j = 0; stacks[i] && j < nframes[i]; j++)
                if (frame_match(r->pattern, &stacks[i][j]))
                    return true;
    } else if (t == type_names[T_RACE_TOP]) {
        for (int i = 0; i < nstacks; i++)
            if (stacks[i] && nframes[i] > 0 && frame_match(r->pattern, &stacks[i][0]))
                return true;
    } else if (t == type_names[T_CALLED_FROM_LIB]) {
        for (int i = 0; i < nstacks; i++)
            for (int j = 0; stacks[i] && j < nframes[i]; j++)
                if (module_match(r->pattern, stacks[i][j].module))
                    return true;
    }
    /* thread, mutex, signal, deadlock: nothing reports those yet */
    return false;
}

gm_supp_rule *gm_supp_match_race(gm_supp *s, const gm_symframe *const *stacks, const int *nframes,
                                 int nstacks, const char *global)
{
    if (!s)
        return NULL;
    for (int i = 0; i < s->n; i++) {
        gm_supp_rule *r = &s->rules[i];
        if (rule_match(r, stacks, nframes, nstacks, global)) {
            r->hits++;
            return r;
        }
    }
    return NULL;
}
