/*
 * checker/abi.c — the ThreadSanitizer compiler ABI that `clang/gcc
 * -fsanitize=thread` emits for C (research/tsan.md §1), and TSan's
 * annotation API, on gomm's checker.
 *
 * Every plain access arrives as __tsan_{read,write}N (N = 1..16), their
 * unaligned_ and volatile_ forms, or a range; the access pc is the
 * caller's return address (the instruction after the call, inside the
 * instrumented function). __tsan_func_entry/exit keep a shadow call stack
 * per checker thread (goroutines included), which gives report stacks and
 * the history's stack events without unwinding. Atomics are in atomic.c.
 *
 * Ignores: __tsan_ignore_thread_begin/end and AnnotateIgnore{Reads,Writes}
 * stop access checking on the calling thread (sync is still followed, as
 * TSan does); t->ignore (the checker's own work) stops everything.
 *
 * In gomm's own ThreadSanitizer CI build (GOMM_SELF_TSAN) the real TSan
 * runtime owns these names: this file is then empty.
 */
#include <stdint.h>
#include <string.h>

#include "rt.h"
#include "shadow_inl.h"

#ifndef GOMM_SELF_TSAN

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

RT_INLINE void mop(const void *a, size_t n, uint64_t kind, uintptr_t pc)
{
    gm_thr *t = rt_thr();
    if (RT_UNLIKELY(t->ignore | t->ignore_acc))
        return;
    rt_access_inline(t, (uintptr_t)a, n, kind, pc);
}

void __tsan_init(void)
{
    (void)rt_thr(); /* idempotent; every entry point also starts lazily */
}

void __tsan_func_entry(void *caller_pc)
{
    gm_thr *t = rt_thr();
    int d = t->shdepth++;
    if (RT_LIKELY(d < RT_SHADOW_STACK)) {
        t->shstk[d] = (uintptr_t)caller_pc;
        t->shhash[d + 1] = (t->shhash[d] ^ (uintptr_t)caller_pc) * 0x9E3779B97F4A7C15ull;
    }
    t->stack_dirty = true;
}

void __tsan_func_exit(void)
{
    gm_thr *t = rt_thr();
    if (RT_LIKELY(t->shdepth > 0))
        t->shdepth--;
    t->stack_dirty = true;
}

#define ACCESSES(N)                                                                                \
    void __tsan_read##N(void *a)                                                                   \
    {                                                                                              \
        mop(a, N, CELL_READ, CALLER_PC);                                                           \
    }                                                                                              \
    void __tsan_write##N(void *a)                                                                  \
    {                                                                                              \
        mop(a, N, 0, CALLER_PC);                                                                   \
    }                                                                                              \
    void __tsan_unaligned_read##N(void *a)                                                         \
    {                                                                                              \
        mop(a, N, CELL_READ, CALLER_PC);                                                           \
    }                                                                                              \
    void __tsan_unaligned_write##N(void *a)                                                        \
    {                                                                                              \
        mop(a, N, 0, CALLER_PC);                                                                   \
    }                                                                                              \
    void __tsan_volatile_read##N(void *a)                                                          \
    {                                                                                              \
        mop(a, N, CELL_READ, CALLER_PC);                                                           \
    }                                                                                              \
    void __tsan_volatile_write##N(void *a)                                                         \
    {                                                                                              \
        mop(a, N, 0, CALLER_PC);                                                                   \
    }                                                                                              \
    void __tsan_unaligned_volatile_read##N(void *a)                                                \
    {                                                                                              \
        mop(a, N, CELL_READ, CALLER_PC);                                                           \
    }                                                                                              \
    void __tsan_unaligned_volatile_write##N(void *a)                                               \
    {                                                                                              \
        mop(a, N, 0, CALLER_PC);                                                                   \
    }                                                                                              \
    /* clang -tsan-compound-read-before-write: a read-modify-write */                              \
    void __tsan_read_write##N(void *a)                                                             \
    {                                                                                              \
        mop(a, N, 0, CALLER_PC);                                                                   \
    }                                                                                              \
    void __tsan_unaligned_read_write##N(void *a)                                                   \
    {                                                                                              \
        mop(a, N, 0, CALLER_PC);                                                                   \
    }                                                                                              \
    void __tsan_read##N##_pc(void *a, void *pc)                                                    \
    {                                                                                              \
        mop(a, N, CELL_READ, (uintptr_t)pc);                                                       \
    }                                                                                              \
    void __tsan_write##N##_pc(void *a, void *pc)                                                   \
    {                                                                                              \
        mop(a, N, 0, (uintptr_t)pc);                                                               \
    }

ACCESSES(1)
ACCESSES(2)
ACCESSES(4)
ACCESSES(8)
ACCESSES(16)

void __tsan_read_range(void *a, unsigned long n)
{
    mop(a, n, CELL_READ, CALLER_PC);
}

void __tsan_write_range(void *a, unsigned long n)
{
    mop(a, n, 0, CALLER_PC);
}

void __tsan_read_range_pc(void *a, unsigned long n, void *pc)
{
    mop(a, n, CELL_READ, (uintptr_t)pc);
}

void __tsan_write_range_pc(void *a, unsigned long n, void *pc)
{
    mop(a, n, 0, (uintptr_t)pc);
}

/* C++ vtable pointers (never emitted for C; defined so links succeed) */
void __tsan_vptr_update(void **vptr, void *val)
{
    if (*vptr != val)
        mop(vptr, sizeof *vptr, 0, CALLER_PC);
}

void __tsan_vptr_read(void **vptr)
{
    mop(vptr, sizeof *vptr, CELL_READ, CALLER_PC);
}

/* newer clang: memory intrinsics as calls into the runtime */
void *__tsan_memcpy(void *d, const void *s, unsigned long n)
{
    mop(s, n, CELL_READ, CALLER_PC);
    mop(d, n, 0, CALLER_PC);
    return __builtin_memcpy(d, s, n);
}

void *__tsan_memmove(void *d, const void *s, unsigned long n)
{
    mop(s, n, CELL_READ, CALLER_PC);
    mop(d, n, 0, CALLER_PC);
    return __builtin_memmove(d, s, n);
}

void *__tsan_memset(void *d, int c, unsigned long n)
{
    mop(d, n, 0, CALLER_PC);
    return __builtin_memset(d, c, n);
}

void __tsan_ignore_thread_begin(void)
{
    rt_thr()->ignore_acc++;
}

void __tsan_ignore_thread_end(void)
{
    gm_thr *t = rt_thr();
    if (t->ignore_acc > 0)
        t->ignore_acc--;
}

/* ---- TSan's annotation API (sanitizer/tsan_interface.h) ---- */

void __tsan_acquire(void *a)
{
    gm_thr *t = rt_thr();
    if (!t->ignore)
        rt_acquire(t, (uintptr_t)a);
}

void __tsan_release(void *a)
{
    gm_thr *t = rt_thr();
    if (!t->ignore)
        rt_release_merge(t, (uintptr_t)a);
}

/* __tsan_mutex_* flags (tsan_interface.h) */
#define MUTEX_READ_LOCK       8u
#define MUTEX_TRY_LOCK_FAILED 32u

void __tsan_mutex_create(void *m, unsigned flags)
{
    (void)m;
    (void)flags;
}

void __tsan_mutex_destroy(void *m, unsigned flags)
{
    (void)flags;
    rt_sync_free_range((uintptr_t)m, 2);
}

void __tsan_mutex_pre_lock(void *m, unsigned flags)
{
    (void)m;
    (void)flags;
}

void __tsan_mutex_post_lock(void *m, unsigned flags, int recursion)
{
    (void)recursion;
    gm_thr *t = rt_thr();
    if (t->ignore || (flags & MUTEX_TRY_LOCK_FAILED))
        return;
    rt_acquire(t, (uintptr_t)m); /* the writers' clock */
    if (!(flags & MUTEX_READ_LOCK))
        rt_acquire(t, (uintptr_t)m + 1); /* and every reader's */
}

int __tsan_mutex_pre_unlock(void *m, unsigned flags)
{
    gm_thr *t = rt_thr();
    if (!t->ignore) {
        if (flags & MUTEX_READ_LOCK) {
            rt_release_merge(t, (uintptr_t)m + 1);
        } else {
            rt_release(t, (uintptr_t)m);
            rt_release(t, (uintptr_t)m + 1);
        }
    }
    return 0;
}

void __tsan_mutex_post_unlock(void *m, unsigned flags)
{
    (void)m;
    (void)flags;
}

void __tsan_mutex_pre_signal(void *a, unsigned flags)
{
    (void)a;
    (void)flags;
}

void __tsan_mutex_post_signal(void *a, unsigned flags)
{
    (void)a;
    (void)flags;
}

void __tsan_mutex_pre_divert(void *a, unsigned flags)
{
    (void)a;
    (void)flags;
}

void __tsan_mutex_post_divert(void *a, unsigned flags)
{
    (void)a;
    (void)flags;
}

/* ---- Valgrind-style annotations (dynamic_annotations.h; libomp probes
 * RunningOnValgrind and then uses these) ---- */

void AnnotateHappensBefore(const char *f, int l, void *a)
{
    (void)f;
    (void)l;
    __tsan_release(a);
}

void AnnotateHappensAfter(const char *f, int l, void *a)
{
    (void)f;
    (void)l;
    __tsan_acquire(a);
}

void AnnotateCondVarSignal(const char *f, int l, void *cv)
{
    AnnotateHappensBefore(f, l, cv);
}

void AnnotateCondVarSignalAll(const char *f, int l, void *cv)
{
    AnnotateHappensBefore(f, l, cv);
}

void AnnotateCondVarWait(const char *f, int l, void *cv, void *lock)
{
    (void)lock;
    AnnotateHappensAfter(f, l, cv);
}

void AnnotateMutexIsNotPHB(const char *f, int l, void *mu)
{
    (void)f;
    (void)l;
    (void)mu;
}

void AnnotateRWLockCreate(const char *f, int l, void *m)
{
    (void)f;
    (void)l;
    (void)m;
}

void AnnotateRWLockCreateStatic(const char *f, int l, void *m)
{
    (void)f;
    (void)l;
    (void)m;
}

void AnnotateRWLockDestroy(const char *f, int l, void *m)
{
    (void)f;
    (void)l;
    __tsan_mutex_destroy(m, 0);
}

void AnnotateRWLockAcquired(const char *f, int l, void *m, long is_w)
{
    (void)f;
    (void)l;
    __tsan_mutex_post_lock(m, is_w ? 0 : MUTEX_READ_LOCK, 0);
}

void AnnotateRWLockReleased(const char *f, int l, void *m, long is_w)
{
    (void)f;
    (void)l;
    __tsan_mutex_pre_unlock(m, is_w ? 0 : MUTEX_READ_LOCK);
}

void AnnotateIgnoreReadsBegin(const char *f, int l)
{
    (void)f;
    (void)l;
    __tsan_ignore_thread_begin();
}

void AnnotateIgnoreReadsEnd(const char *f, int l)
{
    (void)f;
    (void)l;
    __tsan_ignore_thread_end();
}

void AnnotateIgnoreWritesBegin(const char *f, int l)
{
    (void)f;
    (void)l;
    __tsan_ignore_thread_begin();
}

void AnnotateIgnoreWritesEnd(const char *f, int l)
{
    (void)f;
    (void)l;
    __tsan_ignore_thread_end();
}

void AnnotateIgnoreSyncBegin(const char *f, int l)
{
    (void)f;
    (void)l;
}

void AnnotateIgnoreSyncEnd(const char *f, int l)
{
    (void)f;
    (void)l;
}

void AnnotateNewMemory(const char *f, int l, void *mem, unsigned long size)
{
    (void)f;
    (void)l;
    rt_shadow_reset((uintptr_t)mem, size);
}

void AnnotateBenignRaceSized(const char *f, int l, void *mem, unsigned long size, const char *desc)
{
    (void)f;
    (void)l;
    (void)desc;
    rt_benign_add((uintptr_t)mem, size);
}

void AnnotateBenignRace(const char *f, int l, void *mem, const char *desc)
{
    AnnotateBenignRaceSized(f, l, mem, 1, desc);
}

void AnnotateThreadName(const char *f, int l, const char *name)
{
    (void)f;
    (void)l;
    (void)name;
}

void AnnotateFlushState(const char *f, int l)
{
    (void)f;
    (void)l;
}

/* 0: "not running on Valgrind" (what TSan answers too); its presence is
 * what tells libomp that annotations are wanted */
int RunningOnValgrind(void)
{
    return 0;
}

#endif /* GOMM_SELF_TSAN */
