/*
 * litmus/lex.c — tokenizer of C litmus files (see lex.h for modes and
 * invariants). Punctuators are matched longest first; in condition mode
 * the herd connectives /\ \/ => <> are tokens and (* starts a comment;
 * in code mode // and block comments are skipped. Numbers are decimal or
 * 0x hex (a u/U/l/L suffix is accepted and ignored). Nothing is allocated;
 * single-threaded.
 */
#include "lex.h"

#include <string.h>

void lt_lex_init(lt_lexer *lx, const char *src, size_t len, size_t pos, int line, size_t line_start)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->pos = pos;
    lx->line = line;
    lx->line_start = line_start;
}

static int peekc(const lt_lexer *lx, size_t k)
{
    return lx->pos + k < lx->len ? (unsigned char)lx->src[lx->pos + k] : -1;
}

static void adv(lt_lexer *lx)
{
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->line_start = lx->pos + 1;
    }
    lx->pos++;
}

static void unterminated(lt_lexer *lx, const char *what, int line, int col)
{
    if (!lx->unterminated) {
        lx->unterminated = what;
        lx->ut_line = line;
        lx->ut_col = col;
    }
}

static void skip_blanks(lt_lexer *lx)
{
    for (;;) {
        int c = peekc(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            adv(lx);
        } else if (!lx->cond && c == '/' && peekc(lx, 1) == '/') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                adv(lx);
        } else if (!lx->cond && c == '/' && peekc(lx, 1) == '*') {
            int l = lx->line, col = (int)(lx->pos - lx->line_start) + 1;
            adv(lx), adv(lx);
            while (lx->pos < lx->len && !(peekc(lx, 0) == '*' && peekc(lx, 1) == '/'))
                adv(lx);
            if (lx->pos >= lx->len) {
                unterminated(lx, "comment", l, col);
                return;
            }
            adv(lx), adv(lx);
        } else if (lx->cond && c == '(' && peekc(lx, 1) == '*') {
            int l = lx->line, col = (int)(lx->pos - lx->line_start) + 1;
            int depth = 1;
            adv(lx), adv(lx);
            while (lx->pos < lx->len && depth) {
                if (peekc(lx, 0) == '(' && peekc(lx, 1) == '*') {
                    depth++;
                    adv(lx);
                } else if (peekc(lx, 0) == '*' && peekc(lx, 1) == ')') {
                    depth--;
                    adv(lx);
                }
                adv(lx);
            }
            if (depth) {
                unterminated(lx, "comment", l, col);
                return;
            }
        } else {
            return;
        }
    }
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char *const code_puncts[] = {
    "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "{", "}", "(", ")", "[", "]", ";", ",",
    ":",  "*",  "=",  "<",  ">",  "+",  "-",  "/",  "%", "&", "|", "^", "~", "!", ".",
};
static const char *const cond_puncts[] = {
    "/\\", "\\/", "=>", "==", "!=", "<>", "(", ")", "[",
    "]",   ";",   ",",  ":",  "=",  "~",  "-", "{", "}",
};

lt_tok lt_lex_next(lt_lexer *lx)
{
    lt_tok t;
    memset(&t, 0, sizeof t);
    skip_blanks(lx);
    t.line = lx->line;
    t.col = (int)(lx->pos - lx->line_start) + 1;
    t.pos = lx->pos;
    t.s = lx->src + lx->pos;
    if (lx->pos >= lx->len || lx->unterminated) {
        t.kind = LTK_EOF;
        t.n = 0;
        return t;
    }
    int c = peekc(lx, 0);
    if (is_ident_start(c)) {
        while (is_ident_start(peekc(lx, 0)) || is_digit(peekc(lx, 0)))
            adv(lx);
        t.kind = LTK_IDENT;
        t.n = lx->pos - t.pos;
        return t;
    }
    if (is_digit(c)) {
        uint64_t v = 0;
        bool over = false;
        if (c == '0' && (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'X') && hexval(peekc(lx, 2)) >= 0) {
            adv(lx), adv(lx);
            while (hexval(peekc(lx, 0)) >= 0) {
                if (v >> 60)
                    over = true;
                v = v * 16 + (uint64_t)hexval(peekc(lx, 0));
                adv(lx);
            }
        } else {
            while (is_digit(peekc(lx, 0))) {
                uint64_t d = (uint64_t)(peekc(lx, 0) - '0');
                if (v > (UINT64_MAX - d) / 10)
                    over = true;
                v = v * 10 + d;
                adv(lx);
            }
        }
        while (peekc(lx, 0) == 'u' || peekc(lx, 0) == 'U' || peekc(lx, 0) == 'l' ||
               peekc(lx, 0) == 'L')
            adv(lx);
        if (is_ident_start(peekc(lx, 0)) || is_digit(peekc(lx, 0))) {
            /* 12abc: report the whole word as a bad number */
            while (is_ident_start(peekc(lx, 0)) || is_digit(peekc(lx, 0)))
                adv(lx);
            t.kind = LTK_BAD;
            t.n = lx->pos - t.pos;
            return t;
        }
        t.kind = LTK_NUM;
        t.v = (int64_t)v;
        t.overflow = over || v > (uint64_t)INT64_MAX;
        t.n = lx->pos - t.pos;
        return t;
    }
    if (c == '"') {
        adv(lx);
        while (lx->pos < lx->len && peekc(lx, 0) != '"' && peekc(lx, 0) != '\n') {
            if (peekc(lx, 0) == '\\' && lx->pos + 1 < lx->len)
                adv(lx);
            adv(lx);
        }
        if (peekc(lx, 0) != '"') {
            t.kind = LTK_BAD;
            t.n = 1;
            unterminated(lx, "string", t.line, t.col);
            return t;
        }
        adv(lx);
        t.kind = LTK_STRING;
        t.n = lx->pos - t.pos;
        return t;
    }
    const char *const *tab = lx->cond ? cond_puncts : code_puncts;
    size_t ntab = lx->cond ? sizeof cond_puncts / sizeof *cond_puncts
                           : sizeof code_puncts / sizeof *code_puncts;
    for (size_t i = 0; i < ntab; i++) {
        size_t n = strlen(tab[i]);
        if (lx->pos + n <= lx->len && !memcmp(lx->src + lx->pos, tab[i], n)) {
            for (size_t k = 0; k < n; k++)
                adv(lx);
            t.kind = LTK_PUNCT;
            t.n = n;
            return t;
        }
    }
    t.kind = LTK_BAD;
    /* one UTF-8 sequence at most, so the message shows a whole char */
    t.n = 1;
    if (c >= 0xc0)
        while (t.n < 4 && lx->pos + t.n < lx->len &&
               ((unsigned char)lx->src[lx->pos + t.n] & 0xc0) == 0x80)
            t.n++;
    for (size_t k = 0; k < t.n; k++)
        adv(lx);
    return t;
}

void lt_lex_rewind(lt_lexer *lx, const lt_tok *tok)
{
    lx->pos = tok->pos;
    lx->line = tok->line;
    lx->line_start = tok->pos - (size_t)(tok->col - 1);
    lx->unterminated = NULL;
}

bool lt_tok_is(const lt_tok *t, const char *text)
{
    size_t n = strlen(text);
    return (t->kind == LTK_PUNCT || t->kind == LTK_IDENT) && t->n == n && !memcmp(t->s, text, n);
}
