/*
 * checker/symbolize.h — program counters to function, file:line:col, with
 * inlined frames, through elfutils' libdw (dwfl).
 *
 * Report time only (never on an access path): it may take locks and
 * allocate (libdw uses malloc). One global lock serializes it; the dwfl
 * session is built on first use and rebuilt when an address falls in a
 * module it does not know (a library loaded later).
 */
#ifndef GOMM_CHECKER_SYMBOLIZE_H
#define GOMM_CHECKER_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

typedef struct gm_symframe {
    uintptr_t pc;         /* the pc as recorded (a return address) */
    const char *function; /* NULL when unknown (printed "<null>") */
    const char *file;     /* NULL when unknown */
    int line, column;     /* 0 when unknown */
    const char *module;   /* path of the ELF object, NULL if none */
    uintptr_t module_offset;
    bool inlined; /* an inlined callee at this pc; the next frame
                     is its caller at the same pc */
} gm_symframe;

/* Frames for pc, innermost inlined function first; returns how many were
 * written (at least 1: an unknown pc gives one frame with NULLs). pc is a
 * return address unless `exact` (the symbolizer then looks up pc-1).
 * Strings live until process exit. */
int gm_symbolize(uintptr_t pc, bool exact, gm_symframe *out, int max);

/* A global variable containing addr: its name, start and size and module.
 * False when addr is not in a known data symbol. */
bool gm_symbolize_data(uintptr_t addr, const char **name, uintptr_t *start, size_t *size,
                       const char **module, uintptr_t *module_offset);

#pragma GCC visibility pop

#endif
