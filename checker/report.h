/*
 * checker/report.h — what the engine found, and how it reaches the user.
 *
 * The engine (race.c) fills a gm_report with raw program counters and
 * calls gm_report_emit. The report module symbolizes the stacks, applies
 * suppressions, deduplicates (one report per distinct pair of racing
 * source locations: the top frames' file:line of both accesses), prints
 * in ThreadSanitizer's layout (or one JSON object a line with
 * report_format=json) to the log, counts, and honours halt_on_error.
 * At exit it prints "ThreadSanitizer: reported N warnings" and makes the
 * process exit with `exitcode` when N > 0.
 *
 * Locking: gm_report_emit is serialized by one report lock; it runs off
 * the access path (races are rare) and may call the symbolizer, which
 * allocates. The engine must not hold any of its own locks when calling.
 */
#ifndef GOMM_CHECKER_REPORT_H
#define GOMM_CHECKER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "symbolize.h"

#pragma GCC visibility push(hidden)

#define GM_REPORT_MAX_FRAMES 64

typedef struct gm_rstack {
    uintptr_t pc[GM_REPORT_MAX_FRAMES]; /* innermost first; return
                                           addresses, except pc[0] when
                                           top_exact */
    int n;
    bool top_exact; /* pc[0] is the access's own pc, not a return address */
    bool lost;      /* the history that held it was overwritten: print
                       "[failed to restore the stack]" and say why */
} gm_rstack;

typedef struct gm_raccess {
    uintptr_t addr;
    size_t size;
    bool write;
    bool atomic;
    bool is_free; /* this "write" is the free() of the block */
    int tid;      /* T<tid>; 0 is the main thread; -1 unknown (the
                     thread's slot was reused: it is long gone) */
    gm_rstack stack;
} gm_raccess;

enum gm_loc_kind {
    GM_LOC_NONE,
    GM_LOC_HEAP,   /* heap block [start, start+size) allocated by tid */
    GM_LOC_GLOBAL, /* filled by the report module from the symbolizer */
    GM_LOC_STACK,  /* stack of thread tid */
    GM_LOC_TLS,    /* TLS of thread tid */
};

typedef struct gm_rlocation {
    enum gm_loc_kind kind;
    uintptr_t start;
    size_t size;
    int tid;         /* allocating thread; -1 unknown */
    bool freed;      /* heap block already freed (use-after-free) */
    gm_rstack stack; /* allocation stack (heap) */
} gm_rlocation;

typedef struct gm_rthread {
    int tid; /* T<tid> */
    long os_tid;
    bool running;   /* running or finished */
    int parent_tid; /* -1: none (the main thread) */
    gm_rstack create_stack;
} gm_rthread;

enum gm_report_type {
    GM_REPORT_RACE,           /* "data race" */
    GM_REPORT_USE_AFTER_FREE, /* "heap-use-after-free": races with free */
};

typedef struct gm_report {
    enum gm_report_type type;
    gm_raccess cur;  /* the access that found the race */
    gm_raccess prev; /* the earlier, unordered access */
    gm_rlocation loc;
    gm_rthread threads[2]; /* cur's thread, then prev's (if different) */
    int nthreads;
} gm_report;

/* Start-up: the options, the suppressions file (a malformed file is a fatal
 * error naming file:line), the exit hook. Called once by the engine. */
void gm_report_init(const gm_options *o);

/* Symbolize, suppress, deduplicate, print, count. True when printed.
 * With halt_on_error, a printed report ends the process with exitcode. */
bool gm_report_emit(const gm_report *r);

/* Reports printed so far. */
int gm_report_count(void);

/* The at-exit summary and exit status (installed by gm_report_init). */
void gm_report_finish(void);

/* Formatting, for tests: write the report as it would be printed, with the
 * given symbolizer, into buf (NUL-terminated, truncated at len). Returns
 * the length it needed. `pid` goes into the header line. */
typedef int (*gm_symbolize_fn)(uintptr_t pc, bool exact, gm_symframe *out, int max);
size_t gm_report_format(const gm_report *r, const gm_options *o, int pid, gm_symbolize_fn sym,
                        char *buf, size_t len);

#pragma GCC visibility pop

#endif
