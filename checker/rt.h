/*
 * checker/rt.h — the race checker's core state and its inline fast paths.
 *
 * The model (FastTrack, Flanagan & Freund PLDI 2009, with byte masks):
 *  - Each thread context (gm_thr) owns a slot `sid` and a vector clock
 *    clk[0..max_threads); clk[sid] is its current epoch. A release bumps
 *    the epoch after publishing, so later accesses are not covered by what
 *    was published.
 *  - Each 8-byte application granule has two 64-bit shadow cells. A cell
 *    is one access epoch: (sid, epoch, byte mask, read/write, atomic,
 *    freed). The second cell may instead point at a spill block holding
 *    more cells: FastTrack's read-shared state (several unordered readers,
 *    or unordered atomic writers), allocated only where reads are shared.
 *  - Access x by thread T races with stored cell c iff their byte masks
 *    overlap, at least one writes, at least one is not atomic, c is from
 *    another slot, and T.clk[c.sid] < c.epoch (c does not happen before x).
 *  - After a race-free access, cells that happen before it and that it
 *    dominates (mask covers, write covers read, plain covers atomic) are
 *    dropped: any later access that would race with them races with it.
 *
 * Concurrency of shadow updates: the single-cell fast path reads and
 * writes cells with relaxed atomics and no lock, as TSan does: a lost
 * update between two threads touching one granule at once (which is a
 * race or an atomic) can only forget an access, never invent one. Spill
 * blocks are created, read, changed and freed only under the granule's
 * stripe lock; the lock-free path never dereferences a spill pointer and
 * installs a second cell only by CAS from 0, so it cannot overwrite one.
 *
 * Thread-local state (gm_thr) is touched only by its own thread, except
 * the clock of a finished thread, read by its joiner after the finish
 * (ordered by the registry lock) and the fields read by reports under the
 * registry lock.
 */
#ifndef GOMM_CHECKER_RT_H
#define GOMM_CHECKER_RT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "report.h"

#pragma GCC visibility push(hidden)

#define RT_LIKELY(x)   __builtin_expect(!!(x), 1)
#define RT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RT_INLINE      static inline __attribute__((always_inline))
#define RT_NOINLINE    __attribute__((noinline))

/* ---- shadow cells ----
 * bits  0..7   byte mask within the granule (0: empty cell)
 * bit   8      read (0: write)
 * bit   9      atomic
 * bit  10      freed (the cell records the free() of the block)
 * bits 11..24  sid
 * bits 25..62  epoch
 * bit  63      spill pointer (second cell only): the rest is the address
 */
typedef uint64_t cell_t;

#define CELL_READ        (1ull << 8)
#define CELL_ATOMIC      (1ull << 9)
#define CELL_FREED       (1ull << 10)
#define CELL_SID_SHIFT   11
#define CELL_SID_BITS    14
#define CELL_EPOCH_SHIFT 25
#define CELL_EPOCH_BITS  38
#define CELL_SPILL       (1ull << 63)
#define RT_MAX_SLOTS     (1u << CELL_SID_BITS) /* 16384; options cap below */
#define RT_EPOCH_MAX     ((1ull << CELL_EPOCH_BITS) - 1)

RT_INLINE unsigned cell_mask(cell_t c)
{
    return (unsigned)(c & 0xff);
}
RT_INLINE unsigned cell_sid(cell_t c)
{
    return (unsigned)((c >> CELL_SID_SHIFT) & ((1u << CELL_SID_BITS) - 1));
}
RT_INLINE uint64_t cell_epoch(cell_t c)
{
    return (c >> CELL_EPOCH_SHIFT) & RT_EPOCH_MAX;
}
RT_INLINE bool cell_is_write(cell_t c)
{
    return !(c & CELL_READ);
}
RT_INLINE bool cell_is_atomic(cell_t c)
{
    return c & CELL_ATOMIC;
}
RT_INLINE cell_t cell_make(unsigned sid, uint64_t epoch, unsigned mask, uint64_t kind)
{
    return ((cell_t)epoch << CELL_EPOCH_SHIFT) | ((cell_t)sid << CELL_SID_SHIFT) | kind | mask;
}

/* a can replace b: a's bytes cover b's, a writes if b does, and a is plain
 * if b is. (Same-thread or happens-before is checked by the caller.) */
/* a's kind covers b's: a writes if b does, a is plain if b is. */
RT_INLINE bool cell_kind_dominates(cell_t a, cell_t b)
{
    if (!cell_is_write(a) && cell_is_write(b))
        return false;
    if (cell_is_atomic(a) && !cell_is_atomic(b))
        return false;
    if (b & CELL_FREED)
        return (a & CELL_FREED) != 0;
    return true;
}

RT_INLINE bool cell_dominates(cell_t a, cell_t b)
{
    unsigned ma = cell_mask(a), mb = cell_mask(b);
    if ((ma & mb) != mb)
        return false;
    if (!cell_is_write(a) && cell_is_write(b))
        return false;
    if (cell_is_atomic(a) && !cell_is_atomic(b))
        return false;
    if (b & CELL_FREED)
        return (a & CELL_FREED) != 0;
    return true;
}

/* ---- the history ring: what a thread did, for the previous-access stack
 * of a report. 16-byte events; positions grow forever, the ring keeps the
 * last ring_mask+1. ----
 * w0: bits 60..63 kind, 56..59 flags, 47..55 size (0: in the EV_SIZE
 *     event that follows), 0..46 pc; EV_STACK: 0..31 stack id
 * w1: ACCESS: bits 48..63 low 16 bits of the epoch, 0..47 address;
 *     EV_SIZE: the size
 * Events are written with relaxed atomic stores by the owner and read by
 * reports on other threads with relaxed loads, checked against ring_pos.
 */
enum { EV_ACCESS = 1, EV_STACK = 2, EV_SIZE = 3 };
#define EVF_WRITE  1u
#define EVF_ATOMIC 2u
#define EVF_FREE   4u
#define EVF_ALLOC  8u

typedef struct gm_ev {
    uint64_t w0, w1;
} gm_ev;

/* ---- vector clocks of sync objects (variable length) ---- */
typedef struct gm_vc {
    uint64_t *c;
    uint32_t n;   /* entries in use */
    uint32_t cap; /* entries allocated */
} gm_vc;

/* ---- thread contexts ---- */
#define RT_SHADOW_STACK 256

typedef struct gm_thr {
    /* hot: the access path */
    uint64_t *clk;  /* [max_threads] */
    uint64_t epoch; /* == clk[sid] */
    unsigned sid;
    int ignore;     /* >0: inside the checker (nothing is checked) */
    int ignore_acc; /* >0: accesses not checked (ignore_thread_begin) */
    gm_ev *ring;
    _Atomic uint64_t ring_pos; /* next event index (monotonic); owner
                                  stores release, readers load acquire */
    uint32_t last_stack;       /* stack id of the last EV_STACK */
    uint64_t last_stack_pos;   /* its ring position */
    uint64_t ring_mask;
    int shdepth;       /* shadow call stack (compiler instrumentation) */
    bool stack_dirty;  /* the shadow stack changed since last interned */
    uint32_t shstk_id; /* interned shadow stack when !stack_dirty */
    /* unwound stacks of uninstrumented callers, keyed by call-site pc and
     * stack depth (the frame address): a loop calling gm_race_read
     * unwinds once, not once per access */
    uintptr_t sc_pc[32], sc_fa[32]; /* 16 sets of 2 ways */
    uint32_t sc_id[32];
    uint16_t sc_victim; /* per set: the way to replace next */
    uintptr_t shstk[RT_SHADOW_STACK];
    /* shhash[d]: a hash of frames 0..d-1, extended at each function entry,
     * so the current stack's interned id is one cache probe away */
    uint64_t shhash[RT_SHADOW_STACK + 1];
    uint64_t hc_key[64];
    uint32_t hc_id[64];

    /* C11 fences */
    gm_vc acq; /* joined sync clocks seen by relaxed loads */
    bool acq_pending;
    gm_vc rel; /* clk at the last release fence */
    bool has_rel;

    /* identity, for reports (read under the registry lock) */
    int tid;        /* T<tid>, unique for the run; 0 = main thread */
    int parent_tid; /* -1 for none */
    long os_tid;
    uint32_t create_stack; /* stack depot id, 0 = none */
    uint64_t first_epoch;  /* the slot's epoch when this context began */
    bool running;
    bool detached;
    bool joined;
    bool is_goroutine;
    bool joinable;         /* a pthread someone may join */
    uintptr_t pthread_id;  /* its pthread_t (intercepted creation) */
    uintptr_t rdlocks[16]; /* rwlocks this thread holds for reading */
    int nrdlocks;
    uintptr_t stk_lo, stk_hi; /* the OS thread's stack, if known */
    uint64_t perturb_rng;     /* perturb option's xorshift state (0: unseeded) */
    struct gm_thr *next_free; /* registry free list */
} gm_thr;

typedef struct gm_rt {
    gm_options opt;
    _Atomic int inited; /* 0 no, 1 in progress, 2 done */
    unsigned max_slots;
    _Atomic unsigned nslots; /* slots ever handed out: clock lengths */
    uint64_t ring_events;    /* per thread */
    int pid;
    /* statistics, relaxed counters */
    _Atomic uint64_t n_races_found;
    _Atomic uint64_t n_spill;
    _Atomic uint64_t n_spill_evict;
} gm_rt;

extern gm_rt gm_rt_state;
extern __thread gm_thr *gm_rt_cur __attribute__((tls_model("initial-exec")));
extern __thread int gm_rt_busy __attribute__((tls_model("initial-exec")));

/* ---- start-up and thread contexts (thread.c) ---- */
void gm_rt_init(void);
gm_thr *gm_rt_thread_slow(void);                           /* the calling thread's context */
gm_thr *gm_rt_thread_create(uintptr_t pc, bool goroutine); /* by the parent */
/* A goroutine starts on a reused pool-thread stack: drop the shadow and
 * sync objects of the stack below sp (up to 1 MiB), dead to it. */
void gm_rt_fresh_stack_below(uintptr_t sp);
void gm_rt_thread_start(gm_thr *t);   /* in the child */
void gm_rt_thread_finish(void);       /* in the child, at its end */
void gm_rt_thread_join(gm_thr *t);    /* the joiner acquires t */
void gm_rt_thread_discard(gm_thr *t); /* created, never ran */
void gm_rt_thread_set_pthread(gm_thr *t, uintptr_t id, bool detached);
gm_thr *gm_rt_thread_by_pthread(uintptr_t id); /* a joinable one, or NULL */
void gm_rt_fork_prepare(void);
void gm_rt_fork_parent(void);
void gm_rt_fork_child(void);
void rt_shadow_fork_child(void); /* stripe locks back to free */
/* Where the interceptors (intercept.c) call the program's functions; in
 * thread.c, inside the runtime's code, so that stacks leave them out. */
typedef struct gm_rt_start_arg {
    void *(*fn)(void *);
    void *arg;
    gm_thr *ctx;
} gm_rt_start_arg;
void *gm_rt_pthread_trampoline(void *p); /* p: gm_rt_alloc'd, freed here */
extern __thread void (*gm_rt_once_fn)(void) __attribute__((tls_model("initial-exec")));
extern __thread uintptr_t gm_rt_once_ctl __attribute__((tls_model("initial-exec")));
void gm_rt_once_trampoline(void); /* runs gm_rt_once_fn, releases gm_rt_once_ctl */
void gm_rt_mem_fork_child(void);  /* the checker allocator locks */
void gm_rt_thread_detach(gm_thr *t);
gm_thr *gm_rt_slot_owner(unsigned sid); /* registry lock held by caller */
void gm_rt_registry_lock(void);
void gm_rt_registry_unlock(void);
int gm_rt_thread_count(void);

RT_INLINE gm_thr *rt_thr(void)
{
    gm_thr *t = gm_rt_cur;
    if (RT_LIKELY(t != NULL))
        return t;
    return gm_rt_thread_slow();
}

/* ---- clocks and sync objects (sync.c) ---- */
void rt_epoch_tick(gm_thr *t);
void rt_acquire(gm_thr *t, uintptr_t addr);
void rt_release(gm_thr *t, uintptr_t addr);       /* S := T */
void rt_release_merge(gm_thr *t, uintptr_t addr); /* S := S join T */
void rt_release_acquire(gm_thr *t, uintptr_t addr);
void rt_sync_free_range(uintptr_t addr, size_t n); /* drop sync objects */
void rt_vc_join_into_thread(gm_thr *t, const uint64_t *c, unsigned n);
void rt_vc_assign_from_thread(gm_vc *v, const gm_thr *t);
void rt_vc_join_from_thread(gm_vc *v, const gm_thr *t);
void rt_vc_free(gm_vc *v);
size_t rt_sync_count(void);

/* C11 atomics and fences. mo: 0 relaxed, 1 consume, 2 acquire, 3 release,
 * 4 acq_rel, 5 seq_cst (the __tsan_memory_order encoding). */
enum { RT_MO_RELAXED, RT_MO_CONSUME, RT_MO_ACQUIRE, RT_MO_RELEASE, RT_MO_ACQ_REL, RT_MO_SEQ_CST };
/* An atomic operation on addr: begin, do the operation on memory, end.
 * begin returns the locked clock-table bucket when the operation has a
 * clock effect (NULL: a relaxed access with nothing to carry, no lock),
 * so the memory operation and its clock update are one step to every
 * other atomic on addr. end applies the C11 rule for kind and mo (a
 * failed CAS ends as a LOAD with the failure order) and unlocks. A load
 * that begin did not lock calls rt_atomic_load_relock after reading: when
 * it returns a locked bucket (an object appeared meanwhile), the load
 * reads memory again and passes that bucket to end. */
enum { RT_ATOMIC_LOAD, RT_ATOMIC_STORE, RT_ATOMIC_RMW };
void *rt_atomic_begin(gm_thr *t, uintptr_t addr, int kind, int mo);
void *rt_atomic_load_relock(uintptr_t addr);
void rt_atomic_end(gm_thr *t, void *locked, uintptr_t addr, int kind, int mo);
void rt_atomic_fence(gm_thr *t, int mo);

/* ---- shadow memory (shadow.c) ---- */
/* kind: 0 plain write, CELL_READ plain read, | CELL_ATOMIC */
void rt_access(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc);
void rt_access_range(gm_thr *t, uintptr_t addr, size_t size, bool write, uintptr_t pc);
void rt_shadow_reset(uintptr_t addr, size_t size); /* fresh memory */
void rt_shadow_free(gm_thr *t, uintptr_t addr, size_t size, uintptr_t pc);
size_t rt_shadow_bytes(void); /* mapped shadow */

/* ---- history and stacks (history.c) ---- */
/* The runtime's code, [rt_text_lo, rt_text_lo + rt_text_len): set once at
 * start-up by the interceptors when they found it to be one block; 0 len:
 * unknown. Interned stacks lose the runtime's frames at their bottom. */
extern uintptr_t rt_text_lo, rt_text_len;
uint32_t rt_stack_intern(const uintptr_t *pcs, int n); /* 0 for n == 0 */
int rt_stack_get(uint32_t id, uintptr_t *out, int max);
int rt_unwind(uintptr_t *out, int max, int skip); /* return addrs */
/* The callers of the frame that returns to `pc` (the access's own pc):
 * the shadow stack under compiler instrumentation, else an unwind cut at
 * the frame whose return address is pc. Interned. */
uint32_t rt_current_stack(gm_thr *t, uintptr_t pc);
/* [pc] + rt_current_stack, for reports */
void rt_current_rstack(gm_thr *t, uintptr_t pc, gm_rstack *out);
/* Record an access (pc: its own pc; the rest of the stack is
 * rt_current_stack's, recorded when it changed). */
void rt_history_access(gm_thr *t, uintptr_t pc, uintptr_t addr, size_t size, unsigned flags);
/* Find the stack of the access by slot sid at epoch e touching bytes
 * `mask` of granule g. False: overwritten (or never recorded). */
bool rt_history_find(unsigned sid, uint64_t epoch, uintptr_t g, unsigned mask, unsigned flags,
                     gm_rstack *out, uintptr_t *addr, size_t *size);

/* The history's common case inline: an access under an unchanged
 * compiler-instrumented stack (the stack event is already in the ring). */
#define RT_EV_PC_MASK   ((1ull << 47) - 1)
#define RT_EV_ADDR_MASK ((1ull << 48) - 1)

RT_INLINE void rt_history_access_inline(gm_thr *t, uintptr_t pc, uintptr_t addr, size_t size,
                                        unsigned flags)
{
    if (RT_LIKELY(t->shdepth > 0 && !t->stack_dirty && t->shstk_id == t->last_stack &&
                  size <= 511 && !(flags & (EVF_FREE | EVF_ALLOC)))) {
        uint64_t pos = atomic_load_explicit(&t->ring_pos, memory_order_relaxed);
        if (RT_LIKELY(pos - t->last_stack_pos <= t->ring_mask / 2)) {
            gm_ev *e = &t->ring[pos & t->ring_mask];
            __atomic_store_n(&e->w0,
                             (uint64_t)EV_ACCESS << 60 | (uint64_t)flags << 56 |
                                 (uint64_t)size << 47 | (pc & RT_EV_PC_MASK),
                             __ATOMIC_RELAXED);
            __atomic_store_n(&e->w1, (t->epoch & 0xffff) << 48 | (addr & RT_EV_ADDR_MASK),
                             __ATOMIC_RELAXED);
            /* release: pairs with the acquire load of a report's scan */
            atomic_store_explicit(&t->ring_pos, pos + 1, memory_order_release);
            return;
        }
    }
    rt_history_access(t, pc, addr, size, flags);
}

/* ---- heap blocks, for "Location is heap block" ----
 * The allocator tells where blocks start (a finder it registers); the
 * allocation itself is an EVF_ALLOC event in the allocating thread's
 * history (no per-block memory). */
typedef bool (*gm_rt_block_finder)(uintptr_t addr, uintptr_t *start, size_t *size);
extern gm_rt_block_finder gm_rt_finder;
bool rt_history_block(uintptr_t addr, bool containing, gm_rlocation *loc); /* reg_lock */

/* ---- races (race.c) ---- */
void rt_report_race(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc,
                    cell_t prev, uintptr_t granule, bool cur_is_free);
void rt_fill_thread(gm_rthread *out, gm_thr *t);
void rt_benign_add(uintptr_t addr, size_t n); /* AnnotateBenignRaceSized */

/* a tiny spin lock for the checker's short critical sections */
typedef struct rt_spin {
    _Atomic int v;
} rt_spin;
RT_INLINE void rt_spin_lock(rt_spin *l)
{
    for (;;) {
        if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return;
        while (atomic_load_explicit(&l->v, memory_order_relaxed))
            __builtin_ia32_pause();
    }
}
RT_INLINE void rt_spin_unlock(rt_spin *l)
{
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

#pragma GCC visibility pop

#endif /* GOMM_CHECKER_RT_H */
