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

#ifndef __cplusplus /* C11 _Atomic; C++ has std::atomic */

typedef struct gm_atomic_i32 {
    _Atomic(int32_t) v_;
} gm_atomic_i32;

static inline int32_t gm_atomic_i32_load(const gm_atomic_i32 *a)
{
    return atomic_load_explicit((_Atomic(int32_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_i32_store(gm_atomic_i32 *a, int32_t v)
{
    atomic_store_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline int32_t gm_atomic_i32_swap(gm_atomic_i32 *a, int32_t v)
{
    return atomic_exchange_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_i32_cas(gm_atomic_i32 *a, int32_t old, int32_t new_)
{
    return atomic_compare_exchange_strong_explicit(&a->v_, &old, new_, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

static inline int32_t gm_atomic_i32_add(gm_atomic_i32 *a, int32_t delta)
{
    /* wraps around like Go's (atomic arithmetic is two's complement) */
    return (int32_t)((uint32_t)atomic_fetch_add_explicit(&a->v_, delta, memory_order_seq_cst) +
                     (uint32_t)delta);
}

static inline int32_t gm_atomic_i32_and(gm_atomic_i32 *a, int32_t mask)
{
    return atomic_fetch_and_explicit(&a->v_, mask, memory_order_seq_cst);
}

static inline int32_t gm_atomic_i32_or(gm_atomic_i32 *a, int32_t mask)
{
    return atomic_fetch_or_explicit(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_i64 {
    _Atomic(int64_t) v_;
} gm_atomic_i64;

static inline int64_t gm_atomic_i64_load(const gm_atomic_i64 *a)
{
    return atomic_load_explicit((_Atomic(int64_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_i64_store(gm_atomic_i64 *a, int64_t v)
{
    atomic_store_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline int64_t gm_atomic_i64_swap(gm_atomic_i64 *a, int64_t v)
{
    return atomic_exchange_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_i64_cas(gm_atomic_i64 *a, int64_t old, int64_t new_)
{
    return atomic_compare_exchange_strong_explicit(&a->v_, &old, new_, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

static inline int64_t gm_atomic_i64_add(gm_atomic_i64 *a, int64_t delta)
{
    /* wraps around like Go's (atomic arithmetic is two's complement) */
    return (int64_t)((uint64_t)atomic_fetch_add_explicit(&a->v_, delta, memory_order_seq_cst) +
                     (uint64_t)delta);
}

static inline int64_t gm_atomic_i64_and(gm_atomic_i64 *a, int64_t mask)
{
    return atomic_fetch_and_explicit(&a->v_, mask, memory_order_seq_cst);
}

static inline int64_t gm_atomic_i64_or(gm_atomic_i64 *a, int64_t mask)
{
    return atomic_fetch_or_explicit(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_u32 {
    _Atomic(uint32_t) v_;
} gm_atomic_u32;

static inline uint32_t gm_atomic_u32_load(const gm_atomic_u32 *a)
{
    return atomic_load_explicit((_Atomic(uint32_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_u32_store(gm_atomic_u32 *a, uint32_t v)
{
    atomic_store_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline uint32_t gm_atomic_u32_swap(gm_atomic_u32 *a, uint32_t v)
{
    return atomic_exchange_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_u32_cas(gm_atomic_u32 *a, uint32_t old, uint32_t new_)
{
    return atomic_compare_exchange_strong_explicit(&a->v_, &old, new_, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

static inline uint32_t gm_atomic_u32_add(gm_atomic_u32 *a, uint32_t delta)
{
    return atomic_fetch_add_explicit(&a->v_, delta, memory_order_seq_cst) + delta;
}

static inline uint32_t gm_atomic_u32_and(gm_atomic_u32 *a, uint32_t mask)
{
    return atomic_fetch_and_explicit(&a->v_, mask, memory_order_seq_cst);
}

static inline uint32_t gm_atomic_u32_or(gm_atomic_u32 *a, uint32_t mask)
{
    return atomic_fetch_or_explicit(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_u64 {
    _Atomic(uint64_t) v_;
} gm_atomic_u64;

static inline uint64_t gm_atomic_u64_load(const gm_atomic_u64 *a)
{
    return atomic_load_explicit((_Atomic(uint64_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_u64_store(gm_atomic_u64 *a, uint64_t v)
{
    atomic_store_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline uint64_t gm_atomic_u64_swap(gm_atomic_u64 *a, uint64_t v)
{
    return atomic_exchange_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_u64_cas(gm_atomic_u64 *a, uint64_t old, uint64_t new_)
{
    return atomic_compare_exchange_strong_explicit(&a->v_, &old, new_, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

static inline uint64_t gm_atomic_u64_add(gm_atomic_u64 *a, uint64_t delta)
{
    return atomic_fetch_add_explicit(&a->v_, delta, memory_order_seq_cst) + delta;
}

static inline uint64_t gm_atomic_u64_and(gm_atomic_u64 *a, uint64_t mask)
{
    return atomic_fetch_and_explicit(&a->v_, mask, memory_order_seq_cst);
}

static inline uint64_t gm_atomic_u64_or(gm_atomic_u64 *a, uint64_t mask)
{
    return atomic_fetch_or_explicit(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_uptr {
    _Atomic(uintptr_t) v_;
} gm_atomic_uptr;

static inline uintptr_t gm_atomic_uptr_load(const gm_atomic_uptr *a)
{
    return atomic_load_explicit((_Atomic(uintptr_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_uptr_store(gm_atomic_uptr *a, uintptr_t v)
{
    atomic_store_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline uintptr_t gm_atomic_uptr_swap(gm_atomic_uptr *a, uintptr_t v)
{
    return atomic_exchange_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_uptr_cas(gm_atomic_uptr *a, uintptr_t old, uintptr_t new_)
{
    return atomic_compare_exchange_strong_explicit(&a->v_, &old, new_, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

static inline uintptr_t gm_atomic_uptr_add(gm_atomic_uptr *a, uintptr_t delta)
{
    return atomic_fetch_add_explicit(&a->v_, delta, memory_order_seq_cst) + delta;
}

static inline uintptr_t gm_atomic_uptr_and(gm_atomic_uptr *a, uintptr_t mask)
{
    return atomic_fetch_and_explicit(&a->v_, mask, memory_order_seq_cst);
}

static inline uintptr_t gm_atomic_uptr_or(gm_atomic_uptr *a, uintptr_t mask)
{
    return atomic_fetch_or_explicit(&a->v_, mask, memory_order_seq_cst);
}

typedef struct gm_atomic_ptr {
    _Atomic(uintptr_t) v_; /* an integer, so that `= {0}` initializes it */
} gm_atomic_ptr;

static inline void *gm_atomic_ptr_load(const gm_atomic_ptr *a)
{
    return (void *)atomic_load_explicit((_Atomic(uintptr_t) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_ptr_store(gm_atomic_ptr *a, void *v)
{
    atomic_store_explicit(&a->v_, (uintptr_t)v, memory_order_seq_cst);
}

static inline void *gm_atomic_ptr_swap(gm_atomic_ptr *a, void *v)
{
    return (void *)atomic_exchange_explicit(&a->v_, (uintptr_t)v, memory_order_seq_cst);
}

static inline bool gm_atomic_ptr_cas(gm_atomic_ptr *a, void *old, void *new_)
{
    uintptr_t expect = (uintptr_t)old;
    return atomic_compare_exchange_strong_explicit(&a->v_, &expect, (uintptr_t)new_,
                                                   memory_order_seq_cst, memory_order_seq_cst);
}

typedef struct gm_atomic_bool {
    _Atomic(bool) v_;
} gm_atomic_bool;

static inline bool gm_atomic_bool_load(const gm_atomic_bool *a)
{
    return atomic_load_explicit((_Atomic(bool) *)&a->v_, memory_order_seq_cst);
}

static inline void gm_atomic_bool_store(gm_atomic_bool *a, bool v)
{
    atomic_store_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_bool_swap(gm_atomic_bool *a, bool v)
{
    return atomic_exchange_explicit(&a->v_, v, memory_order_seq_cst);
}

static inline bool gm_atomic_bool_cas(gm_atomic_bool *a, bool old, bool new_)
{
    return atomic_compare_exchange_strong_explicit(&a->v_, &old, new_, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

#endif /* !__cplusplus */
#endif /* GOMM_ATOMIC_H */
