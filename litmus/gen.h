/*
 * litmus/gen.h — C code generation for native litmus runs (litmus/gen.c).
 */
#ifndef GOMM_LITMUS_GEN_H
#define GOMM_LITMUS_GEN_H

#include <stdio.h>

#include "ast.h"

/* Writes the complete harness program for t to f; 0, or -1 on a write
 * error. */
int lt_gen_c(const lt_test *t, FILE *f);

#endif /* GOMM_LITMUS_GEN_H */
