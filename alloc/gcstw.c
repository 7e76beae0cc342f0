/*
 * alloc/gcstw.c — the threads the collector knows, and stopping the world.
 *
 * Registry: a thread is registered (a gc_thread record, its stack bounds
 * from pthread_getattr_np) the first time it allocates a collected object,
 * calls gm_gc*, or uses gomm's sync layer (gm_getg), and unregistered by a
 * pthread key destructor at exit. Records are recycled, never freed, and
 * keep their small index, unique among live threads (sync/pool.c's
 * per-thread slots). The registry is protected by threads_lock, which the
 * collector holds for the whole stop.
 *
 * Stopping (gc_stop_the_world), the protocol with each known thread t:
 *  - t blocked in gomm (status TS_BLOCK, set with release after it saved
 *    its callee-saved registers and stack pointer): the collector CASes it
 *    to TS_CAPTURED (acq_rel) and scans what t saved. t leaves a blocked
 *    region by CAS TS_BLOCK -> TS_RUN (acquire); while captured the CAS
 *    fails and t sleeps on its status word until the world restarts.
 *  - t running: the collector expects one acknowledgement. t gives it from
 *    the SIGPWR handler, or from a cooperative safe point (allocation and
 *    barrier slow paths see GCS_STW in gm_gc_state), by storing its stack
 *    pointer and then the epoch in its ack_epoch (release: the collector's
 *    acquire load of it sees the stack), and waking the collector (acks
 *    is only a futex word). It then sleeps on stw_epoch until the
 *    collector makes it even again. The collector waits for each thread
 *    it signalled, by its ack_epoch: a stray acknowledgement (a late
 *    signal to a thread it captured) counts for nothing.
 *  - the handler finding t inside a no-suspend region (depth counter, or PC
 *    in the gomm_nosusp section) only sets gc_suspend_pending: t parks at
 *    the region's end; the collector re-sends the signal to threads that
 *    have not acknowledged after a short wait (a PC-section hit is never
 *    followed up by the thread itself).
 * stw_epoch is odd while the world is stopped; a thread acknowledges each
 * epoch at most once (ack_epoch), so late or repeated signals are no-ops.
 *
 * Safe points, the documented choice: allocation, the barrier's slow path,
 * every block in gomm (captured without a signal), and SIGPWR anywhere
 * else (Boehm GC's handshake), so a thread spinning in user code is
 * stopped within a signal delivery. A program that uses SIGPWR itself, or
 * blocks it in a registered thread, cannot use the collector.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "gc.h"
#include "os.h"

#define SIG_SUSPEND  SIGPWR
#define STOP_SPIN_NS 100000 /* how long a stop polls for acknowledgements before sleeping */

__thread gc_thread *gc_tls __attribute__((tls_model("initial-exec")));
__thread int gc_nosuspend_depth __attribute__((tls_model("initial-exec")));
__thread volatile int gc_suspend_pending __attribute__((tls_model("initial-exec")));

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static gc_thread *threads;      /* the registry (threads_lock) */
static gc_thread *free_records; /* recycled (threads_lock) */
static int nrecords;            /* indices handed out (threads_lock) */
static pthread_key_t thread_key;
static pthread_once_t stw_once = PTHREAD_ONCE_INIT;

static _Atomic uint32_t stw_epoch; /* odd: the world is stopped (or stopping) */
static _Atomic uint32_t acks;      /* acknowledgements for the current epoch */
static _Atomic int64_t runtime_threads;

int64_t gc_nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t gc_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long futex_wait(_Atomic uint32_t *a, uint32_t v, const struct timespec *rel)
{
    return syscall(SYS_futex, (uint32_t *)a, FUTEX_WAIT_PRIVATE, v, rel, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *a)
{
    syscall(SYS_futex, (uint32_t *)a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

#if !defined(__x86_64__)
#error "gomm's collector saves registers with x86-64 assembly (alloc/gcstw.c)"
#endif

/* gc_save_regs(buf): the caller's callee-saved registers (the only ones
 * that can hold its callers' pointers across a call) into buf[0..5], and
 * returns the caller's stack pointer after the call. Naked: no prologue
 * disturbs a register before it is saved, so what is saved is exactly what
 * the caller had; everything its frame pushed lies at or above the
 * returned stack pointer. */
__attribute__((naked, noinline)) uintptr_t gc_save_regs(__attribute__((unused)) uintptr_t *buf)
{
    __asm__("movq %rbx, 0(%rdi)\n\t"
            "movq %rbp, 8(%rdi)\n\t"
            "movq %r12, 16(%rdi)\n\t"
            "movq %r13, 24(%rdi)\n\t"
            "movq %r14, 32(%rdi)\n\t"
            "movq %r15, 40(%rdi)\n\t"
            "leaq 8(%rsp), %rax\n\t"
            "ret\n\t");
}

/* ---------- parking while the world is stopped ---------- */

/* Acknowledge the current stop (if any, and not yet) and sleep until the
 * world restarts. The collector scans the stack from sp up, which holds
 * the caller's registers: saved by gc_save_regs (gc_safepoint_slow) or by
 * the kernel in the signal frame (the handler). */
static __attribute__((noinline)) void park_stopped(gc_thread *t, uintptr_t sp)
{
    uint32_t e = atomic_load_explicit(&stw_epoch, memory_order_acquire);
    if (!(e & 1u))
        return;
    if (atomic_load_explicit(&t->ack_epoch, memory_order_relaxed) != e) {
        atomic_store_explicit(&t->susp_sp, sp, memory_order_relaxed);
        /* release: pairs with the collector's acquire load of ack_epoch,
         * after which it reads susp_sp and our stack */
        atomic_store_explicit(&t->ack_epoch, e, memory_order_release);
        atomic_fetch_add_explicit(&acks, 1, memory_order_relaxed);
        futex_wake_all(&acks);
    }
    /* acquire: pairs with the release store in gc_start_the_world */
    while (atomic_load_explicit(&stw_epoch, memory_order_acquire) == e)
        futex_wait(&stw_epoch, e, NULL);
}

void gc_safepoint_slow(void)
{
    gc_thread *t = gc_tls;
    if (!t || gc_nosuspend_depth > 0)
        return;
    /* the registers into this frame, which stays (no tail call: regs is
     * used after the call) while the collector scans from sp up */
    uintptr_t regs[8];
    uintptr_t sp = gc_save_regs(regs);
    park_stopped(t, sp);
    __asm__ volatile("" : : "r"(regs) : "memory");
}

void gc_suspend_deferred(void)
{
    gc_suspend_pending = 0;
    gc_safepoint_slow();
}

static void suspend_handler(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)info;
    int saved_errno = errno;
    gc_thread *t = gc_tls;
    if (t) {
        uintptr_t pc = 0;
#if defined(__x86_64__)
        pc = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
#else
        (void)ctx;
#endif
        if (gc_nosuspend_depth > 0 ||
            (pc >= (uintptr_t)__start_gomm_nosusp && pc < (uintptr_t)__stop_gomm_nosusp))
            gc_suspend_pending = 1;
        else {
            /* The kernel saved the interrupted registers in the signal
             * frame, above us; but ThreadSanitizer runs a deferred handler
             * later, as a plain call, with the thread's current registers
             * live and nowhere in memory: save them here too. */
            uintptr_t regs[8];
            uintptr_t sp = gc_save_regs(regs);
            park_stopped(t, sp);
            __asm__ volatile("" : : "r"(regs) : "memory");
        }
    }
    errno = saved_errno;
}

/* ---------- registry ---------- */

static void thread_exit(void *arg)
{
    gc_thread *t = arg;
    gc_cache_release(t);
    /* The collector holds the lock through a stop: wait for it as a
     * blocked thread (no signal needed, which ThreadSanitizer would hold
     * back while we sleep in the lock). */
    gc_block_enter();
    pthread_mutex_lock(&threads_lock);
    gc_block_exit();
    if (t->prev)
        t->prev->next = t->next;
    else
        threads = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->dead = true;
    t->free_next = free_records;
    free_records = t;
    if (gc_tls == t)
        gc_tls = NULL;
    pthread_mutex_unlock(&threads_lock);
}

static void stw_init_once(void)
{
    pthread_key_create(&thread_key, thread_exit);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = suspend_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIG_SUSPEND, &sa, NULL);
}

void gc_stw_init(void)
{
    pthread_once(&stw_once, stw_init_once);
}

gc_thread *gc_thread_get(void)
{
    gc_thread *t = gc_tls;
    if (t)
        return t;
    gm_alloc_ensure_init();
    gc_stw_init();
    uintptr_t lo = 0, hi = 0;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t size;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            lo = (uintptr_t)addr;
            hi = lo + size;
        }
        pthread_attr_destroy(&attr);
    }
    if (!hi)
        gm_fatal("gc: cannot find the stack of thread %lu", (unsigned long)pthread_self());
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIG_SUSPEND);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);

    pthread_mutex_lock(&threads_lock);
    t = free_records;
    if (t) {
        free_records = t->free_next;
    } else {
        t = meta_alloc(sizeof *t);
        if (!t) {
            pthread_mutex_unlock(&threads_lock);
            gm_fatal("gc: out of memory registering a thread");
        }
        t->index = nrecords++;
        for (int k = 0; k < GC_NSPC; k++)
            t->cache.cur[k] = &gc_empty_span;
    }
    t->tid = pthread_self();
    t->stack_lo = lo;
    t->stack_hi = hi;
    atomic_store_explicit(&t->status, TS_RUN, memory_order_relaxed);
    t->block_depth = 0;
    t->dead = false;
    t->no_stack_scan = false;
    t->scan_from = 0;
    t->assist_debt = 0;
    /* a stop in progress (we waited for the lock) is over: its epoch is
     * even now, so any stale ack_epoch is harmless */
    t->prev = NULL;
    t->next = threads;
    if (threads)
        threads->prev = t;
    threads = t;
    gc_tls = t;
    pthread_mutex_unlock(&threads_lock);
    pthread_setspecific(thread_key, t);
    return t;
}

void gc_runtime_thread_started(void)
{
    atomic_fetch_add_explicit(&runtime_threads, 1, memory_order_relaxed);
}

int64_t gc_runtime_thread_count(void)
{
    return atomic_load_explicit(&runtime_threads, memory_order_relaxed);
}

int gc_thread_index(void)
{
    return gc_thread_cur()->index;
}

gc_thread *gc_threads_first(void)
{
    return threads;
}

uint64_t gc_threads_take_marked_stw(void)
{
    uint64_t sum = 0;
    gc_thread *lists[2] = {threads, free_records};
    for (int l = 0; l < 2; l++) {
        for (gc_thread *t = lists[l]; t; t = l ? t->free_next : t->next) {
            sum += atomic_load_explicit(&t->marked_bytes, memory_order_relaxed);
            atomic_store_explicit(&t->marked_bytes, 0, memory_order_relaxed);
            t->assist_debt = 0;
        }
    }
    return sum;
}

void gc_threads_sum(uint64_t *alloc_bytes, uint64_t *assist_ns)
{
    *alloc_bytes = *assist_ns = 0;
    gc_block_enter(); /* as in thread_exit */
    pthread_mutex_lock(&threads_lock);
    gc_block_exit();
    gc_thread *lists[2] = {threads, free_records};
    for (int l = 0; l < 2; l++) {
        for (gc_thread *t = lists[l]; t; t = l ? t->free_next : t->next) {
            *alloc_bytes += atomic_load_explicit(&t->alloc_bytes, memory_order_relaxed);
            *assist_ns += atomic_load_explicit(&t->assist_ns, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&threads_lock);
}

/* ---------- blocking regions ---------- */

/* Where gc_block_enter saves the registers: the record's buffer for the
 * outermost region, a scratch one otherwise (or with no record). */
static __thread uintptr_t scratch_regs[8] __attribute__((tls_model("initial-exec")));

__attribute__((used)) uintptr_t *gc_block_regs_buf(void)
{
    gc_thread *t = gc_tls;
    return t && t->block_depth == 0 ? t->block_regs : scratch_regs;
}

__attribute__((used)) void gc_block_enter_finish(uintptr_t sp)
{
    gc_thread *t = gc_tls;
    if (!t || t->block_depth++ > 0) {
        /* nested: the registers were saved by the outer region; the
         * scratch copy must not linger (TLS may be scanned as data) */
        memset(scratch_regs, 0, sizeof scratch_regs);
        return;
    }
    /* our caller's frame (everything from sp up) stays live while blocked */
    t->block_sp = sp;
    /* release: pairs with the collector's CAS, which then reads block_sp,
     * block_regs and the stack above */
    atomic_store_explicit(&t->status, TS_BLOCK, memory_order_release);
}

/* Naked, so the caller's callee-saved registers are saved as they were at
 * the call (a C prologue could push them into a frame that dies on
 * return). The helpers are C functions: they preserve those registers. */
__attribute__((naked, noinline)) void gc_block_enter(void)
{
    __asm__("subq $8, %rsp\n\t" /* align the stack for the call */
            "call gc_block_regs_buf\n\t"
            "addq $8, %rsp\n\t"
            "movq %rbx, 0(%rax)\n\t"
            "movq %rbp, 8(%rax)\n\t"
            "movq %r12, 16(%rax)\n\t"
            "movq %r13, 24(%rax)\n\t"
            "movq %r14, 32(%rax)\n\t"
            "movq %r15, 40(%rax)\n\t"
            "leaq 8(%rsp), %rdi\n\t" /* the caller's stack pointer after return */
            "jmp gc_block_enter_finish\n\t");
}

void gc_block_exit(void)
{
    gc_thread *t = gc_tls;
    if (!t || t->block_depth == 0 || --t->block_depth > 0)
        return;
    uint32_t expect = TS_BLOCK;
    /* acquire: pairs with the release store that hands a captured thread
     * back in gc_start_the_world */
    while (!atomic_compare_exchange_weak_explicit(&t->status, &expect, TS_RUN, memory_order_acquire,
                                                  memory_order_relaxed)) {
        if (expect == TS_CAPTURED)
            futex_wait(&t->status, TS_CAPTURED, NULL);
        expect = TS_BLOCK;
    }
}

/* ---------- stop and start ---------- */

static uint32_t cur_epoch;

/* Re-send the signal to threads that have not acknowledged. One that
 * has blocked in gomm since it was signalled is captured instead: its
 * saved registers and stack pointer are as good as an acknowledgement
 * (and ThreadSanitizer, which defers signals, may never deliver ours to
 * a thread asleep in a futex). */
static void resignal_unacked(void)
{
    for (gc_thread *t = threads; t; t = t->next) {
        if (!t->signaled || atomic_load_explicit(&t->ack_epoch, memory_order_acquire) == cur_epoch)
            continue;
        uint32_t expect = TS_BLOCK;
        /* acq_rel: acquire pairs with gc_block_enter's release store */
        if (atomic_compare_exchange_strong_explicit(&t->status, &expect, TS_CAPTURED,
                                                    memory_order_acq_rel, memory_order_acquire)) {
            t->signaled = false;
            continue;
        }
        pthread_kill(t->tid, SIG_SUSPEND);
    }
}

void gc_stop_the_world(void)
{
    gc_thread *self = gc_tls;
    pthread_mutex_lock(&threads_lock);
    cur_epoch = atomic_load_explicit(&stw_epoch, memory_order_relaxed) + 1;
    atomic_store_explicit(&acks, 0, memory_order_relaxed);
    /* seq_cst: threads that see the odd epoch also see acks reset */
    atomic_store_explicit(&stw_epoch, cur_epoch, memory_order_seq_cst);
    atomic_fetch_or_explicit(&gm_gc_state, GCS_STW, memory_order_seq_cst);
    uint32_t n = 0;
    for (gc_thread *t = threads; t; t = t->next) {
        t->signaled = false;
        if (t == self)
            continue;
        uint32_t expect = TS_BLOCK;
        /* acq_rel: acquire pairs with gc_block_enter's release store */
        if (atomic_compare_exchange_strong_explicit(&t->status, &expect, TS_CAPTURED,
                                                    memory_order_acq_rel, memory_order_acquire))
            continue;
        t->signaled = true;
        n++;
    }
    (void)n;
    resignal_unacked();
    int64_t wait_ns = 50000, spin_start = gc_nanotime();
    for (;;) {
        uint32_t a = atomic_load_explicit(&acks, memory_order_relaxed);
        bool all = true;
        for (gc_thread *t = threads; t && all; t = t->next)
            /* acquire: pairs with the release store in park_stopped */
            all = !t->signaled ||
                  atomic_load_explicit(&t->ack_epoch, memory_order_acquire) == cur_epoch;
        if (all)
            break;
        /* Spin first: the acknowledgements of running threads come within
         * tens of microseconds, and waking from a futex sleep costs
         * ~0.3 ms on this kind of VM (an idle vCPU), which was most of
         * every stop. */
        if (gc_nanotime() - spin_start < STOP_SPIN_NS) {
            __builtin_ia32_pause();
            continue;
        }
        struct timespec rel = {0, wait_ns};
        if (futex_wait(&acks, a, &rel) != 0 && errno == ETIMEDOUT) {
            resignal_unacked();
            if (wait_ns < 2000000)
                wait_ns *= 2;
        }
    }
}

/* The parked (running) threads first: each wake is a system call after
 * which the kernel may run the woken thread here, in our place, and the
 * threads that were running when the world stopped are the ones waiting to
 * go on; the captured ones were blocked anyway. */
void gc_start_the_world(void)
{
    atomic_fetch_and_explicit(&gm_gc_state, ~GCS_STW, memory_order_seq_cst);
    /* release: pairs with the acquire loads in park_stopped */
    atomic_store_explicit(&stw_epoch, cur_epoch + 1, memory_order_release);
    futex_wake_all(&stw_epoch);
    for (gc_thread *t = threads; t; t = t->next) {
        if (atomic_load_explicit(&t->status, memory_order_relaxed) == TS_CAPTURED) {
            /* release: pairs with the acquire CAS in gc_block_exit */
            atomic_store_explicit(&t->status, TS_BLOCK, memory_order_release);
            futex_wake_all(&t->status);
        }
    }
    pthread_mutex_unlock(&threads_lock);
}

/* ---------- fork ---------- */

void gc_stw_atfork_prepare(void)
{
    pthread_mutex_lock(&threads_lock);
}

void gc_stw_atfork_parent(void)
{
    pthread_mutex_unlock(&threads_lock);
}

void gc_stw_atfork_child(void)
{
    pthread_mutex_init(&threads_lock, NULL);
    /* only the forking thread exists in the child */
    gc_thread *self = gc_tls;
    for (gc_thread *t = threads, *next; t; t = next) {
        next = t->next;
        if (t == self)
            continue;
        t->dead = true;
        for (int k = 0; k < GC_NSPC; k++) /* its spans are lost to the child */
            t->cache.cur[k] = &gc_empty_span;
        t->free_next = free_records;
        free_records = t;
    }
    threads = self;
    if (self)
        self->next = self->prev = NULL;
    atomic_store_explicit(&runtime_threads, 0, memory_order_relaxed);
}
