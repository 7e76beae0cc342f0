/*
 * tests/alloc/test_util.h — small helpers shared by the allocator tests.
 *
 * Sanitizer detection (for scaling work down and for the RSS test), a
 * deterministic per-thread PRNG (no shared state, so no races), content
 * canaries and a statm reader. Header-only: every test is one file plus this.
 */
#ifndef GOMM_TEST_UTIL_H
#define GOMM_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* ---- sanitizers ---- */
#if defined(__SANITIZE_ADDRESS__)
#define GT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define GT_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(GT_ASAN)
#define GT_ASAN 1
#endif
#if __has_feature(thread_sanitizer) && !defined(GT_TSAN)
#define GT_TSAN 1
#endif
#endif
/* GOMM_TEST_SANITIZED comes from CMake (GOMM_SANITIZE set): it also covers
 * UBSan alone, which has no feature macro. */
#if defined(GT_ASAN) || defined(GT_TSAN) || defined(GOMM_TEST_SANITIZED)
#define GT_SANITIZED 1
#else
#define GT_SANITIZED 0
#endif

/* Work scale: sanitizers make allocation-heavy loops 5-20x slower, and the
 * debug build (-O0, GOMM_DEBUG walks a span's free lists on every free)
 * 3-4x. Tests size their loops as GT_SCALED(n) so that each build runs in
 * seconds. */
#if defined(GT_TSAN)
#define GT_SCALE_DIV 10
#elif GT_SANITIZED
#define GT_SCALE_DIV 4
#elif defined(GOMM_DEBUG)
#define GT_SCALE_DIV 2
#else
#define GT_SCALE_DIV 1
#endif
#define GT_SCALED(n) ((n) / GT_SCALE_DIV > 0 ? (n) / GT_SCALE_DIV : 1)

/* ---- PRNG: xorshift64*, one state per thread ---- */
static inline uint64_t gt_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]. */
static inline size_t gt_rand_range(uint64_t *state, size_t lo, size_t hi)
{
    return lo + (size_t)(gt_rand(state) % (uint64_t)(hi - lo + 1));
}

/* ---- canaries: a byte pattern derived from the address and the size ---- */
static inline uint8_t gt_canary_byte(const void *p, size_t n, size_t i)
{
    uint64_t k = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    return (uint8_t)((k >> ((i & 7) * 8)) + i);
}

/* Offsets a canary covers: every byte of a small block; for a big block the
 * first and last 64 bytes and one byte per 512 (keeps big blocks cheap). */
#define GT_CANARY_FOR(i, n)                                                                        \
    for (size_t i = 0; i < (n); i = ((n) <= 256 || i < 64 || i + 64 >= (n))                        \
                                        ? i + 1                                                    \
                                        : (i + 512 < (n)-64 ? i + 512 : (n)-64))

static inline void gt_canary_write(void *p, size_t n)
{
    uint8_t *b = p;
    GT_CANARY_FOR(i, n)
    b[i] = gt_canary_byte(p, n, i);
}

/* Returns the first bad offset, or (size_t)-1 if the canary is intact. */
static inline size_t gt_canary_check(const void *p, size_t n)
{
    const uint8_t *b = p;
    GT_CANARY_FOR(i, n)
    if (b[i] != gt_canary_byte(p, n, i))
        return i;
    return (size_t)-1;
}

/* ---- process memory ---- */
/* Resident set size in bytes from /proc/self/statm; 0 if unreadable. */
static inline uint64_t gt_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, resident = 0;
    int got = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    if (got != 2)
        return 0;
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

#define GT_MIB ((uint64_t)1 << 20)

static inline bool gt_is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

#endif /* GOMM_TEST_UTIL_H */
