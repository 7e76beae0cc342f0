/*
 * checker/suppress.h — suppressions in ThreadSanitizer's file syntax.
 *
 * One `type:pattern` a line; '#' starts a comment; blank lines are
 * ignored. Types: race (any frame of either stack, or the global's name),
 * race_top (top frame of either stack), called_from_lib (a module path or
 * basename: races whose stack passes through it), thread, mutex, signal,
 * deadlock (parsed, matched by nothing yet: accepted so TSan files load).
 * Patterns match function names, file paths and module paths; '*' is a
 * wildcard, '^' and '$' anchor, and an implicit '*' wraps the pattern.
 * A malformed line is an error "FILE:LINE: what is wrong".
 *
 * Parsed once at start-up (allocates from the checker's memory); matching
 * runs at report time under the report lock. Hit counts are updated under
 * that lock only.
 */
#ifndef GOMM_CHECKER_SUPPRESS_H
#define GOMM_CHECKER_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "symbolize.h"

#pragma GCC visibility push(hidden)

typedef struct gm_supp gm_supp;

typedef struct gm_supp_rule {
    const char *type; /* "race", "race_top", "called_from_lib", ... */
    const char *pattern;
    int line; /* line in its file */
    unsigned long hits;
} gm_supp_rule;

/* Parse a whole suppressions text. NULL on error with err set to
 * "FILE:LINE: what is wrong". An empty text gives an empty set. */
gm_supp *gm_supp_parse(const char *text, const char *filename, char *err, size_t errlen);
/* Read and parse a file; NULL with err set ("FILE: cannot read: ...") */
gm_supp *gm_supp_load(const char *path, char *err, size_t errlen);
void gm_supp_free(gm_supp *s);

/* Does a race report match? stacks[i] holds nframes[i] symbolized frames
 * (innermost first); global is the racing global's name or NULL. Returns
 * the first matching rule (its hit count incremented) or NULL. */
gm_supp_rule *gm_supp_match_race(gm_supp *s, const gm_symframe *const *stacks, const int *nframes,
                                 int nstacks, const char *global);

/* Rules, for print_suppressions ("Suppression matched N times: race:foo") */
int gm_supp_count(const gm_supp *s);
const gm_supp_rule *gm_supp_rule_at(const gm_supp *s, int i);

/* The pattern matcher alone (exposed for tests). */
bool gm_supp_pattern_match(const char *pattern, const char *str);

#pragma GCC visibility pop

#endif
