/*
 * tools/tools.h — what the gomm command line's parts share: the
 * subcommands' entry points and small helpers (growable string vectors,
 * allocation that never returns NULL, shell quoting for messages).
 *
 * Invariants: a strvec always ends with a NULL pointer after its n items
 * (so v can be handed to execvp); every string it holds is its own copy.
 * x* allocators print "gomm: out of memory" and exit 2 on failure.
 */
#ifndef GOMM_TOOLS_H
#define GOMM_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* `gomm cc ARGS...` and `gomm run ...`: argv[0] is the subcommand. */
int gomm_cc_main(int argc, char **argv);
int gomm_run_main(int argc, char **argv);
int gomm_litmus_main(int argc, char **argv);

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

void sv_push(strvec *s, const char *str);
void sv_pushn(strvec *s, const char *str, size_t len);
void sv_push_all(strvec *s, const strvec *from);
void sv_free(strvec *s);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes the words quoted for a POSIX shell, separated by blanks. */
void print_command(FILE *f, const strvec *words);

/* A growable byte buffer (always NUL-terminated). */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

void sb_put(sbuf *b, const char *s);
void sb_putn(sbuf *b, const char *s, size_t n);
void sb_putc(sbuf *b, char c);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(sbuf *b);

/* Whether a and b name the same existing directory (after realpath);
 * false when either is empty or missing. */
bool same_dir(const char *a, const char *b);

/* Reads a whole file; NULL (errno set) when it cannot be read. */
char *read_file(const char *path, size_t *len);

/* The absolute path of the running gomm executable (/proc/self/exe), or
 * NULL. The result is cached and must not be freed. */
const char *self_exe(void);

#endif /* GOMM_TOOLS_H */
