/*
 * checker/options.h — the checker's run-time options (GOMM_OPTIONS).
 *
 * TSan's syntax: `name=value` pairs separated by ':' ',' spaces or newlines,
 * e.g. GOMM_OPTIONS="halt_on_error=1:exitcode=66:log_path=/tmp/r". Sources,
 * later overriding earlier: built-in defaults, the program's weak
 * `__tsan_default_options()` hook if defined, TSAN_OPTIONS (so existing
 * habits keep working), then GOMM_OPTIONS. Parsed once at checker start-up,
 * before any other thread exists; read-only afterwards (no locking).
 */
#ifndef GOMM_CHECKER_OPTIONS_H
#define GOMM_CHECKER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#pragma GCC visibility push(hidden)

enum gm_report_format { GM_FORMAT_TEXT, GM_FORMAT_JSON };

typedef struct gm_options {
    bool halt_on_error;                  /* exit(exitcode) after the first report (0) */
    int exitcode;                        /* exit status when races were reported (66) */
    char log_path[512];                  /* "" or "stderr": stderr; "stdout"; else
                                            reports go to log_path.<pid> as TSan does */
    int history_size;                    /* 0..7: per-thread history ring holds
                                            2^(13+history_size) events of 16 B (2:
                                            32K events, 512 KiB a thread) */
    char suppressions[512];              /* suppressions file ("") */
    bool print_suppressions;             /* list matched suppressions at exit (0) */
    enum gm_report_format report_format; /* text|json (text) */
    bool tsan_header;                    /* report_name=ThreadSanitizer|gomm: the tool
                                            name in report headers (ThreadSanitizer) */
    char strip_path_prefix[256];         /* removed from file names in reports ("") */
    bool report_atomic_races;            /* report atomic-vs-plain races (1) */
    bool symbolize;                      /* symbolize stacks (1) */
    int verbosity;                       /* 0 quiet; 1 start-up and exit summary (0) */
    bool report_bugs;                    /* 0: detect but print nothing (1) */
    int max_threads;                     /* live thread slots, 64..16383 (8192) */
    int perturb;                         /* 0..1000: per mille of gomm sync points
                                            (channel, mutex, once, waitgroup, go
                                            hooks) that yield or spin first (0) */
    int perturb_seed;                    /* seed of the perturbation (0: from time) */
} gm_options;

void gm_options_defaults(gm_options *o);

/* Parse `text` (from `source`, e.g. "GOMM_OPTIONS") into *o, overriding
 * what it names. 0 on success; -1 with a message in err naming the source
 * and the bad option ("GOMM_OPTIONS: unknown option 'halt_on_eror'",
 * "GOMM_OPTIONS: exitcode: 'x' is not an integer"). On error *o may be
 * partly updated. */
int gm_options_parse(gm_options *o, const char *text, const char *source, char *err, size_t errlen);

/* Defaults, then __tsan_default_options(), TSAN_OPTIONS, GOMM_OPTIONS.
 * A bad option is a fatal error: "gomm: fatal error: GOMM_OPTIONS: ...". */
void gm_options_load(gm_options *o);

/* help=1's text: every option with its default and meaning, then the TSan
 * options accepted and ignored, written to fd (gm_options_parse prints it
 * to fd 2 when it meets help=1, then goes on). */
void gm_options_print_help(int fd);

#pragma GCC visibility pop

#endif
