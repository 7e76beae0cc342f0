/*
 * litmus/native.h — compile and run one litmus test on this machine
 * (litmus/native.c).
 */
#ifndef GOMM_LITMUS_NATIVE_H
#define GOMM_LITMUS_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

typedef struct lt_native_opts {
    const char *cc;        /* compiler (NULL: $GOMM_LITMUS_CC, else cc) */
    const char *cache_dir; /* compiled programs (NULL: lt_cache_dir()) */
    long iterations;       /* total iterations (> 0) */
    double seconds;        /* stop after this long (0: no limit) */
    long size;             /* iterations per batch (0: harness default) */
    const char *mode;      /* "timebase" (NULL), "user", "none" */
    long period;           /* timebase ticks between iterations (0: adaptive) */
    long delay;            /* max random start delay in ticks (-1: adaptive) */
    uint64_t seed;         /* harness randomness (0: fixed default) */
    const int *cpus;       /* one CPU per thread */
    bool keep_source;      /* leave the generated .c next to the binary */
} lt_native_opts;

typedef struct lt_native_out {
    long iterations;
    double seconds;
    long late, loopbound;
    long period; /* final adaptive period, ticks */
    double ticks_per_second;
    int nstates;
    int64_t *states; /* nstates * nvars values, in the test's var order */
    long *counts;
    char *binary; /* path of the compiled program */
} lt_native_out;

/* The directory for compiled tests: $GOMM_LITMUS_CACHE, else
 * $XDG_CACHE_HOME/gomm/litmus, else $HOME/.cache/gomm/litmus, else
 * /tmp/gomm-litmus-<uid>. Returns a malloc'd string. */
char *lt_cache_dir(void);
/* 64-bit FNV-1a of p[0..n) continuing from h (start: 0xcbf29ce484222325). */
uint64_t lt_fnv(uint64_t h, const void *p, size_t n);
/* mkdir -p: 0, or -1 with errno set. */
int lt_mkdir_p(const char *path);

/* Generates, compiles (cached by the source's hash) and runs the test.
 * 0 on success; -1 with a message in err (compiler error output is
 * included, the harness's stderr too). */
int lt_native_run(const lt_test *t, const lt_native_opts *o, lt_native_out *out, char *err,
                  size_t errlen);
void lt_native_out_free(lt_native_out *out);

/* CPUs this process may run on (sched_getaffinity), ascending; returns
 * the count (at most max). */
int lt_allowed_cpus(int *cpus, int max);

#endif /* GOMM_LITMUS_NATIVE_H */
