/*
 * checker/mem.h — the checker's own memory: mmap, never malloc nor the gomm
 * heap, so the checker can watch both without recursion.
 *
 * gm_rt_alloc returns zeroed memory from power-of-two size classes (16 B to
 * 64 KiB) kept on per-class free lists; larger requests are mapped whole.
 * Thread-safe: one spin lock per class, held for a few instructions; no
 * call made with a lock held. Out of memory is a fatal error.
 */
#ifndef GOMM_CHECKER_MEM_H
#define GOMM_CHECKER_MEM_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

void *gm_rt_alloc(size_t n);        /* zeroed; never NULL */
void gm_rt_free(void *p, size_t n); /* n: the size passed to gm_rt_alloc */
void *gm_rt_map(size_t n);          /* page-rounded, zeroed, MAP_NORESERVE */
void gm_rt_unmap(void *p, size_t n);
char *gm_rt_strdup(const char *s); /* free with gm_rt_free(p, strlen+1) */

#pragma GCC visibility pop

#endif
