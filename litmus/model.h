/*
 * litmus/model.h — exhaustive enumeration of a litmus test's executions
 * under axiomatic memory models (litmus/model.c; docs/litmus-models.md).
 *
 * Models (enum lt_model in ast.h): LM_SC, LM_TSO (x86-TSO, the C test
 * compiled with the standard C11-to-x86 mapping), LM_C11 (herd7's default
 * C model, c11_partialSC: Batty et al. with the POPL'16 partial-SC repair)
 * and LM_RC11 (Lahav et al., PLDI'17).
 */
#ifndef GOMM_LITMUS_MODEL_H
#define GOMM_LITMUS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"

typedef struct lt_model_result {
    int model;             /* LM_* */
    int nstates;           /* distinct final states of consistent executions */
    int64_t *states;       /* nstates * t->nvars values, sorted (lt_state_text order) */
    long *execs;           /* consistent executions ending in each state */
    bool *sat;             /* each state satisfies the condition's proposition */
    bool *filtered;        /* each state fails the filter (kept, not counted) */
    long positive;         /* consistent executions (filter passed) satisfying it */
    long negative;         /* ... not satisfying it */
    lt_expect observation; /* Never/Sometimes/Always of the proposition, or
                              LX_UNDEF when a consistent execution races */
    bool undef;            /* a data race (C11/RC11 only) */
    char race[256];        /* the first race found: "P0 line 5 (write x) / P1 line 9 (read x)" */
    bool loop_bound;       /* some path was cut at the unroll bound (results
                              are an under-approximation, herd7's "Loop") */
    long candidates;       /* candidate executions examined */
    double seconds;
} lt_model_result;

/* Enumerates every consistent execution of t under model (unroll: while
 * loops are unrolled that many times; herd7's default is 2). 0 on
 * success; -1 with a message in err (e.g. a state space over the limit). */
int lt_enumerate(const lt_test *t, int model, int unroll, lt_model_result *out, char *err,
                 size_t errlen);
void lt_model_result_free(lt_model_result *r);

#endif /* GOMM_LITMUS_MODEL_H */
