/*
 * prog.h — the helpers shared by the litmus suite's program tests
 * (litmus/programs/NAME.c). Header-only: every function is static inline, so
 * a program is built from its one source file:
 *
 *   gomm cc -O1 -g -I<gomm include dirs> -I litmus/programs prog.c -o prog
 *
 * The runner sets the environment variables below; a program run by hand
 * gets the defaults. README.md in this directory describes the header
 * convention each program starts with.
 */
#ifndef GOMM_LITMUS_PROG_H
#define GOMM_LITMUS_PROG_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A positive integer from the environment variable name, or def when it is
 * unset, empty, not a number, or out of [1, max]. */
static inline long lp_env_long(const char *name, long def, long max)
{
    const char *s = getenv(name);
    if (s == NULL || *s == '\0')
        return def;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 1 || v > max)
        return def;
    return v;
}

/* GOMM_LITMUS_THREADS (default 2, at most 64): how many worker threads
 * (goroutines) the program should use. */
static inline int lp_threads(void)
{
    return (int)lp_env_long("GOMM_LITMUS_THREADS", 2, 64);
}

/* GOMM_LITMUS_SEED (default 1): the seed of lp_rand's state. Never 0 (an
 * xorshift state of 0 stays 0). */
static inline uint64_t lp_seed(void)
{
    const char *s = getenv("GOMM_LITMUS_SEED");
    uint64_t v = 1;
    if (s != NULL && *s != '\0') {
        char *end = NULL;
        unsigned long long x = strtoull(s, &end, 10);
        if (end != s && *end == '\0')
            v = (uint64_t)x;
    }
    return v ? v : 1;
}

/* GOMM_LITMUS_SCALE (default 1, at most 1000): multiplies iteration
 * counts. */
static inline int lp_scale(void)
{
    return (int)lp_env_long("GOMM_LITMUS_SCALE", 1, 1000);
}

/* xorshift64*: the next pseudo-random number from *state (which must not
 * be 0; lp_seed() never is). */
static inline uint64_t lp_rand(uint64_t *state)
{
    uint64_t x = *state;
    if (x == 0)
        x = 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* A state for thread (or goroutine) i, derived from the seed so that each
 * thread draws its own sequence. */
static inline uint64_t lp_seed_for(int i)
{
    uint64_t s = lp_seed() ^ (0x9E3779B97F4A7C15ull * (uint64_t)(i + 1));
    return s ? s : 1;
}

/* lp_use(v): keep a value the program read (a racy read whose result is
 * otherwise unused would be removed by the compiler). */
static _Atomic uint64_t lp_sink_;
static inline void lp_use(uint64_t v)
{
    atomic_fetch_add_explicit(&lp_sink_, v, memory_order_relaxed);
}

/* LP_CHECK(cond, fmt, ...): when cond is false, print
 * "invariant failed: FILE:LINE: message" to stderr and exit with status 3. */
#define LP_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant failed: %s:%d: ", __FILE__, __LINE__);                      \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            fflush(stderr);                                                                        \
            exit(3);                                                                               \
        }                                                                                          \
    } while (0)

#endif /* GOMM_LITMUS_PROG_H */
