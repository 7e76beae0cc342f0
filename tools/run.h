/*
 * tools/run.h — what `gomm run` (run.c) hands to its output formats
 * (formats.c): the races collected from every process of a run, each
 * with its stable key, and the run's totals.
 *
 * Invariants: a race's `obj` is the runtime's parsed JSON report (NULL for
 * a line that could not be parsed; `raw` always holds the line); `key` and
 * `loose_key` are set for every race; `top[0]`/`top[1]` point into `obj`
 * (the current and previous access's first frame that is not the race
 * runtime's own) or are NULL.
 */
#ifndef GOMM_TOOLS_RUN_H
#define GOMM_TOOLS_RUN_H

#include "json.h"

typedef struct race {
    jval *obj;
    char *raw;        /* the report line as the runtime wrote it */
    char *origin;     /* "r.<pid>:<line>" of the log, for messages */
    const char *type; /* "data race", "heap-use-after-free" (points into obj or static) */
    int pid;
    char *key;       /* TYPE\tFUNC\tLOC\tFUNC\tLOC, sides sorted */
    char *loose_key; /* the same without line numbers */
    const jval *top[2];
    bool known; /* matched the baseline */
} race;

typedef struct run_result {
    race *races; /* distinct races (deduplicated by key), in log order */
    size_t nraces, nnew, nknown;
    long suppressed;     /* reports the runtime suppressed (sum of hits) */
    int processes;       /* processes that loaded the race runtime */
    int program_status;  /* PROG's exit status (128+N for signal N) */
    int exit_status;     /* gomm run's */
    const char *srcroot; /* absolute, no trailing slash */
    const char *program;
} run_result;

/* The first frame of a stack that is not the runtime's own (interceptors,
 * __tsan_* entry points, gm_race_* annotations), or frame 0, or NULL. */
const jval *top_user_frame(const jval *stack);
/* The first such frame that has a file, else top_user_frame. */
const jval *top_source_frame(const jval *stack);
/* A file name relative to srcroot when it is under it (no leading ./),
 * else as given. Returns a new string. */
char *rel_path(const char *file, const char *srcroot);

/* Output formats: each appends the whole document to out. */
void format_text(sbuf *out, const run_result *r);
void format_json(sbuf *out, const run_result *r);
void format_sarif(sbuf *out, const run_result *r);
void format_junit(sbuf *out, const run_result *r);
/* Appends s with XML's special characters escaped (characters XML 1.0
 * forbids are dropped). */
void xml_escape(sbuf *b, const char *s);
/* One race in ThreadSanitizer's text layout (docs/race-reports.md). */
void format_race_text(sbuf *out, const race *rc);

#endif /* GOMM_TOOLS_RUN_H */
