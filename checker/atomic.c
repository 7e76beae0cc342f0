/*
 * checker/atomic.c — C11 atomics as the checker sees them: the
 * `__tsan_atomic*` entry points that `clang/gcc -fsanitize=thread` emit
 * for every atomic operation, and that gomm/atomic.h calls in a race build
 * of a program that is not compiler-instrumented.
 *
 * Each operation does three things: the operation on memory, its clock
 * effect (sync.c: acquire/release/release sequences, fences), and an
 * atomic shadow access (so a plain access racing with an atomic one is
 * reported; two atomics never race). The memory operation and the clock
 * update happen under the address's clock-table lock whenever there is a
 * clock effect (rt_atomic_begin/end), so to every other atomic on that
 * address they are one step: a load takes the clock of the store it read,
 * never that of a later one; a relaxed operation with nothing to carry
 * takes no lock.
 *
 * Memory orders come in the __tsan_memory_order encoding (0 relaxed ..
 * 5 seq_cst); gcc's HLE and __sync flag bits above the low byte are
 * ignored, consume is acquire. The hardware operation itself is always
 * seq_cst (what a compiler does for a run-time order anyway); the
 * checker's model follows the order the program asked for.
 * 128-bit operations use cmpxchg16b (this file is built with -mcx16).
 *
 * When gomm's own code is itself built with -fsanitize=thread (the CI
 * build that checks the checker, GOMM_SELF_TSAN), the real TSan runtime
 * owns the __tsan_ names; ours are then called gm_selftsan_* (ABI()), and
 * gomm/atomic.h and the tests call those.
 */
#include <stdint.h>

#include "rt.h"

typedef unsigned char a8;
typedef unsigned short a16;
typedef unsigned int a32;
typedef unsigned long long a64;
typedef unsigned __int128 a128;

#define ENTRY_PC ((uintptr_t)__builtin_return_address(0))
#define SC       __ATOMIC_SEQ_CST
#ifdef GOMM_SELF_TSAN
#define ABI(name) gm_selftsan_##name
#else
#define ABI(name) name
#endif

/* the shadow side of an atomic access */
static inline void atomic_access(gm_thr *t, const volatile void *a, size_t n, bool write,
                                 uintptr_t pc)
{
    rt_access(t, (uintptr_t)a, n, (write ? 0 : CELL_READ) | CELL_ATOMIC, pc);
}

/* 128-bit primitives on cmpxchg16b */
static inline a128 cas128(volatile a128 *a, a128 c, a128 v)
{
    return __sync_val_compare_and_swap(a, c, v);
}
static inline a128 load128(const volatile a128 *a)
{
    return cas128((volatile a128 *)a, 0, 0);
}
static inline void store128(volatile a128 *a, a128 v)
{
    a128 cur = *a;
    for (;;) {
        a128 seen = cas128(a, cur, v);
        if (seen == cur)
            return;
        cur = seen;
    }
}
#define RMW128(name, expr)                                                                         \
    static inline a128 p_##name##128(volatile a128 * a, a128 v)                                    \
    {                                                                                              \
        a128 cur = *a;                                                                             \
        for (;;) {                                                                                 \
            a128 seen = cas128(a, cur, (expr));                                                    \
            if (seen == cur)                                                                       \
                return cur;                                                                        \
            cur = seen;                                                                            \
        }                                                                                          \
    }
RMW128(xchg, v)
RMW128(add, cur + v)
RMW128(sub, cur - v)
RMW128(and, cur &v)
RMW128(or, cur | v)
RMW128(xor, cur ^ v)
RMW128(nand, ~(cur &v))

/* 8..64-bit primitives on the __atomic builtins */
#define PRIMS(N)                                                                                   \
    static inline a##N load##N(const volatile a##N *a)                                             \
    {                                                                                              \
        return __atomic_load_n(a, SC);                                                             \
    }                                                                                              \
    static inline void store##N(volatile a##N *a, a##N v)                                          \
    {                                                                                              \
        __atomic_store_n(a, v, SC);                                                                \
    }                                                                                              \
    static inline a##N cas##N(volatile a##N *a, a##N c, a##N v)                                    \
    {                                                                                              \
        __atomic_compare_exchange_n(a, &c, v, false, SC, SC);                                      \
        return c;                                                                                  \
    }                                                                                              \
    static inline a##N p_xchg##N(volatile a##N *a, a##N v)                                         \
    {                                                                                              \
        return __atomic_exchange_n(a, v, SC);                                                      \
    }                                                                                              \
    static inline a##N p_add##N(volatile a##N *a, a##N v)                                          \
    {                                                                                              \
        return __atomic_fetch_add(a, v, SC);                                                       \
    }                                                                                              \
    static inline a##N p_sub##N(volatile a##N *a, a##N v)                                          \
    {                                                                                              \
        return __atomic_fetch_sub(a, v, SC);                                                       \
    }                                                                                              \
    static inline a##N p_and##N(volatile a##N *a, a##N v)                                          \
    {                                                                                              \
        return __atomic_fetch_and(a, v, SC);                                                       \
    }                                                                                              \
    static inline a##N p_or##N(volatile a##N *a, a##N v)                                           \
    {                                                                                              \
        return __atomic_fetch_or(a, v, SC);                                                        \
    }                                                                                              \
    static inline a##N p_xor##N(volatile a##N *a, a##N v)                                          \
    {                                                                                              \
        return __atomic_fetch_xor(a, v, SC);                                                       \
    }                                                                                              \
    static inline a##N p_nand##N(volatile a##N *a, a##N v)                                         \
    {                                                                                              \
        return __atomic_fetch_nand(a, v, SC);                                                      \
    }
PRIMS(8)
PRIMS(16)
PRIMS(32)
PRIMS(64)

/* The exported ABI for one width. */
#define RMW_OP(N, op, prim)                                                                        \
    a##N ABI(__tsan_atomic##N##_##op)(volatile a##N * a, a##N v, int mo)                           \
    {                                                                                              \
        gm_thr *t = rt_thr();                                                                      \
        if (t->ignore)                                                                             \
            return prim##N(a, v);                                                                  \
        /* the access is this epoch's: before a release ticks it */                                \
        atomic_access(t, a, N / 8, true, ENTRY_PC);                                                \
        void *l = rt_atomic_begin(t, (uintptr_t)a, RT_ATOMIC_RMW, mo);                             \
        a##N old = prim##N(a, v);                                                                  \
        rt_atomic_end(t, l, (uintptr_t)a, RT_ATOMIC_RMW, mo);                                      \
        return old;                                                                                \
    }

#define CAS_BODY(N)                                                                                \
    gm_thr *t = rt_thr();                                                                          \
    if (t->ignore)                                                                                 \
        return cas##N(a, c, v);                                                                    \
    void *l = rt_atomic_begin(t, (uintptr_t)a, RT_ATOMIC_RMW, mo);                                 \
    a##N old = cas##N(a, c, v);                                                                    \
    bool ok = old == c;                                                                            \
    /* the access is this epoch's: before a release ticks it */                                    \
    atomic_access(t, a, N / 8, ok, pc);                                                            \
    rt_atomic_end(t, l, (uintptr_t)a, ok ? RT_ATOMIC_RMW : RT_ATOMIC_LOAD, ok ? mo : fmo);         \
    return old;

#define WIDTH(N)                                                                                   \
    a##N ABI(__tsan_atomic##N##_load)(const volatile a##N *a, int mo)                              \
    {                                                                                              \
        gm_thr *t = rt_thr();                                                                      \
        if (t->ignore)                                                                             \
            return load##N(a);                                                                     \
        void *l = rt_atomic_begin(t, (uintptr_t)a, RT_ATOMIC_LOAD, mo);                            \
        a##N v = load##N(a);                                                                       \
        /* a clock appeared meanwhile: read again, under its lock */                               \
        if (!l && RT_UNLIKELY((l = rt_atomic_load_relock((uintptr_t)a)) != NULL))                  \
            v = load##N(a);                                                                        \
        rt_atomic_end(t, l, (uintptr_t)a, RT_ATOMIC_LOAD, mo);                                     \
        atomic_access(t, a, N / 8, false, ENTRY_PC);                                               \
        return v;                                                                                  \
    }                                                                                              \
    void ABI(__tsan_atomic##N##_store)(volatile a##N * a, a##N v, int mo)                          \
    {                                                                                              \
        gm_thr *t = rt_thr();                                                                      \
        if (t->ignore) {                                                                           \
            store##N(a, v);                                                                        \
            return;                                                                                \
        }                                                                                          \
        atomic_access(t, a, N / 8, true, ENTRY_PC);                                                \
        void *l = rt_atomic_begin(t, (uintptr_t)a, RT_ATOMIC_STORE, mo);                           \
        store##N(a, v);                                                                            \
        rt_atomic_end(t, l, (uintptr_t)a, RT_ATOMIC_STORE, mo);                                    \
    }                                                                                              \
    RMW_OP(N, exchange, p_xchg)                                                                    \
    RMW_OP(N, fetch_add, p_add)                                                                    \
    RMW_OP(N, fetch_sub, p_sub)                                                                    \
    RMW_OP(N, fetch_and, p_and)                                                                    \
    RMW_OP(N, fetch_or, p_or)                                                                      \
    RMW_OP(N, fetch_xor, p_xor)                                                                    \
    RMW_OP(N, fetch_nand, p_nand)                                                                  \
    static a##N cas_val##N(volatile a##N *a, a##N c, a##N v, int mo, int fmo,                      \
                           uintptr_t pc){CAS_BODY(N)} a##N                                         \
    ABI(__tsan_atomic##N##_compare_exchange_val)(volatile a##N * a, a##N c, a##N v, int mo,        \
                                                 int fmo)                                          \
    {                                                                                              \
        return cas_val##N(a, c, v, mo, fmo, ENTRY_PC);                                             \
    }                                                                                              \
    int ABI(__tsan_atomic##N##_compare_exchange_strong)(volatile a##N * a, a##N * c, a##N v,       \
                                                        int mo, int fmo)                           \
    {                                                                                              \
        a##N want = *c;                                                                            \
        a##N old = cas_val##N(a, want, v, mo, fmo, ENTRY_PC);                                      \
        if (old == want)                                                                           \
            return 1;                                                                              \
        *c = old;                                                                                  \
        return 0;                                                                                  \
    }                                                                                              \
    int ABI(__tsan_atomic##N##_compare_exchange_weak)(volatile a##N * a, a##N * c, a##N v, int mo, \
                                                      int fmo)                                     \
    {                                                                                              \
        a##N want = *c;                                                                            \
        a##N old = cas_val##N(a, want, v, mo, fmo, ENTRY_PC);                                      \
        if (old == want)                                                                           \
            return 1;                                                                              \
        *c = old;                                                                                  \
        return 0;                                                                                  \
    }

WIDTH(8)
WIDTH(16)
WIDTH(32)
WIDTH(64)
WIDTH(128)

void ABI(__tsan_atomic_thread_fence)(int mo)
{
    __atomic_thread_fence(SC);
    gm_thr *t = rt_thr();
    if (!t->ignore)
        rt_atomic_fence(t, mo);
}

void ABI(__tsan_atomic_signal_fence)(int mo)
{
    (void)mo; /* orders a thread with its own signal handler: no edge */
    __atomic_signal_fence(SC);
}
