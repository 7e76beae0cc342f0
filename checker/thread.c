/*
 * checker/thread.c — thread contexts: slots, clocks, lifecycle, start-up.
 *
 * Every thread the checker sees, and every goroutine (gm_go), gets a
 * context with a slot `sid` and a vector clock. Slots are reused as TSan
 * v2 does, after the thread is joined (or, detached or a goroutine, has
 * finished), so thousands of threads over a run need only as many slots
 * as run at once plus a quarantine: a freed slot waits in a FIFO behind
 * QUARANTINE others, and its next owner starts at an epoch above the old
 * owner's last, so clocks that saw the old owner cover all its accesses.
 * The price, documented in docs/race.md: an access of the new owner is
 * never compared with the old owner's accesses still in shadow (same
 * slot); the FIFO makes that rare.
 *
 * A context, its clock array and history ring are recycled with the slot;
 * until then the finished thread's history stays readable for reports.
 *
 * The interceptors' trampolines live here too, not in intercept.c: they
 * call the program's thread start routines and pthread_once initializers,
 * and being inside the runtime's code (between the text markers) lets the
 * stacks in reports leave them out (history.c).
 *
 * Locking: reg_lock (a spin lock; thread start and end only) guards the
 * slot tables, the FIFO and the identity fields other threads read in
 * reports; reports hold it while they read another thread's ring so the
 * slot cannot be recycled under them. A thread's hot fields (clock,
 * epoch, ring) are its own; a joiner reads a finished thread's clock
 * under reg_lock after the OS join, which orders it after the finish.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../alloc/fatal.h"
#include "mem.h"
#include "rt.h"

#define QUARANTINE 64

gm_rt gm_rt_state;
__thread gm_thr *gm_rt_cur __attribute__((tls_model("initial-exec")));
/* the OS thread's own context, created on first use; gm_rt_cur points at
 * a goroutine's context while one runs on this thread */
static __thread gm_thr *own_ctx __attribute__((tls_model("initial-exec")));
static __thread uintptr_t tls_stk_lo, tls_stk_hi;
/* >0 while this thread sets up checker state: libc calls made meanwhile
 * (pthread_getattr_np reallocs) go through the interceptors unchecked */
__thread int gm_rt_busy __attribute__((tls_model("initial-exec")));

static rt_spin reg_lock;
static gm_thr **owners;      /* [max_slots]: a slot's current context */
static uint64_t *last_epoch; /* [max_slots]: last epoch of past owners */
static unsigned *fifo;       /* [max_slots]: freed slots, oldest first */
static unsigned fifo_head, fifo_tail;
static int next_tid;
static int live;
static pthread_key_t exit_key;

void gm_rt_registry_lock(void)
{
    rt_spin_lock(&reg_lock);
}

void gm_rt_registry_unlock(void)
{
    rt_spin_unlock(&reg_lock);
}

gm_thr *gm_rt_slot_owner(unsigned sid)
{
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_acquire);
    return sid < n ? owners[sid] : NULL;
}

int gm_rt_thread_count(void)
{
    rt_spin_lock(&reg_lock);
    int n = live;
    rt_spin_unlock(&reg_lock);
    return n;
}

static void stack_bounds(void)
{
    if (tls_stk_hi)
        return;
    pthread_attr_t a;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        void *lo;
        size_t sz;
        if (pthread_attr_getstack(&a, &lo, &sz) == 0) {
            tls_stk_lo = (uintptr_t)lo;
            tls_stk_hi = (uintptr_t)lo + sz;
        }
        pthread_attr_destroy(&a);
    }
}

/* A context for a new thread; reg_lock held. */
static gm_thr *ctx_alloc(void)
{
    gm_rt *rt = &gm_rt_state;
    unsigned n = atomic_load_explicit(&rt->nslots, memory_order_relaxed);
    unsigned queued = fifo_tail - fifo_head;
    gm_thr *t;
    unsigned sid;
    if (queued > QUARANTINE || (n == rt->max_slots && queued)) {
        sid = fifo[fifo_head++ % rt->max_slots];
        t = owners[sid];
        memset(t->clk, 0, n * sizeof(uint64_t));
        gm_vc acq = t->acq, rel = t->rel;
        gm_ev *ring = t->ring;
        uint64_t *clk = t->clk;
        memset(t, 0, sizeof *t);
        t->acq = acq;
        t->acq.n = 0;
        t->rel = rel;
        t->rel.n = 0;
        t->ring = ring;
        t->clk = clk;
    } else {
        if (n == rt->max_slots)
            gm_fatal("race checker: more than %u threads alive at once; "
                     "raise GOMM_OPTIONS=max_threads (at most %u)",
                     rt->max_slots, RT_MAX_SLOTS - 1);
        sid = n;
        t = gm_rt_alloc(sizeof *t);
        t->clk = gm_rt_map(rt->max_slots * sizeof(uint64_t));
        t->ring = gm_rt_map(rt->ring_events * sizeof(gm_ev));
        owners[sid] = t;
        /* release: a reader of nslots sees owners[sid] set */
        atomic_store_explicit(&rt->nslots, n + 1, memory_order_release);
    }
    t->sid = sid;
    t->ring_mask = rt->ring_events - 1;
    t->epoch = last_epoch[sid] + 1;
    t->first_epoch = t->epoch;
    t->clk[sid] = t->epoch;
    t->tid = next_tid++;
    t->parent_tid = -1;
    t->running = true;
    t->stack_dirty = true;
    live++;
    return t;
}

/* The slot of a context nobody will join goes to the FIFO; reg_lock held */
static void slot_free(gm_thr *t)
{
    last_epoch[t->sid] = t->epoch;
    fifo[fifo_tail++ % gm_rt_state.max_slots] = t->sid;
    live--;
}

static void thread_exit_destructor(void *arg)
{
    gm_thr *t = arg;
    rt_spin_lock(&reg_lock);
    if (t->running) {
        t->running = false;
        if (!t->joinable || t->detached) /* else its joiner frees it */
            slot_free(t);
    }
    rt_spin_unlock(&reg_lock);
    if (gm_rt_cur == t)
        gm_rt_cur = NULL;
    if (own_ctx == t)
        own_ctx = NULL;
}

/* reports read these under reg_lock */
static void set_identity(gm_thr *t)
{
    gm_rt_busy++;
    stack_bounds();
    gm_rt_busy--;
    long tid = (long)syscall(SYS_gettid);
    rt_spin_lock(&reg_lock);
    t->os_tid = tid;
    t->stk_lo = tls_stk_lo;
    t->stk_hi = tls_stk_hi;
    rt_spin_unlock(&reg_lock);
}

/* `gomm run` asks every process of the run to say it has the checker:
 * GOMM_RUN_MARK=PATH makes each one create PATH.<pid> at start-up, so a
 * program not built by `gomm cc` (no file appears) is an error, not a
 * silent pass. */
static void run_handshake(void)
{
    const char *mark = getenv("GOMM_RUN_MARK");
    if (!mark || !*mark)
        return;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s.%d", mark, (int)getpid());
    if (n <= 0 || (size_t)n >= sizeof path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char line[64];
    n = snprintf(line, sizeof line, "gomm-race %d\n", (int)getpid());
    if (n > 0 && write(fd, line, (size_t)n) < 0) {
        /* best effort: gomm run then reports the program as unchecked */
    }
    close(fd);
}

void gm_rt_init(void)
{
    gm_rt *rt = &gm_rt_state;
    int expect = 0;
    if (!atomic_compare_exchange_strong_explicit(&rt->inited, &expect, 1, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        while (atomic_load_explicit(&rt->inited, memory_order_acquire) != 2)
            __builtin_ia32_pause();
        return;
    }
    gm_options_load(&rt->opt);
    rt->max_slots = (unsigned)rt->opt.max_threads;
    if (rt->max_slots >= RT_MAX_SLOTS)
        rt->max_slots = RT_MAX_SLOTS - 1;
    rt->ring_events = 1ull << (13 + rt->opt.history_size);
    rt->pid = (int)getpid();
    owners = gm_rt_map(rt->max_slots * sizeof *owners);
    last_epoch = gm_rt_map(rt->max_slots * sizeof *last_epoch);
    fifo = gm_rt_map(rt->max_slots * sizeof *fifo);
    pthread_key_create(&exit_key, thread_exit_destructor);
    uintptr_t warm[4];
    rt_unwind(warm, 4, 0); /* loads the unwinder now, not in a report */
    gm_report_init(&rt->opt);
    run_handshake();
    rt_spin_lock(&reg_lock);
    gm_thr *t = ctx_alloc(); /* T0: the thread that starts the checker */
    rt_spin_unlock(&reg_lock);
    set_identity(t);
    own_ctx = gm_rt_cur = t;
    pthread_setspecific(exit_key, t);
    atomic_store_explicit(&rt->inited, 2, memory_order_release);
}

/* The first event on a thread the checker did not see start: a context
 * with no parent (nothing happens before it that the checker knows). */
gm_thr *gm_rt_thread_slow(void)
{
    if (atomic_load_explicit(&gm_rt_state.inited, memory_order_acquire) != 2) {
        gm_rt_init();
        if (gm_rt_cur)
            return gm_rt_cur;
    }
    if (own_ctx) {
        gm_rt_cur = own_ctx;
        return own_ctx;
    }
    gm_rt_busy++;
    rt_spin_lock(&reg_lock);
    gm_thr *t = ctx_alloc();
    rt_spin_unlock(&reg_lock);
    set_identity(t);
    own_ctx = gm_rt_cur = t;
    pthread_setspecific(exit_key, t);
    gm_rt_busy--;
    return t;
}

/* ---- the interceptors' trampolines ---- */

void *gm_rt_pthread_trampoline(void *p)
{
    gm_rt_start_arg a = *(gm_rt_start_arg *)p;
    gm_rt_free(p, sizeof a);
    gm_rt_thread_start(a.ctx);
    void *ret = a.fn(a.arg);
    gm_rt_thread_finish();
    return ret;
}

__thread void (*gm_rt_once_fn)(void) __attribute__((tls_model("initial-exec")));
__thread uintptr_t gm_rt_once_ctl __attribute__((tls_model("initial-exec")));

void gm_rt_once_trampoline(void)
{
    void (*fn)(void) = gm_rt_once_fn;
    uintptr_t ctl = gm_rt_once_ctl;
    fn();
    gm_thr *t = rt_thr();
    if (!t->ignore)
        rt_release(t, ctl);
}

gm_thr *gm_rt_thread_create(uintptr_t pc, bool goroutine)
{
    gm_thr *p = rt_thr();
    p->ignore++;
    uint32_t stack = 0;
    if (pc) {
        uintptr_t pcs[GM_REPORT_MAX_FRAMES];
        pcs[0] = pc;
        uint32_t rest = rt_current_stack(p, pc);
        int n = 1 + rt_stack_get(rest, pcs + 1, GM_REPORT_MAX_FRAMES - 1);
        stack = rt_stack_intern(pcs, n);
    }
    rt_spin_lock(&reg_lock);
    gm_thr *t = ctx_alloc();
    t->parent_tid = p->tid;
    t->create_stack = stack;
    t->is_goroutine = goroutine;
    rt_spin_unlock(&reg_lock);
    /* the creation happens before the new thread's first step */
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_acquire);
    rt_vc_join_into_thread(t, p->clk, n);
    rt_epoch_tick(p);
    p->ignore--;
    return t;
}

/* How much of a pool thread's stack below the goroutine's first frame is
 * made fresh at each goroutine start: the deepest frames an earlier
 * goroutine can have left shadow in that a new one is likely to reuse. */
#define GO_STACK_RESET ((uintptr_t)1 << 20)

/* A goroutine starts on a pool thread whose stack earlier goroutines used:
 * what lies below the current frame is dead to the new goroutine, which
 * is not ordered after the old ones (Go: a goroutine's end orders
 * nothing), so their shadow and sync objects would make its own locals
 * look racy. Forget them, as TSan does when a thread reuses a stack. */
void gm_rt_fresh_stack_below(uintptr_t sp)
{
    /* pthread_getattr_np may allocate: the interceptors must pass it
     * through (as in set_identity), or a thread without a context yet
     * re-enters here through realloc and deadlocks on glibc's lock */
    gm_rt_busy++;
    stack_bounds();
    gm_rt_busy--;
    uintptr_t lo = sp > GO_STACK_RESET ? sp - GO_STACK_RESET : 0;
    if (tls_stk_hi && (sp <= tls_stk_lo || sp > tls_stk_hi))
        return; /* not on the thread's known stack (an alternate stack) */
    if (tls_stk_lo > lo)
        lo = tls_stk_lo;
    lo &= ~(uintptr_t)7;
    if (sp > lo) {
        rt_sync_free_range(lo, sp - lo);
        rt_shadow_reset(lo, sp - lo);
    }
}

void gm_rt_thread_start(gm_thr *t)
{
    set_identity(t);
    if (!own_ctx && !t->is_goroutine) {
        own_ctx = t;
        pthread_setspecific(exit_key, t);
    }
    gm_rt_cur = t;
}

void gm_rt_thread_finish(void)
{
    gm_thr *t = gm_rt_cur;
    if (!t)
        return;
    rt_spin_lock(&reg_lock);
    t->running = false;
    bool nobody_joins = t->detached || t->is_goroutine;
    if (nobody_joins)
        slot_free(t);
    rt_spin_unlock(&reg_lock);
    if (t->is_goroutine) {
        gm_rt_cur = own_ctx; /* back to the worker thread's own context */
    } else {
        if (own_ctx == t) {
            own_ctx = NULL;
            pthread_setspecific(exit_key, NULL);
        }
        gm_rt_cur = NULL;
    }
}

/* A context whose thread never ran (a cancelled timer delivery). */
void gm_rt_thread_discard(gm_thr *t)
{
    rt_spin_lock(&reg_lock);
    t->running = false;
    slot_free(t);
    rt_spin_unlock(&reg_lock);
}

/* After an intercepted pthread_create: who this context is, and whether
 * anyone will join it. The child may already have finished. */
void gm_rt_thread_set_pthread(gm_thr *t, uintptr_t id, bool detached)
{
    rt_spin_lock(&reg_lock);
    t->pthread_id = id;
    if (detached) {
        t->detached = true;
        if (!t->running)
            slot_free(t);
    } else {
        t->joinable = true;
    }
    rt_spin_unlock(&reg_lock);
}

gm_thr *gm_rt_thread_by_pthread(uintptr_t id)
{
    gm_thr *found = NULL;
    rt_spin_lock(&reg_lock);
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_relaxed);
    for (unsigned s = 0; s < n && !found; s++) {
        gm_thr *t = owners[s];
        if (t && t->joinable && !t->joined && !t->detached && t->pthread_id == id)
            found = t;
    }
    rt_spin_unlock(&reg_lock);
    return found;
}

/* fork: the child has only the forking thread. No thread is created or
 * ends across the fork (reg_lock held); in the child every other context
 * is finished, and the spin locks that another thread may have held are
 * reset (bucket locks of the sync table are not: a thread holds one for
 * a few instructions; see docs/race.md). */
void gm_rt_fork_prepare(void)
{
    rt_spin_lock(&reg_lock);
}

void gm_rt_fork_parent(void)
{
    rt_spin_unlock(&reg_lock);
}

void gm_rt_fork_child(void)
{
    gm_thr *self = gm_rt_cur;
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_relaxed);
    for (unsigned s = 0; s < n; s++) {
        gm_thr *t = owners[s];
        if (t && t != self && t->running) {
            t->running = false;
            if (!t->joinable || t->detached)
                slot_free(t);
        }
    }
    gm_rt_state.pid = (int)getpid();
    rt_shadow_fork_child();
    gm_rt_mem_fork_child();
    atomic_store_explicit(&reg_lock.v, 0, memory_order_relaxed);
    if (self)
        set_identity(self);
}

void gm_rt_thread_join(gm_thr *t)
{
    gm_thr *j = rt_thr();
    rt_spin_lock(&reg_lock);
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_acquire);
    rt_vc_join_into_thread(j, t->clk, n);
    t->joined = true;
    slot_free(t);
    rt_spin_unlock(&reg_lock);
}

void gm_rt_thread_detach(gm_thr *t)
{
    rt_spin_lock(&reg_lock);
    if (!t->running && !t->joined)
        slot_free(t);
    else
        t->detached = true;
    rt_spin_unlock(&reg_lock);
}

void rt_fill_thread(gm_rthread *out, gm_thr *t)
{
    out->tid = t->tid;
    out->os_tid = t->os_tid;
    out->running = t->running;
    out->parent_tid = t->parent_tid;
    out->create_stack.n = rt_stack_get(t->create_stack, out->create_stack.pc, GM_REPORT_MAX_FRAMES);
    out->create_stack.top_exact = false;
    out->create_stack.lost = false;
}
