/*
 * tools/util.c — helpers of the gomm command line (see tools.h): string
 * vectors, byte buffers, allocation that exits on failure, shell quoting,
 * whole-file reads and the path of the running executable.
 *
 * Invariants: a strvec's v[n] is NULL whenever v is not NULL; an sbuf's
 * s[len] is '\0' whenever s is not NULL. Nothing here keeps global state
 * except self_exe's cached path.
 */
#define _GNU_SOURCE
#include "tools.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void oom(void)
{
    fputs("gomm: out of memory\n", stderr);
    exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}

static void sv_grow(strvec *s)
{
    if (s->n + 2 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
}

void sv_push(strvec *s, const char *str)
{
    sv_grow(s);
    s->v[s->n++] = xstrdup(str);
    s->v[s->n] = NULL;
}

void sv_pushn(strvec *s, const char *str, size_t len)
{
    sv_grow(s);
    char *d = xmalloc(len + 1);
    memcpy(d, str, len);
    d[len] = '\0';
    s->v[s->n++] = d;
    s->v[s->n] = NULL;
}

void sv_push_all(strvec *s, const strvec *from)
{
    for (size_t i = 0; i < from->n; i++)
        sv_push(s, from->v[i]);
}

void sv_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static bool shell_safe(const char *w)
{
    if (!*w)
        return false;
    for (const char *p = w; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "@%_+=:,./-",
                    *p))
            return false;
    return true;
}

void print_command(FILE *f, const strvec *words)
{
    for (size_t i = 0; i < words->n; i++) {
        const char *w = words->v[i];
        if (i)
            fputc(' ', f);
        if (shell_safe(w)) {
            fputs(w, f);
            continue;
        }
        fputc('\'', f);
        for (const char *p = w; *p; p++) {
            if (*p == '\'')
                fputs("'\\''", f);
            else
                fputc(*p, f);
        }
        fputc('\'', f);
    }
    fputc('\n', f);
}

static void sb_reserve(sbuf *b, size_t more)
{
    if (b->len + more + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + more + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
}

void sb_putn(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_put(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_putc(sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_putn(&b, chunk, n);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        sb_free(&b);
        errno = err;
        return NULL;
    }
    if (!b.s)
        b.s = xcalloc(1, 1);
    if (len)
        *len = b.len;
    return b.s;
}

const char *self_exe(void)
{
    static char *path;
    static bool done;
    if (!done) {
        done = true;
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
        if (n > 0) {
            buf[n] = '\0';
            path = xstrdup(buf);
        }
    }
    return path;
}

bool same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!*a || !*b || !realpath(a, ra) || !realpath(b, rb))
        return false;
    return !strcmp(ra, rb);
}
