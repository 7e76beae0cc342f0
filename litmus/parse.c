/*
 * litmus/parse.c — parser of C litmus tests (herd7's format; the grammar
 * and supported subset are in docs/litmus-format.md).
 *
 * A file is read in three parts: the header (line-based: `C NAME`, an
 * optional "doc string", Key=Value metadata lines, (* *) comments) up to
 * the init block's `{`; then the init block and the threads with the code
 * lexer (recursive descent over C statements and expressions, C's
 * precedence); then the final section (locations, filter, quantifier and
 * proposition) with the condition lexer. Names are resolved as they are
 * read: a location is a thread parameter or an init-block name, a register
 * a local of its thread (or preset by `k:r=v`).
 *
 * Invariants: the first error stops the parse (longjmp to lt_parse, which
 * frees the arena) and is reported as "file:line:col: error: ..."; every
 * node and string lives in the test's arena; the parser never reads past
 * the given length. Single-threaded; the returned test is immutable.
 */
#include "ast.h"
#include "lex.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

typedef struct lt_arena {
    struct chunk *head;
} lt_arena;

struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

static void *arena_alloc(lt_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        struct chunk *c = malloc(sizeof *c + cap);
        if (!c) {
            fputs("gomm litmus: out of memory\n", stderr);
            abort();
        }
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(lt_arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Grows an arena array of elem-sized items to hold n+1: the capacity is
 * implicit (4, then doubling at each power of two). */
static void *arena_grow(lt_arena *a, void *arr, int n, size_t elem)
{
    if (n != 0 && (n < 4 || (n & (n - 1))))
        return arr;
    size_t cap = n < 4 ? 4 : (size_t)n * 2;
    void *d = arena_alloc(a, cap * elem);
    if (n)
        memcpy(d, arr, (size_t)n * elem);
    return d;
}
#define PUSH(a, arr, n) ((arr) = arena_grow((a), (arr), (n), sizeof *(arr)), &(arr)[(n)++])

static void arena_free(lt_arena *a)
{
    struct chunk *c = a->head;
    while (c) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

/* ---- names ---- */

const char *lt_mo_name(lt_mo mo)
{
    static const char *const n[] = {
        "memory_order_relaxed", "memory_order_consume", "memory_order_acquire",
        "memory_order_release", "memory_order_acq_rel", "memory_order_seq_cst",
        "non-atomic",
    };
    return (unsigned)mo < sizeof n / sizeof *n ? n[mo] : "?";
}

const char *lt_binop_text(int op)
{
    static const char *const n[] = {"*",  "/",  "%",  "+",  "-", "<<", ">>", "<",  ">",
                                    "<=", ">=", "==", "!=", "&", "^",  "|",  "&&", "||"};
    return (unsigned)op < sizeof n / sizeof *n ? n[op] : "?";
}

const char *lt_model_name(int m)
{
    static const char *const n[] = {"SC", "TSO", "C11", "RC11"};
    return (unsigned)m < LM_NMODELS ? n[m] : "?";
}

const char *lt_expect_name(lt_expect e)
{
    static const char *const n[] = {"unknown", "Never", "Sometimes", "Always", "Undef"};
    return (unsigned)e < sizeof n / sizeof *n ? n[e] : "?";
}

/* ---- parser state ---- */

typedef struct parser {
    const char *file;
    const char *src;
    size_t len;
    lt_lexer lx;
    lt_tok tok; /* current token */
    jmp_buf jb;
    char *err;
    size_t errlen;
    lt_arena *ar;
    lt_test *t;
    lt_thread *th; /* thread being parsed */
    int loop_depth;
} parser;

static void perr_at(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

static void perr_at(parser *p, int line, int col, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%d:%d: error: ", p->file, line, col);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    longjmp(p->jb, 1);
}

/* A token quoted for messages (at most 40 chars, printable). */
static const char *tokq(const lt_tok *t, char *buf, size_t n)
{
    if (t->kind == LTK_EOF)
        return "end of file";
    size_t k = t->n < 40 ? t->n : 40, j = 0;
    if (n < 8)
        return "?";
    buf[j++] = '\'';
    for (size_t i = 0; i < k && j < n - 5; i++) {
        unsigned char c = (unsigned char)t->s[i];
        buf[j++] = (c >= 32 && c != 127) ? (char)c : '?';
    }
    if (t->n > k)
        buf[j++] = '.', buf[j++] = '.';
    buf[j++] = '\'';
    buf[j] = '\0';
    return buf;
}

#define TQ(t) tokq((t), (char[64]){0}, 64)

static void next(parser *p)
{
    p->tok = lt_lex_next(&p->lx);
    if (p->tok.kind == LTK_EOF && p->lx.unterminated)
        perr_at(p, p->lx.ut_line, p->lx.ut_col, "unterminated %s", p->lx.unterminated);
    if (p->tok.kind == LTK_BAD) {
        if (p->tok.n && ((p->tok.s[0] >= '0' && p->tok.s[0] <= '9')))
            perr_at(p, p->tok.line, p->tok.col, "malformed number %s", TQ(&p->tok));
        perr_at(p, p->tok.line, p->tok.col, "unexpected character %s", TQ(&p->tok));
    }
}

static bool is(parser *p, const char *s)
{
    return lt_tok_is(&p->tok, s);
}

static bool accept(parser *p, const char *s)
{
    if (!is(p, s))
        return false;
    next(p);
    return true;
}

static void expect(parser *p, const char *s, const char *where)
{
    if (!is(p, s))
        perr_at(p, p->tok.line, p->tok.col, "expected '%s'%s%s, found %s", s, where ? " " : "",
                where ? where : "", TQ(&p->tok));
    next(p);
}

static char *tokdup(parser *p, const lt_tok *t)
{
    return arena_strndup(p->ar, t->s, t->n);
}

static bool tok_eq(const lt_tok *t, const char *s)
{
    return t->kind == LTK_IDENT && strlen(s) == t->n && !memcmp(t->s, s, t->n);
}

/* ---- types ---- */

typedef struct ctype {
    int width;
    bool is_signed, is_atomic, is_volatile, is_lock, seen;
} ctype;

static const struct {
    const char *name;
    int width;
    bool is_signed, atomic, lock;
} type_words[] = {
    {"int", 4, true, false, false},
    {"long", 8, true, false, false},
    {"short", 2, true, false, false},
    {"char", 1, true, false, false},
    {"unsigned", 4, false, false, false},
    {"signed", 4, true, false, false},
    {"_Bool", 1, false, false, false},
    {"bool", 1, false, false, false},
    {"int8_t", 1, true, false, false},
    {"int16_t", 2, true, false, false},
    {"int32_t", 4, true, false, false},
    {"int64_t", 8, true, false, false},
    {"uint8_t", 1, false, false, false},
    {"uint16_t", 2, false, false, false},
    {"uint32_t", 4, false, false, false},
    {"uint64_t", 8, false, false, false},
    {"intptr_t", 8, true, false, false},
    {"uintptr_t", 8, false, false, false},
    {"size_t", 8, false, false, false},
    {"atomic_int", 4, true, true, false},
    {"atomic_uint", 4, false, true, false},
    {"atomic_long", 8, true, true, false},
    {"atomic_ulong", 8, false, true, false},
    {"atomic_llong", 8, true, true, false},
    {"atomic_ullong", 8, false, true, false},
    {"atomic_short", 2, true, true, false},
    {"atomic_char", 1, true, true, false},
    {"atomic_bool", 1, false, true, false},
    {"atomic_intptr_t", 8, true, true, false},
    {"atomic_t", 4, true, true, false},
    {"mtx_t", 4, true, false, true},
    {"spinlock_t", 4, true, false, true},
};

static int type_word(const lt_tok *t)
{
    if (t->kind != LTK_IDENT)
        return -1;
    for (size_t i = 0; i < sizeof type_words / sizeof *type_words; i++)
        if (tok_eq(t, type_words[i].name))
            return (int)i;
    return -1;
}

static bool starts_type(parser *p)
{
    return type_word(&p->tok) >= 0 || is(p, "volatile") || is(p, "const") || is(p, "_Atomic") ||
           is(p, "struct");
}

/* type := {qualifier | type word | _Atomic(type)} (at least one word) */
static ctype parse_type(parser *p)
{
    ctype ty = {4, true, false, false, false, false};
    bool longs = false;
    int line = p->tok.line, col = p->tok.col;
    for (;;) {
        if (accept(p, "volatile")) {
            ty.is_volatile = true;
        } else if (accept(p, "const")) {
        } else if (is(p, "_Atomic")) {
            next(p);
            ty.is_atomic = true;
            if (accept(p, "(")) {
                ctype in = parse_type(p);
                expect(p, ")", "after the _Atomic(type)");
                ty.width = in.width;
                ty.is_signed = in.is_signed;
                ty.seen = true;
            }
        } else if (is(p, "struct")) {
            perr_at(p, p->tok.line, p->tok.col, "struct types are not supported");
        } else {
            int w = type_word(&p->tok);
            if (w < 0)
                break;
            if (tok_eq(&p->tok, "long")) {
                ty.width = 8;
                longs = true;
            } else if (tok_eq(&p->tok, "unsigned")) {
                ty.is_signed = false;
            } else if (tok_eq(&p->tok, "signed")) {
                ty.is_signed = true;
            } else if (tok_eq(&p->tok, "int") && (longs || ty.seen)) {
                /* long int, short int, unsigned int */
            } else {
                ty.width = type_words[w].width;
                if (!tok_eq(&p->tok, "int") || !ty.seen)
                    ty.is_signed = ty.is_signed && type_words[w].is_signed;
                ty.is_atomic |= type_words[w].atomic;
                ty.is_lock |= type_words[w].lock;
            }
            ty.seen = true;
            next(p);
        }
    }
    if (!ty.seen)
        perr_at(p, line, col, "expected a type name, found %s", TQ(&p->tok));
    return ty;
}

/* ---- names: locations and registers ---- */

static int find_loc(const lt_test *t, const char *s, size_t n)
{
    for (int i = 0; i < t->nlocs; i++)
        if (strlen(t->locs[i].name) == n && !memcmp(t->locs[i].name, s, n))
            return i;
    return -1;
}

static int find_reg(const lt_thread *th, const char *s, size_t n)
{
    for (int i = 0; i < th->nregs; i++)
        if (strlen(th->regs[i].name) == n && !memcmp(th->regs[i].name, s, n))
            return i;
    return -1;
}

static int add_loc(parser *p, const lt_tok *name)
{
    int i = find_loc(p->t, name->s, name->n);
    if (i >= 0)
        return i;
    lt_loc *l = PUSH(p->ar, p->t->locs, p->t->nlocs);
    l->name = tokdup(p, name);
    l->width = 4;
    l->is_signed = true;
    l->line = name->line;
    l->col = name->col;
    return p->t->nlocs - 1;
}

/* Gives location li the type ty (from a declaration at `at`): the first
 * typed mention fixes the width; later ones must agree on it. */
static void loc_type(parser *p, int li, const ctype *ty, const lt_tok *at)
{
    lt_loc *l = &p->t->locs[li];
    if (!ty->seen)
        return;
    if (l->typed && l->width != ty->width)
        perr_at(p, at->line, at->col,
                "location '%s' has a %d-byte type here but a %d-byte type elsewhere", l->name,
                ty->width, l->width);
    if (l->typed && (l->is_lock != ty->is_lock))
        perr_at(p, at->line, at->col, "location '%s' is a lock here but not elsewhere", l->name);
    l->typed = true;
    l->width = ty->width;
    l->is_signed = ty->is_signed;
    l->is_atomic |= ty->is_atomic;
    l->is_lock |= ty->is_lock;
}

/* ---- header ---- */

static bool hspace(int c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the header; leaves the lexer at the init block's '{'. */
static void parse_header(parser *p)
{
    const char *s = p->src;
    size_t n = p->len, i = 0;
    int line = 1;
    size_t ls = 0;
    bool have_name = false;
#define COL() ((int)(i - ls) + 1)
    while (i < n) {
        /* skip blanks and newlines */
        if (hspace(s[i])) {
            i++;
            continue;
        }
        if (s[i] == '\n') {
            i++;
            line++;
            ls = i;
            continue;
        }
        if (s[i] == '(' && i + 1 < n && s[i + 1] == '*') {
            int cl = line, cc = COL(), depth = 1;
            i += 2;
            while (i < n && depth) {
                if (s[i] == '\n') {
                    line++;
                    ls = i + 1;
                } else if (s[i] == '(' && i + 1 < n && s[i + 1] == '*') {
                    depth++;
                    i++;
                } else if (s[i] == '*' && i + 1 < n && s[i + 1] == ')') {
                    depth--;
                    i++;
                }
                i++;
            }
            if (depth)
                perr_at(p, cl, cc, "unterminated comment");
            continue;
        }
        if (!have_name) {
            if (s[i] != 'C' || i + 1 >= n || !hspace(s[i + 1])) {
                size_t e = i;
                while (e < n && !hspace(s[e]) && s[e] != '\n')
                    e++;
                if (e > i + 1 || (e == i + 1 && s[i] != 'C'))
                    perr_at(p, line, COL(), "expected 'C NAME' (a C litmus test), found '%.*s'",
                            (int)(e - i > 40 ? 40 : e - i), s + i);
                perr_at(p, line, COL() + 1, "expected the test's name after 'C'");
            }
            i++;
            while (i < n && hspace(s[i]))
                i++;
            size_t b = i;
            while (i < n && !hspace(s[i]) && s[i] != '\n' && s[i] != '(' && s[i] != '"')
                i++;
            if (i == b)
                perr_at(p, line, COL(), "expected the test's name after 'C'");
            for (size_t k = b; k < i; k++) {
                unsigned char c = (unsigned char)s[k];
                if (c < 33 || c > 126 || c == '{' || c == '}' || c == ';' || c == '*' ||
                    c == '\\' || c == '\'')
                    perr_at(p, line, (int)(k - ls) + 1,
                            "character '%c' is not allowed in a test name", c >= 33 ? c : '?');
            }
            p->t->name = arena_strndup(p->ar, s + b, i - b);
            have_name = true;
            /* an optional (texname) on the same line */
            while (i < n && hspace(s[i]))
                i++;
            if (i < n && s[i] == '(') {
                while (i < n && s[i] != ')' && s[i] != '\n')
                    i++;
                if (i >= n || s[i] != ')')
                    perr_at(p, line, COL(), "unterminated '(' after the test name");
                i++;
            }
            continue;
        }
        if (s[i] == '"') {
            int sl = line, sc = COL();
            size_t b = ++i;
            while (i < n && s[i] != '"') {
                if (s[i] == '\n') {
                    line++;
                    ls = i + 1;
                }
                i++;
            }
            if (i >= n)
                perr_at(p, sl, sc, "unterminated doc string");
            if (p->t->doc)
                perr_at(p, sl, sc, "a second doc string");
            p->t->doc = arena_strndup(p->ar, s + b, i - b);
            i++;
            continue;
        }
        if (s[i] == '{') {
            lt_lex_init(&p->lx, s, n, i, line, ls);
            next(p);
            return;
        }
        /* Key=Value */
        size_t b = i;
        while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                         (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
            i++;
        size_t ke = i;
        while (i < n && hspace(s[i]))
            i++;
        if (ke == b || i >= n || s[i] != '=') {
            size_t e = b;
            while (e < n && !hspace(s[e]) && s[e] != '\n')
                e++;
            perr_at(p, line, (int)(b - ls) + 1,
                    "expected a Key=Value line or the init block '{', found '%.*s'",
                    (int)(e - b > 40 ? 40 : e - b), s + b);
        }
        i++;
        while (i < n && hspace(s[i]))
            i++;
        size_t vb = i;
        while (i < n && s[i] != '\n')
            i++;
        size_t ve = i;
        while (ve > vb && hspace(s[ve - 1]))
            ve--;
        lt_meta *m = PUSH(p->ar, p->t->meta, p->t->nmeta);
        m->key = arena_strndup(p->ar, s + b, ke - b);
        m->value = arena_strndup(p->ar, s + vb, ve - vb);
        static const char *const keys[LM_NMODELS] = {"ExpectSC", "ExpectTSO", "ExpectC11",
                                                     "ExpectRC11"};
        for (int k = 0; k < LM_NMODELS; k++) {
            if (strcmp(m->key, keys[k]))
                continue;
            lt_expect e = LX_UNKNOWN;
            for (int x = LX_NEVER; x <= LX_UNDEF; x++)
                if (!strcmp(m->value, lt_expect_name((lt_expect)x)))
                    e = (lt_expect)x;
            if (e == LX_UNKNOWN || (e == LX_UNDEF && k < LM_C11))
                perr_at(p, line, (int)(vb - ls) + 1,
                        "%s must be Never, Sometimes, Always%s, not '%s'", m->key,
                        k >= LM_C11 ? " or Undef" : "", m->value);
            p->t->expect[k] = e;
        }
    }
    if (!have_name)
        perr_at(p, line, COL(), "empty file: expected 'C NAME'");
    perr_at(p, line, COL(), "expected the init block '{' before the end of the file");
#undef COL
}

/* ---- init block ---- */

static int64_t parse_value(parser *p, const char *what)
{
    bool neg = false;
    lt_tok at = p->tok;
    if (accept(p, "-"))
        neg = true;
    if (p->tok.kind == LTK_IDENT && find_loc(p->t, p->tok.s, p->tok.n) >= 0)
        perr_at(p, p->tok.line, p->tok.col,
                "pointer values are not supported (%s must be an integer)", what);
    if (p->tok.kind != LTK_NUM)
        perr_at(p, p->tok.line, p->tok.col, "expected an integer for %s, found %s", what,
                TQ(&p->tok));
    if (p->tok.overflow && !(neg && (uint64_t)p->tok.v == (uint64_t)1 << 63))
        perr_at(p, at.line, at.col, "integer out of range (64 bits)");
    int64_t v = p->tok.v;
    next(p);
    return neg ? (int64_t)(0 - (uint64_t)v) : v;
}

static void parse_init(parser *p)
{
    expect(p, "{", "to open the init block");
    while (!is(p, "}")) {
        if (p->tok.kind == LTK_EOF)
            perr_at(p, p->tok.line, p->tok.col, "unterminated init block (missing '}')");
        if (accept(p, ";"))
            continue;
        if (p->tok.kind == LTK_NUM) {
            /* k:r = v */
            lt_tok tk = p->tok;
            next(p);
            expect(p, ":", "after the thread number (k:reg = value)");
            if (p->tok.kind != LTK_IDENT)
                perr_at(p, p->tok.line, p->tok.col, "expected a register name, found %s",
                        TQ(&p->tok));
            lt_tok rn = p->tok;
            next(p);
            expect(p, "=", "in the register's initial value");
            int64_t v = parse_value(p, "a register's initial value");
            /* threads are not parsed yet: remember in a pseudo-thread list */
            if (tk.v < 0 || tk.v > 63 || tk.overflow)
                perr_at(p, tk.line, tk.col, "thread number %s out of range (0..63)", TQ(&tk));
            while (p->t->nthreads <= tk.v) {
                lt_thread *th = PUSH(p->ar, p->t->threads, p->t->nthreads);
                th->id = -1;
            }
            lt_thread *th = &p->t->threads[tk.v];
            if (find_reg(th, rn.s, rn.n) >= 0)
                perr_at(p, rn.line, rn.col, "register %d:%.*s initialised twice", (int)tk.v,
                        (int)rn.n, rn.s);
            lt_reg *r = PUSH(p->ar, th->regs, th->nregs);
            r->name = tokdup(p, &rn);
            r->init = v;
            r->line = rn.line;
            r->col = rn.col;
        } else {
            ctype ty = {4, true, false, false, false, false};
            if (starts_type(p))
                ty = parse_type(p);
            if (is(p, "*"))
                perr_at(p, p->tok.line, p->tok.col, "pointer locations are not supported");
            bool br = accept(p, "[");
            if (p->tok.kind != LTK_IDENT || type_word(&p->tok) >= 0)
                perr_at(p, p->tok.line, p->tok.col, "expected a location name, found %s",
                        TQ(&p->tok));
            lt_tok nm = p->tok;
            if (find_loc(p->t, nm.s, nm.n) >= 0)
                perr_at(p, nm.line, nm.col, "location '%.*s' initialised twice", (int)nm.n, nm.s);
            int li = add_loc(p, &nm);
            next(p);
            if (br)
                expect(p, "]", "after the location name");
            if (is(p, "["))
                perr_at(p, p->tok.line, p->tok.col, "array locations are not supported");
            loc_type(p, li, &ty, &nm);
            if (accept(p, "="))
                p->t->locs[li].init = parse_value(p, "a location's initial value");
            else if (!ty.seen)
                perr_at(p, p->tok.line, p->tok.col, "expected '=' after location '%s'",
                        p->t->locs[li].name);
            if (p->tok.kind == LTK_EOF)
                perr_at(p, p->tok.line, p->tok.col, "unterminated init block (missing '}')");
            if (!is(p, "}"))
                expect(p, ";", "between init items");
        }
    }
    next(p);
}

/* ---- expressions ---- */

static lt_expr *new_expr(parser *p, lt_ekind k, const lt_tok *at)
{
    lt_expr *e = arena_alloc(p->ar, sizeof *e);
    e->kind = k;
    e->line = at->line;
    e->col = at->col;
    e->reg = e->loc = e->exp_loc = e->exp_reg = -1;
    return e;
}

static lt_expr *parse_expr(parser *p);

static int param_index(const lt_thread *th, int loc)
{
    for (int i = 0; i < th->nparams; i++)
        if (th->params[i].loc == loc)
            return i;
    return -1;
}

/* A location argument: IDENT naming a parameter of this thread, or (when
 * deref) *IDENT. Returns the location; *vol tells whether the parameter is
 * volatile. */
static int parse_loc_arg(parser *p, bool deref, bool *vol)
{
    if (deref)
        expect(p, "*", "(this macro takes *x)");
    bool paren = accept(p, "(");
    if (p->tok.kind != LTK_IDENT)
        perr_at(p, p->tok.line, p->tok.col, "expected a location (a parameter of P%d), found %s",
                p->th->id, TQ(&p->tok));
    int li = find_loc(p->t, p->tok.s, p->tok.n);
    int pi = li >= 0 ? param_index(p->th, li) : -1;
    if (pi < 0) {
        if (find_reg(p->th, p->tok.s, p->tok.n) >= 0)
            perr_at(p, p->tok.line, p->tok.col,
                    "'%.*s' is a register, not a location (pointer registers are not supported)",
                    (int)p->tok.n, p->tok.s);
        perr_at(p, p->tok.line, p->tok.col, "'%.*s' is not a parameter of P%d", (int)p->tok.n,
                p->tok.s, p->th->id);
    }
    if (vol)
        *vol = p->th->params[pi].is_volatile;
    next(p);
    if (paren)
        expect(p, ")", NULL);
    return li;
}

static lt_mo parse_mo(parser *p)
{
    static const char *const names[] = {"memory_order_relaxed", "memory_order_consume",
                                        "memory_order_acquire", "memory_order_release",
                                        "memory_order_acq_rel", "memory_order_seq_cst"};
    for (int i = 0; i < 6; i++)
        if (tok_eq(&p->tok, names[i])) {
            next(p);
            return (lt_mo)i;
        }
    perr_at(p, p->tok.line, p->tok.col,
            "expected a memory order (memory_order_relaxed, ...), "
            "found %s",
            TQ(&p->tok));
}

static void check_load_mo(parser *p, lt_mo mo, const lt_tok *at, const char *fn)
{
    if (mo == LT_REL || mo == LT_ACQ_REL)
        perr_at(p, at->line, at->col, "%s cannot take %s (a load has no release half)", fn,
                lt_mo_name(mo));
}

static void check_store_mo(parser *p, lt_mo mo, const lt_tok *at, const char *fn)
{
    if (mo == LT_ACQ || mo == LT_CON || mo == LT_ACQ_REL)
        perr_at(p, at->line, at->col, "%s cannot take %s (a store has no acquire half)", fn,
                lt_mo_name(mo));
}

/* Call forms. */
typedef enum cform {
    CF_LOAD,    /* (x[, mo]) */
    CF_STORE,   /* (x, v[, mo]) */
    CF_RMW,     /* (x, v[, mo]) */
    CF_CAS,     /* (x, exp, v[, mo, mo]) */
    CF_CMPXCHG, /* (x, old, new) */
    CF_FENCE,   /* (mo) or () with fixed mo */
    CF_LOCK,    /* (m) */
    CF_UNLOCK,  /* (m) */
} cform;

typedef struct callspec {
    const char *name;
    cform form;
    bool explicit_mo; /* takes memory-order arguments */
    lt_mo mo;         /* fixed order when !explicit_mo */
    lt_rmw rmw;
    bool deref; /* kernel READ_ONCE(*x)/WRITE_ONCE(*x, v) */
    bool weak;
    bool signal;
} callspec;

static const callspec calls[] = {
    {"atomic_load_explicit", CF_LOAD, true, LT_SC, 0, false, false, false},
    {"atomic_load", CF_LOAD, false, LT_SC, 0, false, false, false},
    {"READ_ONCE", CF_LOAD, false, LT_RLX, 0, true, false, false},
    {"smp_load_acquire", CF_LOAD, false, LT_ACQ, 0, false, false, false},
    {"rcu_dereference", CF_LOAD, false, LT_CON, 0, false, false, false},
    {"atomic_read", CF_LOAD, false, LT_RLX, 0, false, false, false},
    {"atomic_read_acquire", CF_LOAD, false, LT_ACQ, 0, false, false, false},
    {"atomic_store_explicit", CF_STORE, true, LT_SC, 0, false, false, false},
    {"atomic_store", CF_STORE, false, LT_SC, 0, false, false, false},
    {"atomic_init", CF_STORE, false, LT_NA, 0, false, false, false},
    {"WRITE_ONCE", CF_STORE, false, LT_RLX, 0, true, false, false},
    {"smp_store_release", CF_STORE, false, LT_REL, 0, false, false, false},
    {"rcu_assign_pointer", CF_STORE, false, LT_REL, 0, false, false, false},
    {"atomic_set", CF_STORE, false, LT_RLX, 0, false, false, false},
    {"atomic_set_release", CF_STORE, false, LT_REL, 0, false, false, false},
    {"atomic_exchange_explicit", CF_RMW, true, LT_SC, LR_XCHG, false, false, false},
    {"atomic_exchange", CF_RMW, false, LT_SC, LR_XCHG, false, false, false},
    {"atomic_fetch_add_explicit", CF_RMW, true, LT_SC, LR_ADD, false, false, false},
    {"atomic_fetch_add", CF_RMW, false, LT_SC, LR_ADD, false, false, false},
    {"atomic_fetch_sub_explicit", CF_RMW, true, LT_SC, LR_SUB, false, false, false},
    {"atomic_fetch_sub", CF_RMW, false, LT_SC, LR_SUB, false, false, false},
    {"atomic_fetch_or_explicit", CF_RMW, true, LT_SC, LR_OR, false, false, false},
    {"atomic_fetch_or", CF_RMW, false, LT_SC, LR_OR, false, false, false},
    {"atomic_fetch_and_explicit", CF_RMW, true, LT_SC, LR_AND, false, false, false},
    {"atomic_fetch_and", CF_RMW, false, LT_SC, LR_AND, false, false, false},
    {"atomic_fetch_xor_explicit", CF_RMW, true, LT_SC, LR_XOR, false, false, false},
    {"atomic_fetch_xor", CF_RMW, false, LT_SC, LR_XOR, false, false, false},
    {"xchg", CF_RMW, false, LT_SC, LR_XCHG, false, false, false},
    {"xchg_relaxed", CF_RMW, false, LT_RLX, LR_XCHG, false, false, false},
    {"xchg_acquire", CF_RMW, false, LT_ACQ, LR_XCHG, false, false, false},
    {"xchg_release", CF_RMW, false, LT_REL, LR_XCHG, false, false, false},
    {"atomic_xchg", CF_RMW, false, LT_SC, LR_XCHG, false, false, false},
    {"atomic_fetch_add_relaxed", CF_RMW, false, LT_RLX, LR_ADD, false, false, false},
    {"atomic_fetch_add_acquire", CF_RMW, false, LT_ACQ, LR_ADD, false, false, false},
    {"atomic_fetch_add_release", CF_RMW, false, LT_REL, LR_ADD, false, false, false},
    {"atomic_compare_exchange_strong_explicit", CF_CAS, true, LT_SC, 0, false, false, false},
    {"atomic_compare_exchange_weak_explicit", CF_CAS, true, LT_SC, 0, false, true, false},
    {"atomic_compare_exchange_strong", CF_CAS, false, LT_SC, 0, false, false, false},
    {"atomic_compare_exchange_weak", CF_CAS, false, LT_SC, 0, false, true, false},
    {"cmpxchg", CF_CMPXCHG, false, LT_SC, 0, false, false, false},
    {"cmpxchg_relaxed", CF_CMPXCHG, false, LT_RLX, 0, false, false, false},
    {"cmpxchg_acquire", CF_CMPXCHG, false, LT_ACQ, 0, false, false, false},
    {"cmpxchg_release", CF_CMPXCHG, false, LT_REL, 0, false, false, false},
    {"atomic_cmpxchg", CF_CMPXCHG, false, LT_SC, 0, false, false, false},
    {"atomic_thread_fence", CF_FENCE, true, LT_SC, 0, false, false, false},
    {"atomic_signal_fence", CF_FENCE, true, LT_SC, 0, false, false, true},
    {"smp_mb", CF_FENCE, false, LT_SC, 0, false, false, false},
    {"smp_rmb", CF_FENCE, false, LT_ACQ, 0, false, false, false},
    {"smp_wmb", CF_FENCE, false, LT_REL, 0, false, false, false},
    {"smp_mb__before_atomic", CF_FENCE, false, LT_SC, 0, false, false, false},
    {"smp_mb__after_atomic", CF_FENCE, false, LT_SC, 0, false, false, false},
    {"smp_mb__after_spinlock", CF_FENCE, false, LT_SC, 0, false, false, false},
    {"barrier", CF_FENCE, false, LT_SC, 0, false, false, true},
    {"mtx_lock", CF_LOCK, false, LT_ACQ, 0, false, false, false},
    {"spin_lock", CF_LOCK, false, LT_ACQ, 0, false, false, false},
    {"lock", CF_LOCK, false, LT_ACQ, 0, false, false, false},
    {"mtx_unlock", CF_UNLOCK, false, LT_REL, 0, false, false, false},
    {"spin_unlock", CF_UNLOCK, false, LT_REL, 0, false, false, false},
    {"unlock", CF_UNLOCK, false, LT_REL, 0, false, false, false},
};

static const callspec *find_call(const lt_tok *t)
{
    if (t->kind != LTK_IDENT)
        return NULL;
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
        if (tok_eq(t, calls[i].name))
            return &calls[i];
    return NULL;
}

/* Parses a call; returns an expression (value-returning forms) or fills *st
 * (statement-only forms: store, fence, lock, unlock) and returns NULL. */
static lt_expr *parse_call(parser *p, const callspec *cs, lt_stmt *st)
{
    lt_tok at = p->tok;
    char fn[64];
    snprintf(fn, sizeof fn, "%s", cs->name);
    next(p);
    expect(p, "(", "after the function name");
    lt_expr *e = NULL;
    bool vol = false;
    switch (cs->form) {
    case CF_LOAD: {
        e = new_expr(p, LE_LOAD, &at);
        e->loc = parse_loc_arg(p, cs->deref, &vol);
        e->mo = cs->mo;
        if (cs->explicit_mo) {
            expect(p, ",", "before the memory order");
            lt_tok mt = p->tok;
            e->mo = parse_mo(p);
            check_load_mo(p, e->mo, &mt, fn);
        }
        break;
    }
    case CF_STORE: {
        st->kind = LS_STORE;
        st->loc = parse_loc_arg(p, cs->deref, &vol);
        st->is_volatile = vol;
        expect(p, ",", "before the stored value");
        st->a = parse_expr(p);
        st->mo = cs->mo;
        if (cs->explicit_mo) {
            expect(p, ",", "before the memory order");
            lt_tok mt = p->tok;
            st->mo = parse_mo(p);
            check_store_mo(p, st->mo, &mt, fn);
        }
        break;
    }
    case CF_RMW: {
        e = new_expr(p, LE_RMW, &at);
        e->rmw = cs->rmw;
        e->loc = parse_loc_arg(p, false, &vol);
        expect(p, ",", "before the operand");
        e->a = parse_expr(p);
        e->mo = cs->mo;
        if (cs->explicit_mo) {
            expect(p, ",", "before the memory order");
            e->mo = parse_mo(p);
        }
        break;
    }
    case CF_CAS: {
        e = new_expr(p, LE_CAS, &at);
        e->weak = cs->weak;
        e->loc = parse_loc_arg(p, false, &vol);
        expect(p, ",", "before the expected value");
        if (accept(p, "&")) {
            if (p->tok.kind != LTK_IDENT || find_reg(p->th, p->tok.s, p->tok.n) < 0)
                perr_at(p, p->tok.line, p->tok.col,
                        "expected a register of P%d after '&', found %s", p->th->id, TQ(&p->tok));
            e->exp_reg = find_reg(p->th, p->tok.s, p->tok.n);
            next(p);
        } else {
            e->exp_loc = parse_loc_arg(p, false, NULL);
        }
        expect(p, ",", "before the desired value");
        e->a = parse_expr(p);
        e->mo = e->mo_fail = LT_SC;
        if (cs->explicit_mo) {
            expect(p, ",", "before the success memory order");
            e->mo = parse_mo(p);
            expect(p, ",", "before the failure memory order");
            lt_tok mt = p->tok;
            e->mo_fail = parse_mo(p);
            if (e->mo_fail == LT_REL || e->mo_fail == LT_ACQ_REL)
                perr_at(p, mt.line, mt.col,
                        "the failure order of %s cannot be %s (a failed CAS is a load)", fn,
                        lt_mo_name(e->mo_fail));
        }
        break;
    }
    case CF_CMPXCHG: {
        e = new_expr(p, LE_CMPXCHG, &at);
        e->loc = parse_loc_arg(p, false, &vol);
        expect(p, ",", "before the old value");
        e->a = parse_expr(p);
        expect(p, ",", "before the new value");
        e->b = parse_expr(p);
        e->mo = cs->mo;
        break;
    }
    case CF_FENCE:
        st->kind = LS_FENCE;
        st->signal = cs->signal;
        st->mo = cs->mo;
        if (cs->explicit_mo) {
            lt_tok mt = p->tok;
            st->mo = parse_mo(p);
            if (st->mo == LT_RLX && !cs->signal)
                perr_at(p, mt.line, mt.col, "a relaxed fence does nothing (%s)", fn);
        }
        break;
    case CF_LOCK:
    case CF_UNLOCK:
        st->kind = cs->form == CF_LOCK ? LS_LOCK : LS_UNLOCK;
        st->loc = parse_loc_arg(p, false, NULL);
        if (!p->t->locs[st->loc].is_lock)
            perr_at(p, at.line, at.col,
                    "%s needs a lock location (declare it mtx_t or "
                    "spinlock_t), '%s' is not one",
                    fn, p->t->locs[st->loc].name);
        break;
    }
    expect(p, ")", "to close the call's arguments");
    if (e && p->t->locs[e->loc].is_lock)
        perr_at(p, at.line, at.col, "'%s' is a lock; only lock/unlock may use it",
                p->t->locs[e->loc].name);
    if (!e && (cs->form == CF_STORE) && p->t->locs[st->loc].is_lock)
        perr_at(p, at.line, at.col, "'%s' is a lock; only lock/unlock may use it",
                p->t->locs[st->loc].name);
    if (!e) {
        st->line = at.line;
        st->col = at.col;
    }
    return e;
}

static lt_expr *parse_unary(parser *p);

static lt_expr *parse_primary(parser *p)
{
    lt_tok at = p->tok;
    if (p->tok.kind == LTK_NUM) {
        if (p->tok.overflow)
            perr_at(p, at.line, at.col, "integer out of range (64 bits)");
        lt_expr *e = new_expr(p, LE_NUM, &at);
        e->v = p->tok.v;
        next(p);
        return e;
    }
    if (accept(p, "(")) {
        lt_expr *e = parse_expr(p);
        expect(p, ")", "to close the parenthesis");
        return e;
    }
    if (p->tok.kind == LTK_IDENT) {
        const callspec *cs = find_call(&p->tok);
        if (cs) {
            lt_stmt st;
            memset(&st, 0, sizeof st);
            lt_expr *e = parse_call(p, cs, &st);
            if (!e)
                perr_at(p, at.line, at.col, "%s has no value", cs->name);
            return e;
        }
        int r = find_reg(p->th, p->tok.s, p->tok.n);
        if (r >= 0) {
            lt_expr *e = new_expr(p, LE_REG, &at);
            e->reg = r;
            next(p);
            return e;
        }
        int li = find_loc(p->t, p->tok.s, p->tok.n);
        if (li >= 0 && param_index(p->th, li) >= 0)
            perr_at(p, at.line, at.col,
                    "'%.*s' is a location: read it with *%.*s or an atomic load (pointer values "
                    "are not supported)",
                    (int)at.n, at.s, (int)at.n, at.s);
        p->lx.pos = p->tok.pos + p->tok.n;
        lt_tok nx = lt_lex_next(&p->lx);
        lt_lex_rewind(&p->lx, &nx);
        if (lt_tok_is(&nx, "("))
            perr_at(p, at.line, at.col,
                    "unsupported function '%.*s' (docs/litmus-format.md lists "
                    "what is supported)",
                    (int)at.n, at.s);
        perr_at(p, at.line, at.col, "unknown name '%.*s' (not a register of P%d)", (int)at.n, at.s,
                p->th->id);
    }
    perr_at(p, at.line, at.col, "expected an expression, found %s", TQ(&p->tok));
}

static lt_expr *parse_unary(parser *p)
{
    lt_tok at = p->tok;
    if (is(p, "-") || is(p, "!") || is(p, "~") || is(p, "+")) {
        int op = p->tok.s[0];
        next(p);
        lt_expr *a = parse_unary(p);
        if (op == '+')
            return a;
        if (op == '-' && a->kind == LE_NUM) {
            a->v = (int64_t)(0 - (uint64_t)a->v);
            return a;
        }
        lt_expr *e = new_expr(p, LE_UN, &at);
        e->op = op;
        e->a = a;
        return e;
    }
    if (is(p, "*")) {
        next(p);
        bool vol = false;
        lt_expr *e = new_expr(p, LE_LOAD, &at);
        e->loc = parse_loc_arg(p, false, &vol);
        if (p->t->locs[e->loc].is_lock)
            perr_at(p, at.line, at.col, "'%s' is a lock; only lock/unlock may use it",
                    p->t->locs[e->loc].name);
        e->mo = LT_NA;
        e->is_volatile = vol;
        return e;
    }
    if (is(p, "&")) {
        perr_at(p, at.line, at.col,
                "'&' (address-of) is only allowed for a CAS's expected "
                "register");
    }
    if (is(p, "(")) {
        /* a cast? */
        lt_lexer save = p->lx;
        lt_tok savet = p->tok;
        next(p);
        if (starts_type(p)) {
            parse_type(p);
            if (is(p, "*"))
                perr_at(p, p->tok.line, p->tok.col, "pointer casts are not supported");
            expect(p, ")", "to close the cast");
            return parse_unary(p);
        }
        p->lx = save;
        p->tok = savet;
    }
    return parse_primary(p);
}

static const struct {
    const char *text;
    int op, prec;
} binops[] = {
    {"*", LB_MUL, 10}, {"/", LB_DIV, 10},  {"%", LB_MOD, 10}, {"+", LB_ADD, 9},  {"-", LB_SUB, 9},
    {"<<", LB_SHL, 8}, {">>", LB_SHR, 8},  {"<", LB_LT, 7},   {">", LB_GT, 7},   {"<=", LB_LE, 7},
    {">=", LB_GE, 7},  {"==", LB_EQ, 6},   {"!=", LB_NE, 6},  {"&", LB_BAND, 5}, {"^", LB_BXOR, 4},
    {"|", LB_BOR, 3},  {"&&", LB_LAND, 2}, {"||", LB_LOR, 1},
};

static lt_expr *parse_binary(parser *p, int minprec)
{
    lt_expr *a = parse_unary(p);
    for (;;) {
        int k = -1;
        if (p->tok.kind == LTK_PUNCT)
            for (size_t i = 0; i < sizeof binops / sizeof *binops; i++)
                if (lt_tok_is(&p->tok, binops[i].text)) {
                    k = (int)i;
                    break;
                }
        if (k < 0 || binops[k].prec < minprec)
            return a;
        lt_tok at = p->tok;
        next(p);
        lt_expr *b = parse_binary(p, binops[k].prec + 1);
        lt_expr *e = new_expr(p, LE_BIN, &at);
        e->line = a->line;
        e->col = a->col;
        e->op = binops[k].op;
        e->a = a;
        e->b = b;
        a = e;
    }
}

static lt_expr *parse_expr(parser *p)
{
    if (is(p, "="))
        perr_at(p, p->tok.line, p->tok.col, "expected an expression, found '='");
    return parse_binary(p, 1);
}

/* ---- statements ---- */

static lt_stmt *new_stmt(parser *p, lt_skind k, const lt_tok *at)
{
    lt_stmt *s = arena_alloc(p->ar, sizeof *s);
    s->kind = k;
    s->line = at->line;
    s->col = at->col;
    s->reg = s->loc = -1;
    return s;
}

static lt_stmt *parse_stmt(parser *p);

static lt_stmt *parse_block_body(parser *p, const lt_tok *open)
{
    lt_stmt *head = NULL, **tail = &head;
    while (!is(p, "}")) {
        if (p->tok.kind == LTK_EOF)
            perr_at(p, open->line, open->col, "unterminated block (missing '}')");
        lt_stmt *s = parse_stmt(p);
        if (!s)
            continue;
        *tail = s;
        while (s->next)
            s = s->next;
        tail = &s->next;
    }
    next(p);
    return head;
}

static bool is_keyword(const lt_tok *t)
{
    static const char *const kw[] = {"if",     "else",   "while",  "for",    "do",
                                     "return", "goto",   "switch", "break",  "continue",
                                     "exists", "forall", "final",  "filter", "locations"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
        if (tok_eq(t, kw[i]))
            return true;
    return false;
}

static lt_stmt *parse_decl(parser *p)
{
    lt_tok at = p->tok;
    ctype ty = parse_type(p);
    (void)ty;
    lt_stmt *head = NULL, **tail = &head;
    for (;;) {
        if (is(p, "*"))
            perr_at(p, p->tok.line, p->tok.col, "pointer registers are not supported");
        if (p->tok.kind != LTK_IDENT || is_keyword(&p->tok) || type_word(&p->tok) >= 0)
            perr_at(p, p->tok.line, p->tok.col, "expected a register name, found %s", TQ(&p->tok));
        lt_tok nm = p->tok;
        int li = find_loc(p->t, nm.s, nm.n);
        if (li >= 0 && param_index(p->th, li) >= 0)
            perr_at(p, nm.line, nm.col, "register '%.*s' has the name of a location parameter",
                    (int)nm.n, nm.s);
        if (find_call(&nm))
            perr_at(p, nm.line, nm.col, "'%.*s' is a function name", (int)nm.n, nm.s);
        int r = find_reg(p->th, nm.s, nm.n);
        if (r >= 0 && p->th->regs[r].line != -1)
            perr_at(p, nm.line, nm.col, "register '%.*s' declared twice in P%d", (int)nm.n, nm.s,
                    p->th->id);
        next(p);
        if (is(p, "["))
            perr_at(p, p->tok.line, p->tok.col, "array registers are not supported");
        lt_stmt *s = NULL;
        lt_expr *init = NULL;
        if (accept(p, "="))
            init = parse_expr(p);
        if (r < 0) {
            lt_reg *rg = PUSH(p->ar, p->th->regs, p->th->nregs);
            rg->name = tokdup(p, &nm);
            r = p->th->nregs - 1;
        }
        p->th->regs[r].line = nm.line;
        p->th->regs[r].col = nm.col;
        if (init) {
            s = new_stmt(p, LS_ASSIGN, &nm);
            s->reg = r;
            s->a = init;
            *tail = s;
            tail = &s->next;
        }
        if (accept(p, ","))
            continue;
        expect(p, ";", "after the declaration");
        break;
    }
    if (!head) {
        /* a declaration without initialiser: an empty block keeps the
         * list shape simple */
        lt_stmt *s = new_stmt(p, LS_BLOCK, &at);
        return s;
    }
    return head;
}

static lt_stmt *parse_stmt(parser *p)
{
    lt_tok at = p->tok;
    if (accept(p, ";"))
        return NULL;
    if (accept(p, "{")) {
        lt_stmt *s = new_stmt(p, LS_BLOCK, &at);
        s->body = parse_block_body(p, &at);
        return s;
    }
    if (tok_eq(&at, "if")) {
        next(p);
        expect(p, "(", "after 'if'");
        lt_stmt *s = new_stmt(p, LS_IF, &at);
        s->a = parse_expr(p);
        expect(p, ")", "after the if condition");
        s->body = parse_stmt(p);
        if (tok_eq(&p->tok, "else")) {
            next(p);
            s->els = parse_stmt(p);
        }
        return s;
    }
    if (tok_eq(&at, "while")) {
        next(p);
        expect(p, "(", "after 'while'");
        lt_stmt *s = new_stmt(p, LS_WHILE, &at);
        s->a = parse_expr(p);
        expect(p, ")", "after the while condition");
        p->loop_depth++;
        s->body = parse_stmt(p);
        p->loop_depth--;
        return s;
    }
    if (tok_eq(&at, "else"))
        perr_at(p, at.line, at.col, "'else' without 'if'");
    if (is_keyword(&at) && !tok_eq(&at, "exists") && !tok_eq(&at, "forall") &&
        !tok_eq(&at, "final") && !tok_eq(&at, "filter") && !tok_eq(&at, "locations"))
        perr_at(p, at.line, at.col,
                "'%.*s' is not supported in litmus code (if, else, while and blocks are)",
                (int)at.n, at.s);
    if (starts_type(p))
        return parse_decl(p);
    if (is(p, "(")) {
        /* (void)expr; */
        lt_lexer save = p->lx;
        lt_tok savet = p->tok;
        next(p);
        if (tok_eq(&p->tok, "void")) {
            next(p);
            expect(p, ")", "after (void");
            lt_stmt *s = new_stmt(p, LS_EXPR, &at);
            s->a = parse_expr(p);
            expect(p, ";", "after the expression");
            return s;
        }
        p->lx = save;
        p->tok = savet;
    }
    if (is(p, "*")) {
        next(p);
        bool vol = false;
        int li = parse_loc_arg(p, false, &vol);
        if (!is(p, "=")) {
            /* *x; as a statement: a load for its effect */
            lt_expr *e = new_expr(p, LE_LOAD, &at);
            e->loc = li;
            e->mo = LT_NA;
            e->is_volatile = vol;
            lt_stmt *s = new_stmt(p, LS_EXPR, &at);
            s->a = e;
            expect(p, ";", "after the expression");
            return s;
        }
        next(p);
        if (p->t->locs[li].is_lock)
            perr_at(p, at.line, at.col, "'%s' is a lock; only lock/unlock may use it",
                    p->t->locs[li].name);
        lt_stmt *s = new_stmt(p, LS_STORE, &at);
        s->loc = li;
        s->mo = LT_NA;
        s->is_volatile = vol;
        s->a = parse_expr(p);
        expect(p, ";", "after the store");
        return s;
    }
    if (at.kind == LTK_IDENT) {
        const callspec *cs = find_call(&at);
        if (cs) {
            lt_stmt *s = new_stmt(p, LS_EXPR, &at);
            lt_expr *e = parse_call(p, cs, s);
            if (e)
                s->a = e;
            expect(p, ";", "after the call");
            return s;
        }
        int r = find_reg(p->th, at.s, at.n);
        if (r >= 0) {
            next(p);
            if (is(p, "=")) {
                next(p);
                lt_stmt *s = new_stmt(p, LS_ASSIGN, &at);
                s->reg = r;
                s->a = parse_expr(p);
                expect(p, ";", "after the assignment");
                return s;
            }
            if (is(p, "+") || is(p, "-") || is(p, "*") || is(p, "/"))
                perr_at(p, p->tok.line, p->tok.col,
                        "compound assignments and ++/-- are not supported (write r = r + 1)");
            perr_at(p, p->tok.line, p->tok.col, "expected '=' after register '%.*s', found %s",
                    (int)at.n, at.s, TQ(&p->tok));
        }
    }
    lt_stmt *s = new_stmt(p, LS_EXPR, &at);
    s->a = parse_expr(p);
    if (is(p, "="))
        perr_at(p, p->tok.line, p->tok.col,
                "cannot assign to this expression (only registers and *x)");
    expect(p, ";", "after the expression");
    return s;
}

/* ---- threads ---- */

static bool at_condition(parser *p)
{
    return is(p, "exists") || is(p, "~") || is(p, "forall") || is(p, "final") ||
           is(p, "locations") || is(p, "filter") || is(p, "observed") || is(p, "(");
}

static void parse_thread(parser *p)
{
    lt_tok at = p->tok;
    if (tok_eq(&p->tok, "void"))
        next(p);
    lt_tok nm = p->tok;
    if (nm.kind != LTK_IDENT || nm.n < 2 || nm.s[0] != 'P')
        perr_at(p, nm.line, nm.col,
                "expected a thread 'P%d(...) { ... }' or the final condition, "
                "found %s",
                p->t->nthreads, TQ(&nm));
    long id = 0;
    for (size_t i = 1; i < nm.n; i++) {
        if (nm.s[i] < '0' || nm.s[i] > '9' || id > 63)
            perr_at(p, nm.line, nm.col, "expected a thread name P0..P63, found %s", TQ(&nm));
        id = id * 10 + (nm.s[i] - '0');
    }
    int seen = 0;
    for (int i = 0; i < p->t->nthreads; i++)
        if (p->t->threads[i].id >= 0)
            seen++;
    if (id != seen)
        perr_at(p, nm.line, nm.col, "threads must be P0, P1, ... in order: expected P%d, found %s",
                seen, TQ(&nm));
    if (id > 63)
        perr_at(p, nm.line, nm.col, "too many threads (at most 64)");
    while (p->t->nthreads <= id) {
        lt_thread *th = PUSH(p->ar, p->t->threads, p->t->nthreads);
        th->id = -1;
    }
    lt_thread *th = &p->t->threads[id];
    th->id = (int)id;
    th->line = at.line;
    th->col = at.col;
    p->th = th;
    next(p);
    expect(p, "(", "after the thread name");
    while (!is(p, ")")) {
        lt_tok pt = p->tok;
        ctype ty = parse_type(p);
        if (!accept(p, "*"))
            perr_at(p, p->tok.line, p->tok.col, "a parameter must be a pointer: '%s *name'",
                    "type");
        if (is(p, "*"))
            perr_at(p, p->tok.line, p->tok.col, "pointer-to-pointer parameters are not supported");
        accept(p, "volatile");
        accept(p, "const");
        if (p->tok.kind != LTK_IDENT || type_word(&p->tok) >= 0 || is_keyword(&p->tok))
            perr_at(p, p->tok.line, p->tok.col, "expected a parameter name, found %s", TQ(&p->tok));
        lt_tok pn = p->tok;
        if (find_reg(th, pn.s, pn.n) >= 0)
            perr_at(p, pn.line, pn.col, "'%.*s' is both a parameter and a register of P%ld",
                    (int)pn.n, pn.s, id);
        int li = add_loc(p, &pn);
        if (param_index(th, li) >= 0)
            perr_at(p, pn.line, pn.col, "parameter '%.*s' appears twice", (int)pn.n, pn.s);
        loc_type(p, li, &ty, &pt);
        lt_param *pa = PUSH(p->ar, th->params, th->nparams);
        pa->loc = li;
        pa->is_volatile = ty.is_volatile;
        next(p);
        if (!is(p, ")"))
            expect(p, ",", "between parameters");
    }
    next(p);
    /* registers preset in the init block are declared */
    for (int i = 0; i < th->nregs; i++)
        th->regs[i].line = -1;
    lt_tok open = p->tok;
    expect(p, "{", "to open the thread's body");
    th->body = parse_block_body(p, &open);
    for (int i = 0; i < th->nregs; i++)
        if (th->regs[i].line == -1) {
            th->regs[i].line = open.line;
            th->regs[i].col = open.col;
        }
    p->th = NULL;
}

/* ---- condition ---- */

static int add_var(parser *p, int thread, int index, const char *text)
{
    for (int i = 0; i < p->t->nvars; i++)
        if (p->t->vars[i].thread == thread && p->t->vars[i].index == index)
            return i;
    lt_var *v = PUSH(p->ar, p->t->vars, p->t->nvars);
    v->thread = thread;
    v->index = index;
    v->text = arena_strndup(p->ar, text, strlen(text));
    return p->t->nvars - 1;
}

/* A variable in the final section: k:reg, x or [x]. */
static int parse_cvar(parser *p)
{
    lt_tok at = p->tok;
    if (p->tok.kind == LTK_NUM) {
        if (p->tok.overflow || p->tok.v >= p->t->nthreads || p->t->threads[p->tok.v].id < 0)
            perr_at(p, at.line, at.col, "no thread P%.*s in this test", (int)at.n, at.s);
        int th = (int)p->tok.v;
        next(p);
        expect(p, ":", "after the thread number");
        if (p->tok.kind != LTK_IDENT)
            perr_at(p, p->tok.line, p->tok.col, "expected a register name, found %s", TQ(&p->tok));
        int r = find_reg(&p->t->threads[th], p->tok.s, p->tok.n);
        if (r < 0)
            perr_at(p, p->tok.line, p->tok.col, "P%d has no register '%.*s'", th, (int)p->tok.n,
                    p->tok.s);
        next(p);
        char buf[96];
        snprintf(buf, sizeof buf, "%d:%s", th, p->t->threads[th].regs[r].name);
        return add_var(p, th, r, buf);
    }
    bool br = accept(p, "[");
    if (p->tok.kind != LTK_IDENT)
        perr_at(p, p->tok.line, p->tok.col, "expected k:register or a location, found %s",
                TQ(&p->tok));
    int li = find_loc(p->t, p->tok.s, p->tok.n);
    if (li < 0)
        perr_at(p, p->tok.line, p->tok.col, "unknown location '%.*s'", (int)p->tok.n, p->tok.s);
    next(p);
    if (br)
        expect(p, "]", "after the location");
    return add_var(p, -1, li, p->t->locs[li].name);
}

static lt_prop *new_prop(parser *p, lt_pkind k)
{
    lt_prop *q = arena_alloc(p->ar, sizeof *q);
    q->kind = k;
    return q;
}

static lt_prop *parse_or(parser *p);

static lt_prop *parse_patom(parser *p)
{
    if (accept(p, "~") || accept(p, "not")) {
        lt_prop *q = new_prop(p, LP_NOT);
        q->a = parse_patom(p);
        return q;
    }
    if (accept(p, "(")) {
        lt_prop *q = parse_or(p);
        expect(p, ")", "to close the parenthesis");
        return q;
    }
    if (accept(p, "true"))
        return new_prop(p, LP_TRUE);
    if (accept(p, "false"))
        return new_prop(p, LP_FALSE);
    if (p->tok.kind != LTK_NUM && p->tok.kind != LTK_IDENT && !is(p, "["))
        perr_at(p, p->tok.line, p->tok.col,
                "expected a condition (k:reg=v, x=v, ~, ( ), true), "
                "found %s",
                TQ(&p->tok));
    lt_prop *q = new_prop(p, LP_ATOM);
    q->var = parse_cvar(p);
    if (accept(p, "!=") || accept(p, "<>"))
        q->ne = true;
    else if (!accept(p, "=") && !accept(p, "=="))
        perr_at(p, p->tok.line, p->tok.col, "expected '=' or '!=' after %s, found %s",
                p->t->vars[q->var].text, TQ(&p->tok));
    if (p->tok.kind == LTK_IDENT)
        perr_at(p, p->tok.line, p->tok.col,
                "pointer values are not supported (compare with an integer)");
    q->v = parse_value(p, "a compared value");
    return q;
}

static lt_prop *parse_impl(parser *p)
{
    lt_prop *a = parse_patom(p);
    if (accept(p, "=>")) {
        lt_prop *q = new_prop(p, LP_IMPL);
        q->a = a;
        q->b = parse_impl(p);
        return q;
    }
    return a;
}

static lt_prop *parse_and(parser *p)
{
    lt_prop *a = parse_impl(p);
    while (accept(p, "/\\")) {
        lt_prop *q = new_prop(p, LP_AND);
        q->a = a;
        q->b = parse_impl(p);
        a = q;
    }
    return a;
}

static lt_prop *parse_or(parser *p)
{
    lt_prop *a = parse_and(p);
    while (accept(p, "\\/")) {
        lt_prop *q = new_prop(p, LP_OR);
        q->a = a;
        q->b = parse_and(p);
        a = q;
    }
    return a;
}

static void prop_text(const lt_test *t, const lt_prop *q, char *buf, size_t n, size_t *k,
                      int parent)
{
#define OUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + *k, *k < n ? n - *k : 0, __VA_ARGS__);                             \
        if (w_ > 0)                                                                                \
            *k += (size_t)w_;                                                                      \
    } while (0)
    switch (q->kind) {
    case LP_TRUE:
        OUT("true");
        break;
    case LP_FALSE:
        OUT("false");
        break;
    case LP_ATOM:
        OUT("%s%s%lld", t->vars[q->var].text, q->ne ? "!=" : "=", (long long)q->v);
        break;
    case LP_NOT:
        OUT("~");
        prop_text(t, q->a, buf, n, k, 9);
        break;
    default: {
        int prec = q->kind == LP_OR ? 1 : q->kind == LP_AND ? 2 : 3;
        const char *op = q->kind == LP_OR ? " \\/ " : q->kind == LP_AND ? " /\\ " : " => ";
        bool par = prec < parent || (parent == 3 && prec == 3);
        if (par)
            OUT("(");
        prop_text(t, q->a, buf, n, k, prec + (q->kind == LP_IMPL));
        OUT("%s", op);
        prop_text(t, q->b, buf, n, k, q->kind == LP_IMPL ? prec - 1 : prec + 1);
        if (par)
            OUT(")");
    }
    }
#undef OUT
}

static void parse_condition(parser *p)
{
    p->lx.cond = true;
    lt_lex_rewind(&p->lx, &p->tok);
    next(p);
    if (accept(p, "locations")) {
        expect(p, "[", "after 'locations'");
        while (!is(p, "]")) {
            if (p->tok.kind == LTK_EOF)
                perr_at(p, p->tok.line, p->tok.col, "unterminated locations list (missing ']')");
            parse_cvar(p);
            if (!is(p, "]"))
                expect(p, ";", "between locations");
        }
        next(p);
    }
    if (accept(p, "filter"))
        p->t->filter = parse_or(p);
    lt_tok qt = p->tok;
    if (accept(p, "exists") || accept(p, "final")) {
        p->t->quant = LQ_EXISTS;
    } else if (accept(p, "~")) {
        if (!accept(p, "exists"))
            perr_at(p, p->tok.line, p->tok.col, "expected 'exists' after '~', found %s",
                    TQ(&p->tok));
        p->t->quant = LQ_NOT_EXISTS;
    } else if (accept(p, "forall")) {
        p->t->quant = LQ_FORALL;
    } else if (is(p, "(")) {
        p->t->quant = LQ_EXISTS;
    } else if (qt.kind == LTK_EOF) {
        perr_at(p, qt.line, qt.col, "missing the final condition (exists, ~exists or forall)");
    } else {
        perr_at(p, qt.line, qt.col, "expected exists, ~exists or forall, found %s", TQ(&qt));
    }
    p->t->cond = parse_or(p);
    if (is(p, "with"))
        perr_at(p, p->tok.line, p->tok.col, "'with' clauses are not supported");
    if (p->tok.kind != LTK_EOF)
        perr_at(p, p->tok.line, p->tok.col, "unexpected %s after the final condition", TQ(&p->tok));
    char buf[4096];
    size_t k = 0;
    static const char *const qn[] = {"exists ", "~exists ", "forall "};
    k = (size_t)snprintf(buf, sizeof buf, "%s", qn[p->t->quant]);
    bool par = p->t->cond->kind != LP_ATOM && p->t->cond->kind != LP_NOT;
    if (!par) {
        buf[k++] = '(';
        buf[k] = 0;
    }
    prop_text(p->t, p->t->cond, buf, sizeof buf, &k, 0);
    if (!par && k + 1 < sizeof buf) {
        buf[k++] = ')';
        buf[k] = 0;
    }
    if (par) {
        /* wrap the top-level connective in one pair of parentheses */
        char tmp[4096];
        size_t q = strlen(qn[p->t->quant]);
        snprintf(tmp, sizeof tmp, "%s(%s)", qn[p->t->quant], buf + q);
        memcpy(buf, tmp, sizeof buf);
    }
    buf[sizeof buf - 1] = 0;
    p->t->cond_text = arena_strndup(p->ar, buf, strlen(buf));
}

static int cmp_var(const void *a, const void *b)
{
    const lt_var *x = a, *y = b;
    if ((x->thread < 0) != (y->thread < 0))
        return x->thread < 0 ? 1 : -1;
    if (x->thread != y->thread)
        return x->thread - y->thread;
    return strcmp(x->text, y->text);
}

static void remap_prop(lt_prop *q, const int *map)
{
    if (!q)
        return;
    if (q->kind == LP_ATOM)
        q->var = map[q->var];
    remap_prop(q->a, map);
    remap_prop(q->b, map);
}

/* Sorts the observed variables: registers by thread and name, then
 * locations by name; rewrites the propositions' indices. */
static void sort_vars(parser *p)
{
    lt_test *t = p->t;
    int n = t->nvars;
    if (n < 2)
        return;
    lt_var *sorted = arena_alloc(p->ar, sizeof *sorted * (size_t)n);
    memcpy(sorted, t->vars, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_var);
    int *map = arena_alloc(p->ar, sizeof *map * (size_t)n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (sorted[j].thread == t->vars[i].thread && sorted[j].index == t->vars[i].index)
                map[i] = j;
    t->vars = sorted;
    remap_prop(t->cond, map);
    remap_prop(t->filter, map);
}

lt_test *lt_parse(const char *file, const char *text, size_t len, char *err, size_t errlen)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    parser *volatile p = &ps;
    p->file = file;
    p->src = text;
    p->len = len;
    p->err = err;
    p->errlen = errlen;
    p->ar = calloc(1, sizeof *p->ar);
    if (!p->ar) {
        snprintf(err, errlen, "%s: out of memory", file);
        return NULL;
    }
    p->t = arena_alloc(p->ar, sizeof *p->t);
    p->t->arena = p->ar;
    p->t->file = arena_strndup(p->ar, file, strlen(file));
    if (setjmp(p->jb)) {
        arena_free(p->ar);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        const char *z = memchr(text, '\0', len);
        int line = 1, col = 1;
        for (const char *c = text; c < z; c++)
            if (*c == '\n')
                line++, col = 1;
            else
                col++;
        perr_at(p, line, col, "NUL byte in the file (not a text file?)");
    }
    parse_header(p);
    parse_init(p);
    while (!at_condition(p)) {
        if (p->tok.kind == LTK_EOF)
            perr_at(p, p->tok.line, p->tok.col,
                    "missing the final condition (exists, ~exists or forall)");
        parse_thread(p);
    }
    lt_test *t = p->t;
    if (t->nthreads == 0)
        perr_at(p, p->tok.line, p->tok.col, "no threads before the final condition");
    for (int i = 0; i < t->nthreads; i++)
        if (t->threads[i].id < 0)
            perr_at(p, p->tok.line, p->tok.col,
                    "the init block names registers of P%d, which is not defined", i);
    parse_condition(p);
    sort_vars(p);
    return p->t;
}

lt_test *lt_parse_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            snprintf(err, errlen, "%s: error: out of memory", path);
            return NULL;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (len < cap)
            break;
        if (cap >= (64u << 20)) {
            fclose(f);
            free(buf);
            snprintf(err, errlen, "%s: error: file too large (over 64 MiB)", path);
            return NULL;
        }
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "%s: error: read failed", path);
        return NULL;
    }
    lt_test *t = lt_parse(path, buf, len, err, errlen);
    free(buf);
    return t;
}

void lt_test_free(lt_test *t)
{
    if (t)
        arena_free(t->arena);
}

/* ---- queries ---- */

bool lt_prop_eval(const lt_prop *q, const int64_t *st)
{
    switch (q->kind) {
    case LP_TRUE:
        return true;
    case LP_FALSE:
        return false;
    case LP_ATOM:
        return (st[q->var] == q->v) != q->ne;
    case LP_NOT:
        return !lt_prop_eval(q->a, st);
    case LP_AND:
        return lt_prop_eval(q->a, st) && lt_prop_eval(q->b, st);
    case LP_OR:
        return lt_prop_eval(q->a, st) || lt_prop_eval(q->b, st);
    case LP_IMPL:
        return !lt_prop_eval(q->a, st) || lt_prop_eval(q->b, st);
    }
    return false;
}

size_t lt_state_text(const lt_test *t, const int64_t *st, char *buf, size_t n)
{
    size_t k = 0;
    for (int i = 0; i < t->nvars; i++) {
        int w = snprintf(buf + (k < n ? k : n), k < n ? n - k : 0, "%s%s=%lld;", i ? " " : "",
                         t->vars[i].text, (long long)st[i]);
        if (w > 0)
            k += (size_t)w;
    }
    if (n && k >= n)
        buf[n - 1] = '\0';
    return k;
}

const char *lt_meta_get(const lt_test *t, const char *key)
{
    for (int i = 0; i < t->nmeta; i++)
        if (!strcmp(t->meta[i].key, key))
            return t->meta[i].value;
    return NULL;
}

/* Per location and thread: bit 0 plain access, bit 1 any write, bit 2 any
 * access, bit 3 plain write. */
static void mark_expr(const lt_expr *e, unsigned char *m);

static void mark_stmt(const lt_stmt *s, unsigned char *m)
{
    for (; s; s = s->next) {
        switch (s->kind) {
        case LS_STORE:
            m[s->loc] |= 2 | 4 | (s->mo == LT_NA ? 1 | 8 : 0);
            break;
        case LS_LOCK:
        case LS_UNLOCK:
            m[s->loc] |= 2 | 4;
            break;
        default:
            break;
        }
        if (s->a)
            mark_expr(s->a, m);
        mark_stmt(s->body, m);
        mark_stmt(s->els, m);
    }
}

static void mark_expr(const lt_expr *e, unsigned char *m)
{
    if (!e)
        return;
    if (e->kind == LE_LOAD)
        m[e->loc] |= 4 | (e->mo == LT_NA ? 1 : 0);
    if (e->kind == LE_RMW || e->kind == LE_CAS || e->kind == LE_CMPXCHG)
        m[e->loc] |= 2 | 4;
    if (e->kind == LE_CAS && e->exp_loc >= 0)
        m[e->exp_loc] |= 1 | 2 | 4 | 8;
    mark_expr(e->a, m);
    mark_expr(e->b, m);
}

bool lt_has_plain_conflict(const lt_test *t)
{
    size_t n = (size_t)t->nthreads * (size_t)t->nlocs;
    unsigned char *m = calloc(n ? n : 1, 1);
    if (!m)
        return true;
    for (int i = 0; i < t->nthreads; i++)
        mark_stmt(t->threads[i].body, m + (size_t)i * (size_t)t->nlocs);
    bool conflict = false;
    for (int l = 0; l < t->nlocs && !conflict; l++)
        for (int a = 0; a < t->nthreads && !conflict; a++)
            for (int b = 0; b < t->nthreads && !conflict; b++) {
                if (a == b)
                    continue;
                unsigned char x = m[(size_t)a * (size_t)t->nlocs + (size_t)l];
                unsigned char y = m[(size_t)b * (size_t)t->nlocs + (size_t)l];
                /* a plain access in a and a write in b, or a plain write in a
                 * and any access in b */
                if (((x & 1) && (y & 2)) || ((x & 8) && (y & 4)))
                    conflict = true;
            }
    free(m);
    return conflict;
}
