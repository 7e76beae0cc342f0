/*
 * checker/shadow_inl.h — the shadow's fast path, inline in the compiler
 * ABI's entry points (abi.c) and in shadow.c (the model and the rules are
 * in rt.h and shadow.c's header comment). Only the single-granule case is
 * inline; ranges and the locked multi-cell path are out of line.
 */
#ifndef GOMM_CHECKER_SHADOW_INL_H
#define GOMM_CHECKER_SHADOW_INL_H

#include "rt.h"

#pragma GCC visibility push(hidden)

#define REGION_SHIFT 24
#define L1_ENTRIES   (1ull << (47 - REGION_SHIFT))
#define REGION_CELLS ((1ull << REGION_SHIFT) / 8 * 2)
#define REGION_BYTES (REGION_CELLS * sizeof(cell_t))
#define NSTRIPES     4096
#define SPILL_MAX    64

typedef _Atomic(_Atomic cell_t *) l1_entry;
extern _Atomic(l1_entry *) gm_rt_l1;
extern rt_spin gm_rt_stripes[NSTRIPES];
_Atomic cell_t *rt_region_alloc(uintptr_t r);

/* The two cells of the granule holding a; NULL above the user space. */
RT_INLINE _Atomic cell_t *shadow_of(uintptr_t a)
{
    uintptr_t r = a >> REGION_SHIFT;
    if (RT_UNLIKELY(r >= L1_ENTRIES))
        return NULL;
    l1_entry *tab = atomic_load_explicit(&gm_rt_l1, memory_order_acquire);
    _Atomic cell_t *base = tab ? atomic_load_explicit(&tab[r], memory_order_acquire) : NULL;
    if (RT_UNLIKELY(!base))
        base = rt_region_alloc(r);
    return base + ((a & ((1ull << REGION_SHIFT) - 1)) >> 3) * 2;
}

RT_INLINE rt_spin *stripe_of(uintptr_t g)
{
    uint64_t h = (g >> 3) * 0x9E3779B97F4A7C15ull;
    return &gm_rt_stripes[h >> (64 - 12)];
}

RT_INLINE bool cell_hb(const gm_thr *t, cell_t c)
{
    unsigned s = cell_sid(c);
    return s == t->sid || t->clk[s] >= cell_epoch(c);
}

/* Does the stored cell c race with the new access cur of thread t? */
RT_INLINE bool cell_races(const gm_thr *t, cell_t c, cell_t cur)
{
    if (!(cell_mask(c) & cell_mask(cur)))
        return false;
    if (!cell_is_write(c) && !cell_is_write(cur))
        return false;
    if (cell_is_atomic(c) && cell_is_atomic(cur))
        return false;
    if ((cell_is_atomic(c) || cell_is_atomic(cur)) && !gm_rt_state.opt.report_atomic_races)
        return false;
    return !cell_hb(t, c);
}

/* cur need not be stored: c is the same thread's access in the same epoch
 * and already covers it. */
RT_INLINE bool cell_covers(const gm_thr *t, cell_t c, cell_t cur)
{
    return c && !(c & CELL_SPILL) && cell_sid(c) == t->sid && cell_epoch(c) == t->epoch &&
           cell_dominates(c, cur);
}

typedef struct race_found {
    cell_t prev;
    bool found;
} race_found;

bool rt_access_slow(gm_thr *t, _Atomic cell_t *g, uintptr_t gaddr, cell_t cur, race_found *rf);
void rt_report_found(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc,
                     const race_found *rf, uintptr_t gaddr);

/* The locked path: any number of cells. */
/* Check and record one granule. True when the shadow changed (the access
 * goes into the history). */
/* c is this thread's access of the same kind in the same epoch: cur can
 * join it (a union of byte masks). Exact: a later access races with the
 * union iff it races with one of the two. Keeps byte-by-byte loops from
 * filling a granule with one cell per byte. */
RT_INLINE bool cell_mergeable(const gm_thr *t, cell_t c, cell_t cur)
{
    const cell_t same = ~(cell_t)0xff & ~CELL_SPILL;
    return c && !(c & CELL_SPILL) && (c & same) == (cur & same) && cell_sid(c) == t->sid;
}

RT_INLINE bool rt_access_granule(gm_thr *t, _Atomic cell_t *g, uintptr_t gaddr, cell_t cur,
                                 race_found *rf)
{
    cell_t c0 = atomic_load_explicit(&g[0], memory_order_relaxed);
    cell_t c1 = atomic_load_explicit(&g[1], memory_order_relaxed);
    if (RT_LIKELY(cell_covers(t, c0, cur)))
        return false; /* FastTrack's same-epoch case */
    if (c1 == 0) {
        if (c0 == 0) {
            atomic_store_explicit(&g[0], cur, memory_order_relaxed);
            return true;
        }
        if (RT_UNLIKELY(cell_races(t, c0, cur)) && !rf->found) {
            rf->found = true;
            rf->prev = c0;
        }
        if (cell_mergeable(t, c0, cur)) {
            atomic_store_explicit(&g[0], c0 | cell_mask(cur), memory_order_relaxed);
            return true;
        }
        if (cell_hb(t, c0) && cell_dominates(cur, c0)) {
            atomic_store_explicit(&g[0], cur, memory_order_relaxed);
            return true;
        }
        cell_t zero = 0;
        if (atomic_compare_exchange_strong_explicit(&g[1], &zero, cur, memory_order_relaxed,
                                                    memory_order_relaxed))
            return true;
    } else if (!(c1 & CELL_SPILL)) {
        /* two cells: the common read-after-write shape; stay lock-free
         * when cur replaces one or both of them */
        if (cell_covers(t, c1, cur))
            return false;
        if (!rf->found) {
            if (c0 && cell_races(t, c0, cur)) {
                rf->found = true;
                rf->prev = c0;
            } else if (cell_races(t, c1, cur)) {
                rf->found = true;
                rf->prev = c1;
            }
        }
        if (cell_mergeable(t, c0, cur)) {
            atomic_store_explicit(&g[0], c0 | cell_mask(cur), memory_order_relaxed);
            return true;
        }
        if (cell_mergeable(t, c1, cur) &&
            atomic_compare_exchange_strong_explicit(&g[1], &c1, c1 | cell_mask(cur),
                                                    memory_order_relaxed, memory_order_relaxed))
            return true;
        bool d0 = !c0 || (cell_hb(t, c0) && cell_dominates(cur, c0));
        bool d1 = cell_hb(t, c1) && cell_dominates(cur, c1);
        if (d0 && d1) {
            if (atomic_compare_exchange_strong_explicit(&g[1], &c1, 0, memory_order_relaxed,
                                                        memory_order_relaxed)) {
                atomic_store_explicit(&g[0], cur, memory_order_relaxed);
                return true;
            }
        } else if (d0) {
            atomic_store_explicit(&g[0], cur, memory_order_relaxed);
            return true;
        } else if (d1) {
            if (atomic_compare_exchange_strong_explicit(&g[1], &c1, cur, memory_order_relaxed,
                                                        memory_order_relaxed))
                return true;
        }
    }
    return rt_access_slow(t, g, gaddr, cur, rf);
}

RT_INLINE unsigned history_flags(uint64_t kind)
{
    unsigned f = 0;
    if (!(kind & CELL_READ))
        f |= EVF_WRITE;
    if (kind & CELL_ATOMIC)
        f |= EVF_ATOMIC;
    if (kind & CELL_FREED)
        f |= EVF_FREE;
    return f;
}

/* One access: inline when it stays in one granule. */
RT_INLINE void rt_access_inline(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc)
{
    unsigned off = (unsigned)(addr & 7);
    if (RT_UNLIKELY(off + size > 8 || size == 0)) {
        if (size == 16 && off == 0) { /* a vector: two whole granules */
            race_found rf = {0, false};
            uintptr_t race_g = 0;
            bool changed = false;
            for (uintptr_t a = addr; a < addr + 16; a += 8) {
                _Atomic cell_t *g = shadow_of(a);
                if (RT_UNLIKELY(!g))
                    return;
                bool had = rf.found;
                changed |= rt_access_granule(t, g, a, cell_make(t->sid, t->epoch, 0xff, kind), &rf);
                if (rf.found && !had)
                    race_g = a;
            }
            if (changed) /* first: a report can be slow */
                rt_history_access_inline(t, pc, addr, size, history_flags(kind));
            if (RT_UNLIKELY(rf.found))
                rt_report_found(t, addr, size, kind, pc, &rf, race_g);
            return;
        }
        rt_access(t, addr, size, kind, pc);
        return;
    }
    _Atomic cell_t *g = shadow_of(addr);
    if (RT_UNLIKELY(!g))
        return;
    unsigned mask = (unsigned)(((1u << size) - 1) << off);
    cell_t cur = cell_make(t->sid, t->epoch, mask, kind);
    race_found rf = {0, false};
    bool changed = rt_access_granule(t, g, addr & ~(uintptr_t)7, cur, &rf);
    if (changed) /* first: a report can be slow */
        rt_history_access_inline(t, pc, addr, size, history_flags(kind));
    if (RT_UNLIKELY(rf.found))
        rt_report_found(t, addr, size, kind, pc, &rf, addr & ~(uintptr_t)7);
}

#pragma GCC visibility pop

#endif
