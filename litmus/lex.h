/*
 * litmus/lex.h — the tokenizer of C litmus files (litmus/lex.c).
 *
 * Two modes: code (the init block and the threads: C tokens, // and
 * block comments) and condition (the final section: herd's connectives
 * and (* *) comments). Tokens point into the source; positions are 1-based
 * line and column (a tab counts as one column, as compilers count).
 * Invariants: the lexer never reads past text[len] (the text need not be
 * NUL-terminated) and never allocates. Single-threaded.
 */
#ifndef GOMM_LITMUS_LEX_H
#define GOMM_LITMUS_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lt_tokkind { LTK_EOF, LTK_IDENT, LTK_NUM, LTK_STRING, LTK_PUNCT, LTK_BAD } lt_tokkind;

typedef struct lt_tok {
    lt_tokkind kind;
    const char *s; /* text of the token (LTK_BAD: the offending char) */
    size_t n;
    int64_t v;     /* LTK_NUM */
    bool overflow; /* LTK_NUM did not fit 64 bits */
    int line, col;
    size_t pos; /* offset of s */
} lt_tok;

typedef struct lt_lexer {
    const char *src;
    size_t len, pos;
    int line;
    size_t line_start;
    bool cond;                /* condition mode */
    const char *unterminated; /* set when a comment or string ran to EOF */
    int ut_line, ut_col;
} lt_lexer;

void lt_lex_init(lt_lexer *lx, const char *src, size_t len, size_t pos, int line,
                 size_t line_start);
/* The next token (comments and blanks skipped). */
lt_tok lt_lex_next(lt_lexer *lx);
/* Moves back to the start of tok (to re-read it, e.g. in another mode). */
void lt_lex_rewind(lt_lexer *lx, const lt_tok *tok);
bool lt_tok_is(const lt_tok *t, const char *text);

#endif /* GOMM_LITMUS_LEX_H */
