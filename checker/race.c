/*
 * checker/race.c — the race checker's entry points: gomm/race.h, the
 * hooks the allocator and sync library call in the race build, and the
 * assembly of a report from what the engine found.
 *
 * Every entry point works on the calling thread's context (rt_thr) and
 * does nothing while the thread is inside the checker (t->ignore), so the
 * checker's own work (reports, symbolization, which may allocate) is never
 * checked. The access pc handed to the engine is the entry point's return
 * address: the application's call site.
 *
 * Reports: rt_report_race runs with no checker lock held. A small filter
 * (a table of current-pc/previous-slot pairs, relaxed atomics, lossy)
 * skips repeats of a race already being reported, so a racy loop does not
 * replay histories a million times; the report module does the exact
 * deduplication by source locations.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <gomm/race.h>

#include "../alloc/race_hooks.h"
#include "rt.h"

#define ENTRY_PC ((uintptr_t)__builtin_return_address(0))

gm_rt_block_finder gm_rt_finder;

__attribute__((constructor(101))) static void race_ctor(void)
{
    gm_rt_init();
}

bool gm_race_enabled(void)
{
    return true;
}

/* The kind of a plain access of n bytes at addr: the engine splits what
 * crosses a granule. */
static void plain_access(const void *addr, size_t n, uint64_t kind, uintptr_t pc)
{
    gm_thr *t = rt_thr();
    if (RT_UNLIKELY(t->ignore))
        return;
    rt_access(t, (uintptr_t)addr, n, kind, pc);
}

void gm_race_read(const void *addr, size_t n)
{
    plain_access(addr, n, CELL_READ, ENTRY_PC);
}

void gm_race_write(const void *addr, size_t n)
{
    plain_access(addr, n, 0, ENTRY_PC);
}

void gm_race_read_pc(const void *p, size_t n, uintptr_t pc)
{
    plain_access(p, n, CELL_READ, pc);
}

/* ---- scheduling perturbation (option perturb) ----
 * At gomm's sync points (the hooks below, which channels, select, mutex,
 * once, waitgroup and gm_go call), perturb per mille of the calls first
 * yield the CPU or spin a random while, so that repeated runs try other
 * interleavings. Each context draws from its own xorshift64 state seeded
 * from perturb_seed (or the clock) and its tid: no shared state but the
 * seed, published once with a relaxed CAS (any winner is a fine seed). */
static _Atomic uint64_t perturb_base;

static __attribute__((noinline)) void perturb_slow(gm_thr *t)
{
    uint64_t x = t->perturb_rng;
    if (!x) {
        uint64_t b = atomic_load_explicit(&perturb_base, memory_order_relaxed);
        if (!b) {
            uint64_t s = (uint64_t)gm_rt_state.opt.perturb_seed;
            if (!s) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)getpid();
            }
            b = s * 0x9E3779B97F4A7C15ull | 1;
            uint64_t exp = 0;
            if (!atomic_compare_exchange_strong_explicit(
                    &perturb_base, &exp, b, memory_order_relaxed, memory_order_relaxed))
                b = exp;
        }
        x = b ^ ((uint64_t)(t->tid + 1) * 0xD1B54A32D192ED03ull);
        if (!x)
            x = 1;
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->perturb_rng = x;
    uint64_t r = x * 0x2545F4914F6CDD1Dull;
    if ((r >> 40) % 1000 >= (uint64_t)gm_rt_state.opt.perturb)
        return;
    if ((r & 3) == 0) {
        sched_yield();
    } else {
        for (unsigned i = (unsigned)((r >> 8) & 1023); i; i--)
            __builtin_ia32_pause();
    }
}

static inline void perturb(gm_thr *t)
{
    if (RT_UNLIKELY(gm_rt_state.opt.perturb != 0))
        perturb_slow(t);
}

void gm_race_acquire(const void *a)
{
    gm_thr *t = rt_thr();
    perturb(t);
    if (!t->ignore)
        rt_acquire(t, (uintptr_t)a);
}

void gm_race_release(const void *a)
{
    gm_thr *t = rt_thr();
    perturb(t);
    if (!t->ignore)
        rt_release(t, (uintptr_t)a);
}

void gm_race_release_merge(const void *a)
{
    gm_thr *t = rt_thr();
    perturb(t);
    if (!t->ignore)
        rt_release_merge(t, (uintptr_t)a);
}

void gm_race_release_acquire(const void *a)
{
    gm_thr *t = rt_thr();
    perturb(t);
    if (!t->ignore)
        rt_release_acquire(t, (uintptr_t)a);
}

/* For a parked goroutine (its clock is not in use while it sleeps; the
 * wake-up that follows orders this before its next step). */
void *gm_race_current_ctx(void)
{
    return rt_thr();
}

void gm_race_release_acquire_ctx(void *ctx, const void *a)
{
    gm_thr *t = ctx;
    if (t && !rt_thr()->ignore)
        rt_release_acquire(t, (uintptr_t)a);
}

/* ---- goroutines (sync/go.c) ---- */

void *gm_race_go_create(uintptr_t pc)
{
    return gm_rt_thread_create(pc, true);
}

void gm_race_go_start(void *ctx)
{
    if (ctx) {
        /* the caller's stack pointer at this call: the goroutine's frames
         * will be below it (frame pointers are kept in the runtime) */
        gm_rt_fresh_stack_below((uintptr_t)__builtin_frame_address(0) + 2 * sizeof(void *));
        gm_rt_thread_start(ctx);
        perturb(ctx);
    }
}

void gm_race_go_end(void)
{
    gm_rt_thread_finish();
}

void gm_race_go_discard(void *ctx)
{
    if (ctx)
        gm_rt_thread_discard(ctx);
}

/* ---- the allocator (alloc/malloc.c) ---- */

void gm_race_set_block_finder(gm_rt_block_finder f)
{
    gm_rt_finder = f;
}

void gm_race_alloc_hook(void *p, size_t req, size_t usable, uintptr_t pc)
{
    gm_thr *t = rt_thr();
    rt_shadow_reset((uintptr_t)p, usable);
    if (t->ignore)
        return;
    rt_history_access(t, pc, (uintptr_t)p, req, EVF_ALLOC | EVF_WRITE);
}

void gm_race_free_hook(void *p, size_t usable, uintptr_t pc)
{
    gm_thr *t = rt_thr();
    rt_sync_free_range((uintptr_t)p, usable);
    if (t->ignore) {
        rt_shadow_reset((uintptr_t)p, usable);
        return;
    }
    rt_shadow_free(t, (uintptr_t)p, usable, pc);
}

/* ---- reports ---- */

#define FILTER_SIZE 1024
static _Atomic uint64_t filter[FILTER_SIZE];

/* True when (pc, previous slot, kinds) was already reported: skip. */
static bool filter_seen(uintptr_t pc, cell_t prev, uint64_t kind)
{
    uint64_t key = (uint64_t)pc ^ ((uint64_t)cell_sid(prev) << 47) ^
                   ((prev & (CELL_READ | CELL_ATOMIC | CELL_FREED)) << 50) ^
                   ((kind & (CELL_READ | CELL_ATOMIC | CELL_FREED)) << 54);
    key |= 1; /* never 0 (empty) */
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    _Atomic uint64_t *slot = &filter[h >> (64 - 10)];
    if (atomic_load_explicit(slot, memory_order_relaxed) == key)
        return true;
    atomic_store_explicit(slot, key, memory_order_relaxed);
    return false;
}

static unsigned cell_flags(cell_t c)
{
    unsigned f = 0;
    if (cell_is_write(c))
        f |= EVF_WRITE;
    if (cell_is_atomic(c))
        f |= EVF_ATOMIC;
    if (c & CELL_FREED)
        f |= EVF_FREE;
    return f;
}

/* Where addr is: a thread's stack, else a heap block; reg_lock held. */
static void locate(uintptr_t addr, gm_rlocation *loc)
{
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_acquire);
    for (unsigned s = 0; s < n; s++) {
        gm_thr *o = gm_rt_slot_owner(s);
        if (o && o->running && !o->is_goroutine && addr >= o->stk_lo && addr < o->stk_hi) {
            loc->kind = GM_LOC_STACK;
            loc->tid = o->tid;
            return;
        }
    }
    uintptr_t start;
    size_t size;
    if (gm_rt_finder && gm_rt_finder(addr, &start, &size)) {
        if (!rt_history_block(start, false, loc)) {
            loc->kind = GM_LOC_HEAP;
            loc->start = start;
            loc->size = size;
            loc->tid = -1;
            loc->stack.n = 0;
            loc->stack.lost = true;
        }
        return;
    }
    /* a malloc block (intercepted): only the histories know its start */
    rt_history_block(addr, true, loc);
}

/* Ranges declared benign (AnnotateBenignRaceSized): never reported. */
#define BENIGN_MAX 256
static rt_spin benign_lock;
static uintptr_t benign_lo[BENIGN_MAX], benign_hi[BENIGN_MAX];
static _Atomic int nbenign;

void rt_benign_add(uintptr_t addr, size_t n)
{
    rt_spin_lock(&benign_lock);
    int k = atomic_load_explicit(&nbenign, memory_order_relaxed);
    if (k < BENIGN_MAX) {
        benign_lo[k] = addr;
        benign_hi[k] = addr + (n ? n : 1);
        atomic_store_explicit(&nbenign, k + 1, memory_order_relaxed);
    }
    rt_spin_unlock(&benign_lock);
}

static bool benign(uintptr_t addr, size_t size)
{
    if (!atomic_load_explicit(&nbenign, memory_order_relaxed))
        return false;
    bool hit = false;
    rt_spin_lock(&benign_lock);
    int k = atomic_load_explicit(&nbenign, memory_order_relaxed);
    for (int i = 0; i < k && !hit; i++)
        hit = addr < benign_hi[i] && addr + size > benign_lo[i];
    rt_spin_unlock(&benign_lock);
    return hit;
}

void rt_report_race(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc,
                    cell_t prev, uintptr_t g, bool cur_is_free)
{
    if (t->ignore || benign(addr, size))
        return;
    if (filter_seen(pc, prev, kind))
        return;
    t->ignore++;
    static __thread gm_report r; /* 4 KiB: off the (goroutine) stack */
    r = (gm_report){0};
    r.type = (prev & CELL_FREED) ? GM_REPORT_USE_AFTER_FREE : GM_REPORT_RACE;
    r.cur.addr = addr;
    r.cur.size = size;
    r.cur.write = !(kind & CELL_READ);
    r.cur.atomic = (kind & CELL_ATOMIC) != 0;
    r.cur.is_free = cur_is_free;
    r.cur.tid = t->tid;
    rt_current_rstack(t, pc, &r.cur.stack);

    unsigned psid = cell_sid(prev);
    uint64_t pepoch = cell_epoch(prev);
    unsigned pmask = cell_mask(prev);
    r.prev.write = cell_is_write(prev);
    r.prev.atomic = cell_is_atomic(prev);
    r.prev.is_free = (prev & CELL_FREED) != 0;
    r.prev.addr = g + (uintptr_t)__builtin_ctz(pmask);
    r.prev.size = (size_t)__builtin_popcount(pmask);

    gm_rt_registry_lock();
    gm_thr *o = gm_rt_slot_owner(psid);
    bool known = o && pepoch >= o->first_epoch;
    uintptr_t paddr;
    size_t psize;
    /* The other thread stores the cell first and its history event right
     * after: a report can see the cell before the event. A running owner
     * gets a moment to catch up (reports are rare). */
    bool found = false;
    for (int tries = 0; tries < 200; tries++) {
        found = rt_history_find(psid, pepoch, g, pmask, cell_flags(prev), &r.prev.stack, &paddr,
                                &psize);
        if (found || !known || !o->running)
            break;
        gm_rt_registry_unlock();
        sched_yield();
        gm_rt_registry_lock();
        o = gm_rt_slot_owner(psid);
        known = o && pepoch >= o->first_epoch;
    }
    if (found) {
        if (!r.prev.is_free) {
            r.prev.addr = paddr;
            r.prev.size = psize;
        }
    } else {
        r.prev.stack.n = 0;
        r.prev.stack.lost = true;
    }
    r.prev.tid = known ? o->tid : -1;
    rt_fill_thread(&r.threads[0], t);
    r.nthreads = 1;
    if (known && o != t)
        rt_fill_thread(&r.threads[r.nthreads++], o);
    locate(addr, &r.loc);
    if (r.loc.kind == GM_LOC_HEAP && r.prev.is_free) {
        r.prev.addr = r.loc.start;
        r.prev.size = r.loc.size;
    }
    gm_rt_registry_unlock();

    gm_report_emit(&r);
    t->ignore--;
}
