/*
 * tools/litmus.h — `gomm litmus`: the shared result model of a run
 * (tools/litmus.c runs shapes and schedules, tools/litmus_prog.c runs
 * program tests, tools/litmus_out.c prints and merges results).
 *
 * A result is filled by exactly one worker thread and read by the main
 * thread only after that worker was joined (pthread_join orders them).
 */
#ifndef GOMM_TOOLS_LITMUS_H
#define GOMM_TOOLS_LITMUS_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "tools.h"

typedef enum lkind { LK_SHAPE, LK_PROGRAM } lkind;

/* Verdicts; the JSON names are fixed (docs/litmus.md). */
typedef enum lverdict {
    LV_PASS,      /* "pass" */
    LV_FAIL,      /* "fail": an outcome the model forbids, a wrong race verdict */
    LV_UNDEF,     /* "undef": the shape races under C11; outcomes are reported only */
    LV_SKIP,      /* "skip": cannot run here (more threads than CPUs) */
    LV_ERROR,     /* "error": malformed test, compiler or harness failure */
    LV_UNCHECKED, /* "unchecked": ran, but the test declares no expectation */
    LV_KNOWN,     /* "known": a known gomm bug (program header known=) */
} lverdict;

const char *lverdict_name(lverdict v);

typedef struct lstate {
    char *text; /* "0:r0=0; 1:r0=1;" */
    long count;
    bool sat;      /* satisfies the condition's proposition */
    bool filtered; /* fails the filter: not counted */
} lstate;

typedef struct lresult {
    char *name;
    char *file;
    lkind kind;
    lverdict verdict;
    char *note; /* why it failed, what was observed, how to reproduce */
    long iterations;
    double seconds;
    int threads;
    /* shapes */
    char *model;         /* model the machine is checked against: "TSO", "C11" */
    char *expect;        /* that model's expectation: "Never", ... or NULL */
    char *expects[4];    /* per model as declared: SC TSO C11 RC11 (NULL: none) */
    char *computed[4];   /* per model as the enumerator computes it (NULL: failed) */
    char *expect_source; /* "model", "metadata" or "none" */
    char *model_error;   /* why the enumerator failed, if it did */
    strvec unseen;       /* final states C11 allows that were not observed */
    char *quant;         /* "exists", "~exists", "forall" */
    char *condition;     /* as herd prints it */
    lstate *states;
    size_t nstates;
    long positive, negative; /* iterations whose state satisfies / does not */
    long weak;               /* iterations in a state SC forbids (-1: unknown) */
    char *observation;       /* "Always" | "Sometimes" | "Never" */
    long late, loopbound;
    long period;
    /* programs */
    char *expectation; /* "race 31,45" or "norace" */
    int runs;
    long races;         /* distinct races reported over all runs */
    strvec reports;     /* their JSON objects, as the runtime wrote them */
    strvec report_keys; /* "A,B": the lines of each report, for deduplication */
} lresult;

void lresult_free(lresult *r);

typedef struct lopts {
    long iterations;
    double time;
    int jobs;
    int shard_k, shard_n;
    const char *format;
    const char *out;
    bool list;
    int runs;
    uint64_t seed;
    const char *mode;
    long size, period, delay;
    const char *cc;
    const char *cache_dir;
    bool keep;
    bool progress;
    int verbose;
    const char *model; /* --model: "sc", "tso", "c11", "rc11" (NULL: run) */
    int unroll;        /* --unroll (2) */
} lopts;

/* A test's name from its path: the file name without its extension. */
char *litmus_test_name(const char *path);

/* The tests that pats select (none: the bundled suite), in order; 0, or 2
 * after a message on stderr. */
int litmus_collect(const strvec *pats, strvec *paths);

/* `gomm litmus --model M FILE...` (tools/litmus_model.c): enumerates each
 * shape's outcomes under the model and prints them in herd7's layout (or
 * --format json); returns the exit status. */
int litmus_model_run(const lopts *o, const strvec *paths);

/* Runs one program test (tools/litmus_prog.c); fills r. */
void litmus_run_program(const char *path, const lopts *o, lresult *r);

/* Output (tools/litmus_out.c). */
void litmus_format_text(sbuf *b, lresult *rs, size_t n, double secs);
void litmus_format_herd(sbuf *b, const lresult *r); /* one shape, litmus7 layout */
void litmus_format_json(sbuf *b, lresult *rs, size_t n, double secs);
void litmus_format_junit(sbuf *b, lresult *rs, size_t n, double secs);
/* Reads a JSON document written by litmus_format_json; appends its tests
 * to *rs. false with a message on stderr when it is not one. */
bool litmus_load_json(const char *path, lresult **rs, size_t *n, double *secs);

#endif /* GOMM_TOOLS_LITMUS_H */
