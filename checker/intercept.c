/*
 * checker/intercept.c — libc and pthread interceptors: the happens-before
 * edges and memory events of unmodified C code (what `gomm cc` programs
 * call), by symbol interposition as TSan does: our definitions of malloc,
 * pthread_mutex_lock, memcpy, ... come first in the link (the executable,
 * or libgomm_race.so ahead of libc) and call the real ones, found with
 * dlsym(RTLD_NEXT) (dlvsym for pthread_cond_*, whose default version
 * changed in glibc 2.3.2).
 *
 * Modelling (research/tsan.md §3):
 *   pthread_create        the creator's clock flows into the child; the
 *                         child runs in a checker context of its own
 *   pthread_join/tryjoin/timedjoin  the joiner acquires the child's clock
 *   pthread_detach, pthread_exit, thread end  slot bookkeeping
 *   mutex/spin lock       acquire after the real lock succeeds
 *   mutex/spin unlock     release before the real unlock
 *   rwlock                rdlock acquires the writers' clock (address m);
 *                         wrlock also every reader's (m+1); a read unlock
 *                         merges into m+1, a write unlock replaces both
 *   cond wait             unlock of the mutex, the real wait, lock again;
 *                         signal/broadcast make no edge (TSan does the
 *                         same: correct code is ordered by the mutex)
 *   barrier               release-merge before, acquire after, into
 *                         one clock per phase parity (see barrier_arrive)
 *   pthread_once          the executor releases after the function; every
 *                         caller acquires
 *   sem_post / sem_wait   release-merge before the post; acquire after a
 *                         successful wait
 *   malloc family         a new block's shadow is reset and its allocation
 *                         recorded; free is a write of the whole block
 *   mem* / str*           range reads and writes of their buffers
 *   mmap/munmap/mremap    a range mapped or unmapped starts clean: shadow
 *                         reset, sync objects dropped
 *   fork                  the child keeps only the forking thread
 *
 * The runtime's own calls are never intercepted: a call whose return
 * address lies in the race runtime's text (between the markers of
 * text_begin.c and text_end.c, checked at start-up) goes straight to the
 * real function, as does any call before the checker is up or while the
 * calling thread is inside the checker (t->ignore). If the markers do not
 * bracket the runtime (an unusual link), interception switches itself off
 * with a warning: the program still runs, unchecked by these edges.
 *
 * Before dlsym has resolved malloc, allocations (dlsym's own) come from a
 * small static arena; its blocks are never freed.
 *
 * gomm's own sanitizer CI builds (GOMM_SELF_SANITIZED) leave this file
 * empty: the sanitizer runtime owns these names there.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../alloc/fatal.h"
#include "mem.h"
#include "rt.h"

#ifndef GOMM_SELF_SANITIZED

void gm_rt_text_begin(void);
void gm_rt_text_end(void);

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* ---- the real functions ---- */

#define REAL_LIST(X)                                                                               \
    X(void *, malloc, (size_t))                                                                    \
    X(void *, calloc, (size_t, size_t))                                                            \
    X(void *, realloc, (void *, size_t))                                                           \
    X(void *, reallocarray, (void *, size_t, size_t))                                              \
    X(void, free, (void *))                                                                        \
    X(int, posix_memalign, (void **, size_t, size_t))                                              \
    X(void *, aligned_alloc, (size_t, size_t))                                                     \
    X(void *, memalign, (size_t, size_t))                                                          \
    X(void *, valloc, (size_t))                                                                    \
    X(void *, pvalloc, (size_t))                                                                   \
    X(size_t, malloc_usable_size, (void *))                                                        \
    X(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))       \
    X(int, pthread_join, (pthread_t, void **))                                                     \
    X(int, pthread_tryjoin_np, (pthread_t, void **))                                               \
    X(int, pthread_timedjoin_np, (pthread_t, void **, const struct timespec *))                    \
    X(int, pthread_detach, (pthread_t))                                                            \
    X(int, pthread_mutex_lock, (pthread_mutex_t *))                                                \
    X(int, pthread_mutex_trylock, (pthread_mutex_t *))                                             \
    X(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *))                  \
    X(int, pthread_mutex_unlock, (pthread_mutex_t *))                                              \
    X(int, pthread_mutex_destroy, (pthread_mutex_t *))                                             \
    X(int, pthread_rwlock_rdlock, (pthread_rwlock_t *))                                            \
    X(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *))                                         \
    X(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *))              \
    X(int, pthread_rwlock_wrlock, (pthread_rwlock_t *))                                            \
    X(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *))                                         \
    X(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *))              \
    X(int, pthread_rwlock_unlock, (pthread_rwlock_t *))                                            \
    X(int, pthread_rwlock_destroy, (pthread_rwlock_t *))                                           \
    X(int, pthread_spin_lock, (pthread_spinlock_t *))                                              \
    X(int, pthread_spin_trylock, (pthread_spinlock_t *))                                           \
    X(int, pthread_spin_unlock, (pthread_spinlock_t *))                                            \
    X(int, pthread_barrier_init, (pthread_barrier_t *, const pthread_barrierattr_t *, unsigned))   \
    X(int, pthread_barrier_destroy, (pthread_barrier_t *))                                         \
    X(int, pthread_barrier_wait, (pthread_barrier_t *))                                            \
    X(int, pthread_once, (pthread_once_t *, void (*)(void)))                                       \
    X(int, sem_post, (sem_t *))                                                                    \
    X(int, sem_wait, (sem_t *))                                                                    \
    X(int, sem_trywait, (sem_t *))                                                                 \
    X(int, sem_timedwait, (sem_t *, const struct timespec *))                                      \
    X(void *, memcpy, (void *, const void *, size_t))                                              \
    X(void *, memmove, (void *, const void *, size_t))                                             \
    X(void *, memset, (void *, int, size_t))                                                       \
    X(int, memcmp, (const void *, const void *, size_t))                                           \
    X(size_t, strlen, (const char *))                                                              \
    X(size_t, strnlen, (const char *, size_t))                                                     \
    X(char *, strcpy, (char *, const char *))                                                      \
    X(char *, strncpy, (char *, const char *, size_t))                                             \
    X(char *, strcat, (char *, const char *))                                                      \
    X(int, strcmp, (const char *, const char *))                                                   \
    X(int, strncmp, (const char *, const char *, size_t))                                          \
    X(char *, strchr, (const char *, int))                                                         \
    X(char *, strdup, (const char *))                                                              \
    X(void *, mmap, (void *, size_t, int, int, int, off_t))                                        \
    X(void *, mmap64, (void *, size_t, int, int, int, off64_t))                                    \
    X(int, munmap, (void *, size_t))                                                               \
    X(void *, mremap, (void *, size_t, size_t, int, ...))                                          \
    X(pid_t, fork, (void))

#define DECLARE_REAL(ret, name, args) static ret(*real_##name) args;
REAL_LIST(DECLARE_REAL)
static int (*real_pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
static int (*real_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *,
                                          const struct timespec *);

static _Atomic int resolve_state;   /* 0 no, 1 resolving, 2 done */
static uintptr_t text_lo, text_len; /* the runtime's code; len 0: off */
/* The collector's no-suspend code (alloc/gc.h: gm_new's fast path, the
 * write barrier) lives in its own section, outside the markers: its libc
 * calls (the zeroing of a fresh object) are the runtime's too. Weak: the
 * section exists only when the collector is linked. */
extern const char __start_gomm_nosusp[] __attribute__((weak));
extern const char __stop_gomm_nosusp[] __attribute__((weak));

/* Is pc the runtime's code (not to be checked)? */
RT_INLINE bool runtime_pc(uintptr_t pc)
{
    if (pc - text_lo < text_len)
        return true;
    uintptr_t lo = (uintptr_t)__start_gomm_nosusp, hi = (uintptr_t)__stop_gomm_nosusp;
    return pc - lo < hi - lo;
}

static void resolve(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong_explicit(&resolve_state, &expect, 1, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        while (atomic_load_explicit(&resolve_state, memory_order_acquire) != 2)
            __builtin_ia32_pause();
        return;
    }
#define RESOLVE(ret, name, args) real_##name = (ret(*) args)dlsym(RTLD_NEXT, #name);
    REAL_LIST(RESOLVE)
    real_pthread_cond_wait = dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2");
    if (!real_pthread_cond_wait)
        real_pthread_cond_wait = dlsym(RTLD_NEXT, "pthread_cond_wait");
    real_pthread_cond_timedwait = dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
    if (!real_pthread_cond_timedwait)
        real_pthread_cond_timedwait = dlsym(RTLD_NEXT, "pthread_cond_timedwait");
    if (!real_malloc || !real_free || !real_pthread_create || !real_memcpy)
        gm_fatal("race checker: cannot find libc's functions (a -static link? use a dynamic one)");
    atomic_store_explicit(&resolve_state, 2, memory_order_release);
}

#define ENSURE(name)                                                                               \
    do {                                                                                           \
        if (RT_UNLIKELY(!real_##name))                                                             \
            resolve();                                                                             \
    } while (0)

/* The runtime's code lies between the two markers; verify with functions
 * from several of its files (cold and start-up code included). */
static void text_init(void)
{
    uintptr_t lo = (uintptr_t)gm_rt_text_begin, hi = (uintptr_t)gm_rt_text_end;
    uintptr_t probes[] = {(uintptr_t)gm_fatal,       (uintptr_t)rt_access,
                          (uintptr_t)gm_rt_init,     (uintptr_t)gm_rt_alloc,
                          (uintptr_t)rt_report_race, (uintptr_t)gm_report_emit,
                          (uintptr_t)gm_symbolize};
    bool ok = lo < hi;
    for (size_t i = 0; ok && i < sizeof probes / sizeof probes[0]; i++)
        ok = probes[i] >= lo && probes[i] < hi;
    if (!ok) {
        static const char msg[] = "gomm: race checker: the runtime's code is not contiguous in "
                                  "this link; libc and pthread interception is off\n";
        if (write(2, msg, sizeof msg - 1) < 0) {
        }
        return;
    }
    text_lo = lo;
    text_len = hi - lo;
    rt_text_lo = lo; /* stacks lose the runtime's frames at their bottom */
    rt_text_len = hi - lo;
}

__attribute__((constructor(101))) static void intercept_ctor(void)
{
    resolve();
    text_init();
}

/* Check this call? (The caller is the program, the checker is up, and the
 * thread is not inside the checker.) */
RT_INLINE gm_thr *user_call(uintptr_t pc)
{
    if (RT_UNLIKELY(!text_len) || runtime_pc(pc))
        return NULL;
    if (RT_UNLIKELY(atomic_load_explicit(&gm_rt_state.inited, memory_order_acquire) != 2))
        return NULL;
    if (RT_UNLIKELY(gm_rt_busy))
        return NULL;
    gm_thr *t = rt_thr();
    return t->ignore ? NULL : t;
}

/* ---- the bootstrap arena (dlsym's allocations before malloc resolves) ---- */

static _Alignas(16) char boot_arena[64 << 10];
static _Atomic size_t boot_used;

static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    size_t at = atomic_fetch_add_explicit(&boot_used, n, memory_order_relaxed);
    if (at + n > sizeof boot_arena)
        return NULL;
    return boot_arena + at; /* static: already zero */
}

RT_INLINE bool is_boot(const void *p)
{
    return (const char *)p >= boot_arena && (const char *)p < boot_arena + sizeof boot_arena;
}

/* ---- malloc family ---- */

static void note_alloc(gm_thr *t, void *p, size_t req, uintptr_t pc)
{
    if (!p)
        return;
    rt_shadow_reset((uintptr_t)p, real_malloc_usable_size(p));
    rt_history_access(t, pc, (uintptr_t)p, req ? req : 1, EVF_ALLOC | EVF_WRITE);
}

static void note_free(gm_thr *t, void *p, uintptr_t pc)
{
    size_t n = real_malloc_usable_size(p);
    rt_sync_free_range((uintptr_t)p, n);
    rt_shadow_free(t, (uintptr_t)p, n, pc);
}

void *malloc(size_t n)
{
    if (RT_UNLIKELY(!real_malloc)) {
        if (atomic_load_explicit(&resolve_state, memory_order_acquire) == 1)
            return boot_alloc(n);
        resolve();
    }
    void *p = real_malloc(n);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        note_alloc(t, p, n, CALLER_PC);
    return p;
}

void *calloc(size_t k, size_t n)
{
    if (RT_UNLIKELY(!real_calloc)) {
        if (atomic_load_explicit(&resolve_state, memory_order_acquire) == 1) {
            size_t total;
            return __builtin_mul_overflow(k, n, &total) ? NULL : boot_alloc(total);
        }
        resolve();
    }
    void *p = real_calloc(k, n);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        note_alloc(t, p, k * n, CALLER_PC);
    return p;
}

void free(void *p)
{
    if (!p || is_boot(p))
        return;
    ENSURE(free);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        note_free(t, p, CALLER_PC);
    real_free(p);
}

void *realloc(void *p, size_t n)
{
    ENSURE(realloc);
    if (is_boot(p)) { /* move a bootstrap block to the real heap */
        void *q = real_malloc(n);
        if (q)
            real_memcpy(q, p, n < 256 ? n : 256);
        return q;
    }
    gm_thr *t = user_call(CALLER_PC);
    if (!t || !p)
        return t ? malloc(n) : real_realloc(p, n);
    size_t old = real_malloc_usable_size(p);
    /* realloc reads the old block, frees it, allocates the new one */
    rt_access_range(t, (uintptr_t)p, old < n ? old : n, false, CALLER_PC);
    if (n)
        note_free(t, p, CALLER_PC);
    void *q = real_realloc(p, n);
    if (q)
        note_alloc(t, q, n, CALLER_PC);
    else if (n)
        rt_shadow_reset((uintptr_t)p, old); /* failed: p lives on */
    return q;
}

void *reallocarray(void *p, size_t k, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    ENSURE(posix_memalign);
    int rc = real_posix_memalign(out, align, n);
    gm_thr *t = user_call(CALLER_PC);
    if (t && rc == 0)
        note_alloc(t, *out, n, CALLER_PC);
    return rc;
}

#define ALIGNED(name, params, call, size)                                                          \
    void *name params                                                                              \
    {                                                                                              \
        ENSURE(name);                                                                              \
        void *p = real_##name call;                                                                \
        gm_thr *t = user_call(CALLER_PC);                                                          \
        if (t)                                                                                     \
            note_alloc(t, p, size, CALLER_PC);                                                     \
        return p;                                                                                  \
    }
ALIGNED(aligned_alloc, (size_t a, size_t n), (a, n), n)
ALIGNED(memalign, (size_t a, size_t n), (a, n), n)
ALIGNED(valloc, (size_t n), (n), n)
ALIGNED(pvalloc, (size_t n), (n), n)

/* ---- memory mappings ----
 * A mapping that appears (mmap, MAP_FIXED over old pages included, the
 * target of mremap) or goes away (munmap, the part of an mremap that is
 * given up) holds no access and no sync object any more: its shadow is
 * reset (whole shadow pages go back to the kernel, rt_shadow_reset) and
 * its sync objects are dropped, after the real call succeeded. So pages
 * unmapped and mapped again, by any thread, start clean, as in TSan; and
 * the shadow of an unmapped range stops costing resident memory. (A new
 * mapping is not recorded as a write of the mapping thread: the pointer to
 * it must reach other threads through some synchronization anyway.)
 *
 * Before dlsym has resolved them (the checker's own start-up maps memory
 * from an early constructor), the calls go to the kernel directly: asking
 * dlsym from inside a mapping call could recurse into resolve(). */

#define PAGE_ROUND(n) (((n) + 4095) & ~(size_t)4095)

static void mapping_changed(uintptr_t a, size_t n)
{
    if (!n)
        return;
    n = PAGE_ROUND(n);
    rt_sync_free_range(a, n);
    rt_shadow_reset(a, n);
}

void *mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
    if (RT_UNLIKELY(!real_mmap))
        return (void *)syscall(SYS_mmap, addr, n, prot, flags, fd, off);
    void *p = real_mmap(addr, n, prot, flags, fd, off);
    if (p != MAP_FAILED && user_call(CALLER_PC))
        mapping_changed((uintptr_t)p, n);
    return p;
}

void *mmap64(void *addr, size_t n, int prot, int flags, int fd, off64_t off)
{
    if (RT_UNLIKELY(!real_mmap64))
        return (void *)syscall(SYS_mmap, addr, n, prot, flags, fd, off);
    void *p = real_mmap64(addr, n, prot, flags, fd, off);
    if (p != MAP_FAILED && user_call(CALLER_PC))
        mapping_changed((uintptr_t)p, n);
    return p;
}

int munmap(void *addr, size_t n)
{
    if (RT_UNLIKELY(!real_munmap))
        return (int)syscall(SYS_munmap, addr, n);
    int rc = real_munmap(addr, n);
    if (rc == 0 && user_call(CALLER_PC))
        mapping_changed((uintptr_t)addr, n);
    return rc;
}

void *mremap(void *old, size_t old_n, size_t new_n, int flags, ...)
{
    void *want = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        want = va_arg(ap, void *);
        va_end(ap);
    }
    void *p = real_mremap ? real_mremap(old, old_n, new_n, flags, want)
                          : (void *)syscall(SYS_mremap, old, old_n, new_n, flags, want);
    if (p == MAP_FAILED || !real_mremap || !user_call(CALLER_PC))
        return p;
    uintptr_t o = (uintptr_t)old, q = (uintptr_t)p;
    old_n = PAGE_ROUND(old_n);
    new_n = PAGE_ROUND(new_n);
    if (q != o) {
        /* moved: the old pages are gone (or, MREMAP_DONTUNMAP, fresh) and
         * the target replaced whatever was mapped there; the contents'
         * history does not move with them */
        mapping_changed(o, old_n);
        mapping_changed(q, new_n);
    } else if (new_n < old_n) {
        mapping_changed(o + new_n, old_n - new_n); /* the tail given up */
    } else {
        mapping_changed(o + old_n, new_n - old_n); /* the tail added */
    }
    return p;
}

/* ---- threads ---- */

/* The new thread starts in gm_rt_pthread_trampoline (thread.c: in the
 * runtime's code, so that stacks in reports leave it out). */

int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    ENSURE(pthread_create);
    gm_thr *t = user_call(CALLER_PC);
    if (!t)
        return real_pthread_create(th, attr, fn, arg);
    int detached = PTHREAD_CREATE_JOINABLE;
    if (attr)
        pthread_attr_getdetachstate(attr, &detached);
    gm_thr *ctx = gm_rt_thread_create(CALLER_PC, false);
    gm_rt_start_arg *a = gm_rt_alloc(sizeof *a); /* the child frees it */
    a->fn = fn;
    a->arg = arg;
    a->ctx = ctx;
    int rc = real_pthread_create(th, attr, gm_rt_pthread_trampoline, a);
    if (rc != 0) {
        gm_rt_thread_discard(ctx);
        gm_rt_free(a, sizeof *a);
        return rc;
    }
    gm_rt_thread_set_pthread(ctx, (uintptr_t)*th, detached == PTHREAD_CREATE_DETACHED);
    return rc;
}

static void joined(pthread_t th)
{
    gm_thr *c = gm_rt_thread_by_pthread((uintptr_t)th);
    if (c)
        gm_rt_thread_join(c);
}

int pthread_join(pthread_t th, void **ret)
{
    ENSURE(pthread_join);
    int rc = real_pthread_join(th, ret);
    if (rc == 0 && user_call(CALLER_PC))
        joined(th);
    return rc;
}

int pthread_tryjoin_np(pthread_t th, void **ret)
{
    ENSURE(pthread_tryjoin_np);
    int rc = real_pthread_tryjoin_np(th, ret);
    if (rc == 0 && user_call(CALLER_PC))
        joined(th);
    return rc;
}

int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *ts)
{
    ENSURE(pthread_timedjoin_np);
    int rc = real_pthread_timedjoin_np(th, ret, ts);
    if (rc == 0 && user_call(CALLER_PC))
        joined(th);
    return rc;
}

int pthread_detach(pthread_t th)
{
    ENSURE(pthread_detach);
    int rc = real_pthread_detach(th);
    if (rc == 0 && user_call(CALLER_PC)) {
        gm_thr *c = gm_rt_thread_by_pthread((uintptr_t)th);
        if (c)
            gm_rt_thread_detach(c);
    }
    return rc;
}

/* ---- mutexes, rwlocks, spin locks ---- */

#define LOCK(name, type, params, call)                                                             \
    int name params                                                                                \
    {                                                                                              \
        ENSURE(name);                                                                              \
        int rc = real_##name call;                                                                 \
        gm_thr *t = (rc == 0 || rc == EOWNERDEAD) ? user_call(CALLER_PC) : NULL;                   \
        if (t)                                                                                     \
            rt_acquire(t, (uintptr_t)m);                                                           \
        return rc;                                                                                 \
    }
LOCK(pthread_mutex_lock, pthread_mutex_t, (pthread_mutex_t * m), (m))
LOCK(pthread_mutex_trylock, pthread_mutex_t, (pthread_mutex_t * m), (m))
LOCK(pthread_mutex_timedlock, pthread_mutex_t, (pthread_mutex_t * m, const struct timespec *ts),
     (m, ts))
LOCK(pthread_spin_lock, pthread_spinlock_t, (pthread_spinlock_t * m), (m))
LOCK(pthread_spin_trylock, pthread_spinlock_t, (pthread_spinlock_t * m), (m))

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    ENSURE(pthread_mutex_unlock);
    gm_thr *t = user_call(CALLER_PC);
    /* glibc keeps the owner's tid in the mutex: an unlock by another thread
     * fails (EPERM, error-checking kinds) or is undefined; it releases
     * nothing */
    if (t && m->__data.__owner == (int)t->os_tid)
        rt_release(t, (uintptr_t)m);
    return real_pthread_mutex_unlock(m);
}

int pthread_spin_unlock(pthread_spinlock_t *m)
{
    ENSURE(pthread_spin_unlock);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rt_release(t, (uintptr_t)m);
    return real_pthread_spin_unlock(m);
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    ENSURE(pthread_mutex_destroy);
    int rc = real_pthread_mutex_destroy(m);
    if (rc == 0 && user_call(CALLER_PC))
        rt_sync_free_range((uintptr_t)m, 1);
    return rc;
}

/* read locks held by the calling thread, so an unlock knows its kind */
static void rd_push(gm_thr *t, const void *m)
{
    if (t->nrdlocks < (int)(sizeof t->rdlocks / sizeof t->rdlocks[0]))
        t->rdlocks[t->nrdlocks++] = (uintptr_t)m;
}

static bool rd_pop(gm_thr *t, const void *m)
{
    for (int i = t->nrdlocks; i-- > 0;)
        if (t->rdlocks[i] == (uintptr_t)m) {
            t->rdlocks[i] = t->rdlocks[--t->nrdlocks];
            return true;
        }
    return false;
}

#define RDLOCK(name, params, call)                                                                 \
    int name params                                                                                \
    {                                                                                              \
        ENSURE(name);                                                                              \
        int rc = real_##name call;                                                                 \
        gm_thr *t = rc == 0 ? user_call(CALLER_PC) : NULL;                                         \
        if (t) {                                                                                   \
            rt_acquire(t, (uintptr_t)m);                                                           \
            rd_push(t, m);                                                                         \
        }                                                                                          \
        return rc;                                                                                 \
    }
#define WRLOCK(name, params, call)                                                                 \
    int name params                                                                                \
    {                                                                                              \
        ENSURE(name);                                                                              \
        int rc = real_##name call;                                                                 \
        gm_thr *t = rc == 0 ? user_call(CALLER_PC) : NULL;                                         \
        if (t) {                                                                                   \
            rt_acquire(t, (uintptr_t)m);                                                           \
            rt_acquire(t, (uintptr_t)m + 1);                                                       \
        }                                                                                          \
        return rc;                                                                                 \
    }
RDLOCK(pthread_rwlock_rdlock, (pthread_rwlock_t * m), (m))
RDLOCK(pthread_rwlock_tryrdlock, (pthread_rwlock_t * m), (m))
RDLOCK(pthread_rwlock_timedrdlock, (pthread_rwlock_t * m, const struct timespec *ts), (m, ts))
WRLOCK(pthread_rwlock_wrlock, (pthread_rwlock_t * m), (m))
WRLOCK(pthread_rwlock_trywrlock, (pthread_rwlock_t * m), (m))
WRLOCK(pthread_rwlock_timedwrlock, (pthread_rwlock_t * m, const struct timespec *ts), (m, ts))

int pthread_rwlock_unlock(pthread_rwlock_t *m)
{
    ENSURE(pthread_rwlock_unlock);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        if (rd_pop(t, m)) {
            rt_release_merge(t, (uintptr_t)m + 1);
        } else {
            rt_release(t, (uintptr_t)m);
            rt_release(t, (uintptr_t)m + 1);
        }
    }
    return real_pthread_rwlock_unlock(m);
}

int pthread_rwlock_destroy(pthread_rwlock_t *m)
{
    ENSURE(pthread_rwlock_destroy);
    int rc = real_pthread_rwlock_destroy(m);
    if (rc == 0 && user_call(CALLER_PC))
        rt_sync_free_range((uintptr_t)m, 2);
    return rc;
}

/* ---- condition variables, barriers, once, semaphores ---- */

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    ENSURE(pthread_cond_wait);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rt_release(t, (uintptr_t)m);
    int rc = real_pthread_cond_wait(c, m);
    if (t)
        rt_acquire(t, (uintptr_t)m);
    return rc;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    ENSURE(pthread_cond_timedwait);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rt_release(t, (uintptr_t)m);
    int rc = real_pthread_cond_timedwait(c, m, ts);
    if (t)
        rt_acquire(t, (uintptr_t)m);
    return rc;
}

/* A barrier's phases. Every thread of phase p release-merges into the
 * barrier's clock for p before the real wait and acquires it after. One
 * clock for all phases is not enough: the last thread to arrive leaves at
 * once and can reach the next wait, merging its phase-(p+1) accesses,
 * before a slower thread of phase p has woken up and acquired p's clock,
 * which would then hide a race inside phase p+1. So phases alternate
 * between two clocks, at b+1 (even) and b+2 (odd): a thread can arrive at
 * phase p+2 only after every thread arrived at p+1, and so after every
 * thread acquired p's clock; what p left in that clock is then ordered
 * before everyone anyway. The checker counts arrivals itself (before the
 * real wait, so a phase's arrivals are all counted before the next
 * phase's first), which needs the count given to pthread_barrier_init;
 * a barrier whose init it did not see uses one clock at b, as before.
 * The table is small and guarded by one spin lock (barriers are few, and
 * their waits block anyway). */
#define BARRIERS 256

typedef struct barrier_phase {
    uintptr_t addr; /* 0: a free entry */
    unsigned count, arrived;
    unsigned long phase;
} barrier_phase;

static barrier_phase barriers[BARRIERS];
static rt_spin barrier_lock;

static barrier_phase *barrier_find(uintptr_t b) /* barrier_lock held */
{
    for (size_t i = 0; i < BARRIERS; i++)
        if (barriers[i].addr == b)
            return &barriers[i];
    return NULL;
}

/* An arrival at b: the key of its phase's clock. */
static uintptr_t barrier_arrive(uintptr_t b)
{
    uintptr_t key = b;
    rt_spin_lock(&barrier_lock);
    barrier_phase *e = barrier_find(b);
    if (e) {
        key = b + 1 + (e->phase & 1);
        if (++e->arrived >= e->count) {
            e->arrived = 0;
            e->phase++;
        }
    }
    rt_spin_unlock(&barrier_lock);
    return key;
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
    ENSURE(pthread_barrier_init);
    int rc = real_pthread_barrier_init(b, attr, count);
    if (rc != 0 || !text_len || runtime_pc(CALLER_PC))
        return rc;
    rt_spin_lock(&barrier_lock);
    barrier_phase *e = barrier_find((uintptr_t)b);
    if (!e)
        e = barrier_find(0);
    if (e)
        *e = (barrier_phase){.addr = (uintptr_t)b, .count = count};
    rt_spin_unlock(&barrier_lock);
    if (user_call(CALLER_PC)) /* a new barrier: no clock of an old one */
        rt_sync_free_range((uintptr_t)b, 3);
    return rc;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
    ENSURE(pthread_barrier_destroy);
    int rc = real_pthread_barrier_destroy(b);
    if (rc != 0 || !text_len || runtime_pc(CALLER_PC))
        return rc;
    rt_spin_lock(&barrier_lock);
    barrier_phase *e = barrier_find((uintptr_t)b);
    if (e)
        e->addr = 0;
    rt_spin_unlock(&barrier_lock);
    if (user_call(CALLER_PC))
        rt_sync_free_range((uintptr_t)b, 3);
    return rc;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
    ENSURE(pthread_barrier_wait);
    gm_thr *t = user_call(CALLER_PC);
    /* every arrival counts, checked or not, or the phases drift */
    uintptr_t key =
        text_len && !runtime_pc(CALLER_PC) ? barrier_arrive((uintptr_t)b) : (uintptr_t)b;
    if (t)
        rt_release_merge(t, key);
    int rc = real_pthread_barrier_wait(b);
    if (t)
        rt_acquire(t, key);
    return rc;
}

/* pthread_once calls a function without an argument: the executor's
 * function and control word travel in thread-local variables (a nested
 * pthread_once saves and restores them) to gm_rt_once_trampoline
 * (thread.c), which calls the function and releases the control word. */
int pthread_once(pthread_once_t *o, void (*fn)(void))
{
    ENSURE(pthread_once);
    gm_thr *t = user_call(CALLER_PC);
    if (!t)
        return real_pthread_once(o, fn);
    void (*save_fn)(void) = gm_rt_once_fn;
    uintptr_t save_ctl = gm_rt_once_ctl;
    gm_rt_once_fn = fn;
    gm_rt_once_ctl = (uintptr_t)o;
    int rc = real_pthread_once(o, gm_rt_once_trampoline);
    gm_rt_once_fn = save_fn;
    gm_rt_once_ctl = save_ctl;
    rt_acquire(t, (uintptr_t)o);
    return rc;
}

int sem_post(sem_t *s)
{
    ENSURE(sem_post);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rt_release_merge(t, (uintptr_t)s);
    return real_sem_post(s);
}

#define SEMWAIT(name, params, call)                                                                \
    int name params                                                                                \
    {                                                                                              \
        ENSURE(name);                                                                              \
        int rc = real_##name call;                                                                 \
        gm_thr *t = rc == 0 ? user_call(CALLER_PC) : NULL;                                         \
        if (t)                                                                                     \
            rt_acquire(t, (uintptr_t)s);                                                           \
        return rc;                                                                                 \
    }
SEMWAIT(sem_wait, (sem_t * s), (s))
SEMWAIT(sem_trywait, (sem_t * s), (s))
SEMWAIT(sem_timedwait, (sem_t * s, const struct timespec *ts), (s, ts))

/* ---- memory and strings ---- */

RT_INLINE void rd(gm_thr *t, const void *p, size_t n, uintptr_t pc)
{
    if (n)
        rt_access_range(t, (uintptr_t)p, n, false, pc);
}

RT_INLINE void wr(gm_thr *t, const void *p, size_t n, uintptr_t pc)
{
    if (n)
        rt_access_range(t, (uintptr_t)p, n, true, pc);
}

void *memcpy(void *d, const void *s, size_t n)
{
    ENSURE(memcpy);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        rd(t, s, n, CALLER_PC);
        wr(t, d, n, CALLER_PC);
    }
    return real_memcpy(d, s, n);
}

void *memmove(void *d, const void *s, size_t n)
{
    ENSURE(memmove);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        rd(t, s, n, CALLER_PC);
        wr(t, d, n, CALLER_PC);
    }
    return real_memmove(d, s, n);
}

void *memset(void *d, int c, size_t n)
{
    ENSURE(memset);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        wr(t, d, n, CALLER_PC);
    return real_memset(d, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
    ENSURE(memcmp);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        rd(t, a, n, CALLER_PC);
        rd(t, b, n, CALLER_PC);
    }
    return real_memcmp(a, b, n);
}

size_t strlen(const char *s)
{
    ENSURE(strlen);
    size_t n = real_strlen(s);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rd(t, s, n + 1, CALLER_PC);
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    ENSURE(strnlen);
    size_t n = real_strnlen(s, max);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rd(t, s, n < max ? n + 1 : n, CALLER_PC);
    return n;
}

char *strcpy(char *d, const char *s)
{
    ENSURE(strcpy);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        size_t n = real_strlen(s) + 1;
        rd(t, s, n, CALLER_PC);
        wr(t, d, n, CALLER_PC);
    }
    return real_strcpy(d, s);
}

char *strncpy(char *d, const char *s, size_t max)
{
    ENSURE(strncpy);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        size_t n = real_strnlen(s, max);
        rd(t, s, n < max ? n + 1 : n, CALLER_PC);
        wr(t, d, max, CALLER_PC);
    }
    return real_strncpy(d, s, max);
}

char *strcat(char *d, const char *s)
{
    ENSURE(strcat);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        size_t dn = real_strlen(d), sn = real_strlen(s) + 1;
        rd(t, d, dn + 1, CALLER_PC);
        rd(t, s, sn, CALLER_PC);
        wr(t, d + dn, sn, CALLER_PC);
    }
    return real_strcat(d, s);
}

/* the bytes a comparison reads: up to and including the first difference */
static size_t cmp_extent(const char *a, const char *b, size_t max)
{
    size_t i = 0;
    while (i < max && a[i] && a[i] == b[i])
        i++;
    return i < max ? i + 1 : max;
}

int strcmp(const char *a, const char *b)
{
    ENSURE(strcmp);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        size_t n = cmp_extent(a, b, (size_t)-1);
        rd(t, a, n, CALLER_PC);
        rd(t, b, n, CALLER_PC);
    }
    return real_strcmp(a, b);
}

int strncmp(const char *a, const char *b, size_t max)
{
    ENSURE(strncmp);
    gm_thr *t = user_call(CALLER_PC);
    if (t) {
        size_t n = cmp_extent(a, b, max);
        rd(t, a, n, CALLER_PC);
        rd(t, b, n, CALLER_PC);
    }
    return real_strncmp(a, b, max);
}

char *strchr(const char *s, int c)
{
    ENSURE(strchr);
    char *r = real_strchr(s, c);
    gm_thr *t = user_call(CALLER_PC);
    if (t)
        rd(t, s, r ? (size_t)(r - s) + 1 : real_strlen(s) + 1, CALLER_PC);
    return r;
}

char *strdup(const char *s)
{
    ENSURE(strdup);
    gm_thr *t = user_call(CALLER_PC);
    size_t n = real_strlen(s) + 1;
    if (t)
        rd(t, s, n, CALLER_PC);
    char *d = real_malloc(n);
    if (d) {
        real_memcpy(d, s, n);
        if (t) {
            note_alloc(t, d, n, CALLER_PC);
            wr(t, d, n, CALLER_PC);
        }
    }
    return d;
}

/* ---- fork ---- */

pid_t fork(void)
{
    ENSURE(fork);
    if (atomic_load_explicit(&gm_rt_state.inited, memory_order_acquire) != 2)
        return real_fork();
    gm_rt_fork_prepare();
    pid_t pid = real_fork();
    if (pid == 0)
        gm_rt_fork_child();
    else
        gm_rt_fork_parent();
    return pid;
}

#endif /* GOMM_SELF_SANITIZED */
