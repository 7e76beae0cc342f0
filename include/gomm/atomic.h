/*
 * gomm/atomic.h — Go's sync/atomic for C: every operation is sequentially
 * consistent (memory_order_seq_cst), as Go's are.
 *
 * For T in i32 i64 u32 u64 uptr ptr bool: gm_atomic_T_load, _store, _swap
 * (returns the old value), _cas (returns whether it swapped) and, for the
 * integer types, _add (returns the new value, as Go's Add), _and and _or
 * (return the old value, as Go 1.23's And/Or). The types are structs so a
 * plain access cannot happen by mistake; their zero value is 0/NULL/false.
 *
 * Memory model: an operation that observes the effect of another is
 * synchronized with it (Go's rule). These are inline C11 atomics: built with
 * `gomm cc` (ThreadSanitizer instrumentation) the race checker sees them as
 * the seq_cst atomics they are.
 */
#ifndef GOMM_ATOMIC_H
#define GOMM_ATOMIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * In a race build of a program that the compiler does not instrument
 * (linked with libgomm_race, which defines GOMM_RACE, and not compiled
 * with -fsanitize=thread), each operation goes through the race runtime's
 * __tsan_atomic* entry points, so the checker sees the same seq_cst
 * atomics (Go's rule A1) that `gomm cc` shows it. Otherwise they are the
 * plain inline C11 operations.
 */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GM__TSAN_INSTRUMENTED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define GM__TSAN_INSTRUMENTED 1
#endif

/* GOMM_SELF_TSAN: gomm's own tests under the real ThreadSanitizer, where
 * the race runtime's entry points are renamed gm_selftsan_* */
#ifdef GOMM_SELF_TSAN
#define GM__ABI(name) gm_selftsan_##name
#else
#define GM__ABI(name) name
#endif

#if defined(GOMM_RACE) && (!defined(GM__TSAN_INSTRUMENTED) || defined(GOMM_SELF_TSAN)) &&          \
    !defined(__cplusplus)
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
unsigned char GM__ABI(__tsan_atomic8_load)(const volatile unsigned char *a, int mo);
unsigned int GM__ABI(__tsan_atomic32_load)(const volatile unsigned int *a, int mo);
unsigned long long GM__ABI(__tsan_atomic64_load)(const volatile unsigned long long *a, int mo);
void GM__ABI(__tsan_atomic8_store)(volatile unsigned char *a, unsigned char v, int mo);
void GM__ABI(__tsan_atomic32_store)(volatile unsigned int *a, unsigned int v, int mo);
void GM__ABI(__tsan_atomic64_store)(volatile unsigned long long *a, unsigned long long v, int mo);
#define GM__RMW_DECL(op)                                                                           \
    unsigned char GM__ABI(__tsan_atomic8_##op)(volatile unsigned char *a, unsigned char v, int mo);         \
    unsigned int GM__ABI(__tsan_atomic32_##op)(volatile unsigned int *a, unsigned int v, int mo);           \
    unsigned long long GM__ABI(__tsan_atomic64_##op)(volatile unsigned long long *a, unsigned long long v,  \
                                            int mo);
GM__RMW_DECL(exchange)
GM__RMW_DECL(fetch_add)
GM__RMW_DECL(fetch_and)
GM__RMW_DECL(fetch_or)
#undef GM__RMW_DECL
int GM__ABI(__tsan_atomic8_compare_exchange_strong)(volatile unsigned char *a, unsigned char *c,
                                           unsigned char v, int mo, int fmo);
int GM__ABI(__tsan_atomic32_compare_exchange_strong)(volatile unsigned int *a, unsigned int *c,
                                            unsigned int v, int mo, int fmo);
int GM__ABI(__tsan_atomic64_compare_exchange_strong)(volatile unsigned long long *a, unsigned long long *c,
                                            unsigned long long v, int mo, int fmo);

static inline unsigned long long gm__race_load(const volatile void *a, size_t n, int mo)
{
    if (n == 1)
        return GM__ABI(__tsan_atomic8_load)((const volatile unsigned char *)a, mo);
    if (n == 4)
        return GM__ABI(__tsan_atomic32_load)((const volatile unsigned int *)a, mo);
    return GM__ABI(__tsan_atomic64_load)((const volatile unsigned long long *)a, mo);
}
static inline void gm__race_store(volatile void *a, size_t n, unsigned long long v, int mo)
{
    if (n == 1)
        GM__ABI(__tsan_atomic8_store)((volatile unsigned char *)a, (unsigned char)v, mo);
    else if (n == 4)
        GM__ABI(__tsan_atomic32_store)((volatile unsigned int *)a, (unsigned int)v, mo);
    else
        GM__ABI(__tsan_atomic64_store)((volatile unsigned long long *)a, v, mo);
}
#define GM__RMW_DEF(op)                                                                            \
    static inline unsigned long long gm__race_##op(volatile void *a, size_t n,                     \
                                                   unsigned long long v, int mo)                   \
    {                                                                                              \
        if (n == 1)                                                                                \
            return GM__ABI(__tsan_atomic8_##op)((volatile unsigned char *)a, (unsigned char)v, mo);         \
        if (n == 4)                                                                                \
            return GM__ABI(__tsan_atomic32_##op)((volatile unsigned int *)a, (unsigned int)v, mo);          \
        return GM__ABI(__tsan_atomic64_##op)((volatile unsigned long long *)a, v, mo);                      \
    }
GM__RMW_DEF(exchange)
GM__RMW_DEF(fetch_add)
GM__RMW_DEF(fetch_and)
GM__RMW_DEF(fetch_or)
#undef GM__RMW_DEF
static inline bool gm__race_cas(volatile void *a, size_t n, void *c, unsigned long long v, int mo,
                                int fmo)
{
    if (n == 1)
        return GM__ABI(__tsan_atomic8_compare_exchange_strong)(
            (volatile unsigned char *)a, (unsigned char *)c, (unsigned char)v, mo, fmo);
    if (n == 4)
        return GM__ABI(__tsan_atomic32_compare_exchange_strong)((volatile unsigned int *)a,
                                                       (unsigned int *)c, (unsigned int)v, mo, fmo);
    return GM__ABI(__tsan_atomic64_compare_exchange_strong)((volatile unsigned long long *)a,
                                                   (unsigned long long *)c, v, mo, fmo);
}
#ifdef __cplusplus
}
#endif
#define GM__LOAD(p, mo)     gm__race_load((p), sizeof *(p), (int)(mo))
#define GM__STORE(p, v, mo) gm__race_store((p), sizeof *(p), (unsigned long long)(v), (int)(mo))
#define GM__XCHG(p, v, mo)  gm__race_exchange((p), sizeof *(p), (unsigned long long)(v), (int)(mo))
#define GM__ADD(p, v, mo)   gm__race_fetch_add((p), sizeof *(p), (unsigned long long)(v), (int)(mo))
#define GM__AND(p, v, mo)   gm__race_fetch_and((p), sizeof *(p), (unsigned long long)(v), (int)(mo))
#define GM__OR(p, v, mo)    gm__race_fetch_or((p), sizeof *(p), (unsigned long long)(v), (int)(mo))
#define GM__CAS(p, c, v, mo, fo)                                                                   \
    gm__race_cas((p), sizeof *(p), (c), (unsigned long long)(v), (int)(mo), (int)(fo))
#else
#define GM__LOAD  atomic_load_explicit
#define GM__STORE atomic_store_explicit
#define GM__XCHG  atomic_exchange_explicit
#define GM__ADD   atomic_fetch_add_explicit
#define GM__AND   atomic_fetch_and_explicit
#define GM__OR    atomic_fetch_or_explicit
#define GM__CAS   atomic_compare_exchange_strong_explicit
#endif

#ifndef __cplusplus /* C11 _Atomic; C++ has std::atomic */

typedef struct gm_atomic_i32 {
    _Atomic(int32_t) v_;
} gm_atomic_i32;

static inline int32_t gm_atomic_i32_load(const gm_atomic_i32 *a)
{
    return GM__LOAD((_Atomic(int32_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_i32_store(gm_atomic_i32 *a, int32_t v)
{
    GM__STORE(&a->v_, v, memory_order_seq_cst);
}

static inline int32_t gm_atomic_i32_swap(gm_atomic_i32 *a, int32_t v)
{
    return GM__XCHG(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_i32_cas(gm_atomic_i32 *a, int32_t old, int32_t new_)
{
    return GM__CAS(&a->v_, &old, new_, memory_order_seq_cst, memory_order_seq_cst);
}

static inline int32_t gm_atomic_i32_add(gm_atomic_i32 *a, int32_t delta)
{
    /* wraps around like Go's (atomic arithmetic is two's complement) */
    return (int32_t)((uint32_t)GM__ADD(&a->v_, delta, memory_order_seq_cst) + (uint32_t)delta);
}

static inline int32_t gm_atomic_i32_and(gm_atomic_i32 *a, int32_t mask)
{
    return GM__AND(&a->v_, mask, memory_order_seq_cst);
}

static inline int32_t gm_atomic_i32_or(gm_atomic_i32 *a, int32_t mask)
{
    return GM__OR(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_i64 {
    _Atomic(int64_t) v_;
} gm_atomic_i64;

static inline int64_t gm_atomic_i64_load(const gm_atomic_i64 *a)
{
    return GM__LOAD((_Atomic(int64_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_i64_store(gm_atomic_i64 *a, int64_t v)
{
    GM__STORE(&a->v_, v, memory_order_seq_cst);
}

static inline int64_t gm_atomic_i64_swap(gm_atomic_i64 *a, int64_t v)
{
    return GM__XCHG(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_i64_cas(gm_atomic_i64 *a, int64_t old, int64_t new_)
{
    return GM__CAS(&a->v_, &old, new_, memory_order_seq_cst, memory_order_seq_cst);
}

static inline int64_t gm_atomic_i64_add(gm_atomic_i64 *a, int64_t delta)
{
    /* wraps around like Go's (atomic arithmetic is two's complement) */
    return (int64_t)((uint64_t)GM__ADD(&a->v_, delta, memory_order_seq_cst) + (uint64_t)delta);
}

static inline int64_t gm_atomic_i64_and(gm_atomic_i64 *a, int64_t mask)
{
    return GM__AND(&a->v_, mask, memory_order_seq_cst);
}

static inline int64_t gm_atomic_i64_or(gm_atomic_i64 *a, int64_t mask)
{
    return GM__OR(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_u32 {
    _Atomic(uint32_t) v_;
} gm_atomic_u32;

static inline uint32_t gm_atomic_u32_load(const gm_atomic_u32 *a)
{
    return GM__LOAD((_Atomic(uint32_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_u32_store(gm_atomic_u32 *a, uint32_t v)
{
    GM__STORE(&a->v_, v, memory_order_seq_cst);
}

static inline uint32_t gm_atomic_u32_swap(gm_atomic_u32 *a, uint32_t v)
{
    return GM__XCHG(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_u32_cas(gm_atomic_u32 *a, uint32_t old, uint32_t new_)
{
    return GM__CAS(&a->v_, &old, new_, memory_order_seq_cst, memory_order_seq_cst);
}

static inline uint32_t gm_atomic_u32_add(gm_atomic_u32 *a, uint32_t delta)
{
    return GM__ADD(&a->v_, delta, memory_order_seq_cst) + delta;
}

static inline uint32_t gm_atomic_u32_and(gm_atomic_u32 *a, uint32_t mask)
{
    return GM__AND(&a->v_, mask, memory_order_seq_cst);
}

static inline uint32_t gm_atomic_u32_or(gm_atomic_u32 *a, uint32_t mask)
{
    return GM__OR(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_u64 {
    _Atomic(uint64_t) v_;
} gm_atomic_u64;

static inline uint64_t gm_atomic_u64_load(const gm_atomic_u64 *a)
{
    return GM__LOAD((_Atomic(uint64_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_u64_store(gm_atomic_u64 *a, uint64_t v)
{
    GM__STORE(&a->v_, v, memory_order_seq_cst);
}

static inline uint64_t gm_atomic_u64_swap(gm_atomic_u64 *a, uint64_t v)
{
    return GM__XCHG(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_u64_cas(gm_atomic_u64 *a, uint64_t old, uint64_t new_)
{
    return GM__CAS(&a->v_, &old, new_, memory_order_seq_cst, memory_order_seq_cst);
}

static inline uint64_t gm_atomic_u64_add(gm_atomic_u64 *a, uint64_t delta)
{
    return GM__ADD(&a->v_, delta, memory_order_seq_cst) + delta;
}

static inline uint64_t gm_atomic_u64_and(gm_atomic_u64 *a, uint64_t mask)
{
    return GM__AND(&a->v_, mask, memory_order_seq_cst);
}

static inline uint64_t gm_atomic_u64_or(gm_atomic_u64 *a, uint64_t mask)
{
    return GM__OR(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_uptr {
    _Atomic(uintptr_t) v_;
} gm_atomic_uptr;

static inline uintptr_t gm_atomic_uptr_load(const gm_atomic_uptr *a)
{
    return GM__LOAD((_Atomic(uintptr_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_uptr_store(gm_atomic_uptr *a, uintptr_t v)
{
    GM__STORE(&a->v_, v, memory_order_seq_cst);
}

static inline uintptr_t gm_atomic_uptr_swap(gm_atomic_uptr *a, uintptr_t v)
{
    return GM__XCHG(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_uptr_cas(gm_atomic_uptr *a, uintptr_t old, uintptr_t new_)
{
    return GM__CAS(&a->v_, &old, new_, memory_order_seq_cst, memory_order_seq_cst);
}

static inline uintptr_t gm_atomic_uptr_add(gm_atomic_uptr *a, uintptr_t delta)
{
    return GM__ADD(&a->v_, delta, memory_order_seq_cst) + delta;
}

static inline uintptr_t gm_atomic_uptr_and(gm_atomic_uptr *a, uintptr_t mask)
{
    return GM__AND(&a->v_, mask, memory_order_seq_cst);
}

static inline uintptr_t gm_atomic_uptr_or(gm_atomic_uptr *a, uintptr_t mask)
{
    return GM__OR(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_ptr {
    _Atomic(uintptr_t) v_; /* an integer, so that `= {0}` initializes it */
} gm_atomic_ptr;

static inline void *gm_atomic_ptr_load(const gm_atomic_ptr *a)
{
    return (void *)GM__LOAD((_Atomic(uintptr_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_ptr_store(gm_atomic_ptr *a, void *v)
{
    GM__STORE(&a->v_, (uintptr_t)v, memory_order_seq_cst);
}

static inline void *gm_atomic_ptr_swap(gm_atomic_ptr *a, void *v)
{
    return (void *)GM__XCHG(&a->v_, (uintptr_t)v, memory_order_seq_cst);
}

static inline bool gm_atomic_ptr_cas(gm_atomic_ptr *a, void *old, void *new_)
{
    uintptr_t expect = (uintptr_t)old;
    return GM__CAS(&a->v_, &expect, (uintptr_t)new_, memory_order_seq_cst, memory_order_seq_cst);
}

typedef struct gm_atomic_bool {
    _Atomic(bool) v_;
} gm_atomic_bool;

static inline bool gm_atomic_bool_load(const gm_atomic_bool *a)
{
    return GM__LOAD((_Atomic(bool) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_bool_store(gm_atomic_bool *a, bool v)
{
    GM__STORE(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_bool_swap(gm_atomic_bool *a, bool v)
{
    return GM__XCHG(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_bool_cas(gm_atomic_bool *a, bool old, bool new_)
{
    return GM__CAS(&a->v_, &old, new_, memory_order_seq_cst, memory_order_seq_cst);
}

#endif /* !__cplusplus */
#endif /* GOMM_ATOMIC_H */
