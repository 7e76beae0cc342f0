/*
 * checker/shadow.c — shadow memory for any application address, and the
 * FastTrack access check (the model is described in rt.h).
 *
 * Layout: a two-level table, no fixed address reservation. The first
 * level has one pointer per 16 MiB of the 47-bit user address space (2^23
 * entries, mapped MAP_NORESERVE: only pages that are used become
 * resident); each second-level block holds the shadow of one 16 MiB region
 * (2 cells of 8 B per 8-byte granule: 32 MiB of address space, NORESERVE,
 * resident only where the application touches memory). So shadow costs 2x
 * the application memory it covers, with no 32 TB reservation that a
 * kernel with high mmap randomization or strict overcommit could refuse.
 *
 * Memory orders: first-level pointers are installed by CAS (release) and
 * read with acquire (pairs with it: the block is mapped before it is
 * published). Cells are relaxed atomics (see rt.h for why lost updates are
 * harmless). Spill blocks are owned by the stripe lock of their granule.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "mem.h"
#include "rt.h"
#include "shadow_inl.h"

_Atomic(l1_entry *) gm_rt_l1;
rt_spin gm_rt_stripes[NSTRIPES];
static _Atomic size_t nregions;

typedef struct spill {
    uint32_t n, cap;
    cell_t c[];
} spill;

static void shadow_init_once(void)
{
    static rt_spin init_lock;
    rt_spin_lock(&init_lock);
    if (!atomic_load_explicit(&gm_rt_l1, memory_order_relaxed))
        atomic_store_explicit(&gm_rt_l1, gm_rt_map(L1_ENTRIES * sizeof(void *)),
                              memory_order_release);
    rt_spin_unlock(&init_lock);
}

RT_NOINLINE _Atomic cell_t *rt_region_alloc(uintptr_t r)
{
    if (!atomic_load_explicit(&gm_rt_l1, memory_order_acquire))
        shadow_init_once();
    l1_entry *tab = atomic_load_explicit(&gm_rt_l1, memory_order_acquire);
    _Atomic cell_t *cur = atomic_load_explicit(&tab[r], memory_order_acquire);
    if (cur)
        return cur;
    _Atomic cell_t *fresh = gm_rt_map(REGION_BYTES);
    if (atomic_compare_exchange_strong_explicit(&tab[r], &cur, fresh, memory_order_acq_rel,
                                                memory_order_acquire)) {
        atomic_fetch_add_explicit(&nregions, 1, memory_order_relaxed);
        return fresh;
    }
    gm_rt_unmap((void *)fresh, REGION_BYTES);
    return cur;
}

/* The shadow of a if it exists, without creating it. */
static _Atomic cell_t *shadow_peek(uintptr_t a)
{
    uintptr_t r = a >> REGION_SHIFT;
    if (r >= L1_ENTRIES)
        return NULL;
    l1_entry *tab = atomic_load_explicit(&gm_rt_l1, memory_order_acquire);
    _Atomic cell_t *base = tab ? atomic_load_explicit(&tab[r], memory_order_acquire) : NULL;
    if (!base)
        return NULL;
    return base + ((a & ((1ull << REGION_SHIFT) - 1)) >> 3) * 2;
}

size_t rt_shadow_bytes(void)
{
    return atomic_load_explicit(&nregions, memory_order_relaxed) * REGION_BYTES;
}

RT_NOINLINE bool rt_access_slow(gm_thr *t, _Atomic cell_t *g, uintptr_t gaddr, cell_t cur,
                                race_found *rf)
{
    rt_spin *l = stripe_of(gaddr);
    cell_t buf[SPILL_MAX + 2];
    int n = 0;
    rt_spin_lock(l);
    cell_t c0 = atomic_load_explicit(&g[0], memory_order_relaxed);
    cell_t c1 = atomic_load_explicit(&g[1], memory_order_relaxed);
    spill *sp = NULL;
    if (c0)
        buf[n++] = c0;
    if (c1 & CELL_SPILL) {
        sp = (spill *)(uintptr_t)(c1 & ~CELL_SPILL);
        for (uint32_t i = 0; i < sp->n; i++)
            buf[n++] = sp->c[i];
    } else if (c1) {
        buf[n++] = c1;
    }
    bool store = true;
    int m = 0;
    for (int i = 0; i < n; i++) {
        cell_t c = buf[i];
        if (cell_covers(t, c, cur))
            store = false;
        if (!rf->found && cell_races(t, c, cur)) {
            rf->found = true;
            rf->prev = c;
        }
        /* drop what cur makes redundant: the bytes of an access that
         * happens before cur and whose kind cur covers (a later access that
         * races with those bytes of c races with cur) */
        if (store && cell_hb(t, c) && cell_kind_dominates(cur, c)) {
            unsigned left = cell_mask(c) & ~cell_mask(cur);
            if (!left)
                continue;
            c = (c & ~(cell_t)0xff) | left;
        }
        buf[m++] = c;
    }
    if (!store) {
        rt_spin_unlock(l);
        return false;
    }
    for (int i = 0; i < m; i++)
        if (cell_mergeable(t, buf[i], cur)) { /* join it: no new cell */
            cur = buf[i] | cell_mask(cur);
            buf[i] = buf[--m];
            break;
        }
    if (m == SPILL_MAX + 1) {
        /* full: forget the oldest non-write cell after the first (reads are
         * what pile up); a forgotten access can hide a race, never make one */
        int victim = 1;
        for (int i = 1; i < m; i++)
            if (!cell_is_write(buf[i])) {
                victim = i;
                break;
            }
        memmove(&buf[victim], &buf[victim + 1], (size_t)(m - victim - 1) * sizeof(cell_t));
        m--;
        atomic_fetch_add_explicit(&gm_rt_state.n_spill_evict, 1, memory_order_relaxed);
    }
    buf[m++] = cur;
    cell_t n1;
    if (m <= 2) {
        n1 = m == 2 ? buf[1] : 0;
        if (sp)
            gm_rt_free(sp, sizeof(spill) + sp->cap * sizeof(cell_t));
    } else {
        uint32_t need = (uint32_t)(m - 1);
        if (!sp || sp->cap < need) {
            uint32_t cap = sp ? sp->cap * 2 : 4;
            while (cap < need)
                cap *= 2;
            if (cap > SPILL_MAX)
                cap = SPILL_MAX;
            if (sp)
                gm_rt_free(sp, sizeof(spill) + sp->cap * sizeof(cell_t));
            else
                atomic_fetch_add_explicit(&gm_rt_state.n_spill, 1, memory_order_relaxed);
            sp = gm_rt_alloc(sizeof(spill) + cap * sizeof(cell_t));
            sp->cap = cap;
        }
        sp->n = need;
        memcpy(sp->c, &buf[1], need * sizeof(cell_t));
        n1 = CELL_SPILL | (cell_t)(uintptr_t)sp;
    }
    atomic_store_explicit(&g[0], buf[0], memory_order_relaxed);
    atomic_store_explicit(&g[1], n1, memory_order_relaxed);
    rt_spin_unlock(l);
    return true;
}

RT_NOINLINE void rt_report_found(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind,
                                 uintptr_t pc, const race_found *rf, uintptr_t gaddr)
{
    atomic_fetch_add_explicit(&gm_rt_state.n_races_found, 1, memory_order_relaxed);
    rt_report_race(t, addr, size, kind, pc, rf->prev, gaddr, (kind & CELL_FREED) != 0);
}

static void access_range_kind(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc);

void rt_access(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc)
{
    uintptr_t gaddr = addr & ~(uintptr_t)7;
    unsigned off = (unsigned)(addr & 7);
    if (RT_UNLIKELY(off + size > 8 || size == 0)) {
        if (size == 0)
            return;
        access_range_kind(t, addr, size, kind, pc); /* keeps atomic */
        return;
    }
    _Atomic cell_t *g = shadow_of(addr);
    if (RT_UNLIKELY(!g))
        return;
    unsigned mask = (unsigned)(((1u << size) - 1) << off);
    cell_t cur = cell_make(t->sid, t->epoch, mask, kind);
    race_found rf = {0, false};
    bool changed = rt_access_granule(t, g, gaddr, cur, &rf);
    if (changed) /* first: a report can be slow */
        rt_history_access(t, pc, addr, size, history_flags(kind));
    if (RT_UNLIKELY(rf.found))
        rt_report_found(t, addr, size, kind, pc, &rf, gaddr);
}

/* A range access, granule by granule; one report at most (the first). */
static void access_range_kind(gm_thr *t, uintptr_t addr, size_t size, uint64_t kind, uintptr_t pc)
{
    if (size == 0)
        return;
    uintptr_t end = addr + size;
    race_found rf = {0, false};
    uintptr_t race_g = 0;
    bool changed = false;
    for (uintptr_t a = addr; a < end;) {
        uintptr_t gaddr = a & ~(uintptr_t)7;
        uintptr_t gend = gaddr + 8 < end ? gaddr + 8 : end;
        unsigned lo = (unsigned)(a & 7), hi = (unsigned)((gend - 1) & 7);
        unsigned mask = ((2u << hi) - 1) & ~((1u << lo) - 1);
        _Atomic cell_t *g = shadow_of(a);
        if (!g)
            break;
        bool had = rf.found;
        changed |= rt_access_granule(t, g, gaddr, cell_make(t->sid, t->epoch, mask, kind), &rf);
        if (rf.found && !had)
            race_g = gaddr;
        a = gend;
    }
    if (changed) /* first: a report can be slow */
        rt_history_access(t, pc, addr, size, history_flags(kind));
    if (rf.found)
        rt_report_found(t, addr, size, kind, pc, &rf, race_g);
}

void rt_access_range(gm_thr *t, uintptr_t addr, size_t size, bool write, uintptr_t pc)
{
    access_range_kind(t, addr, size, write ? 0 : CELL_READ, pc);
}

/* A free checks and marks at most this much of a block: past it, the
 * shadow is only reset (a free of 64 MiB would otherwise touch 128 MiB of
 * shadow). Races with the tail of a huge block at its free go unseen. */
#define FREE_CHECK_MAX ((size_t)256 << 10)

void rt_shadow_free(gm_thr *t, uintptr_t addr, size_t size, uintptr_t pc)
{
    if (size > FREE_CHECK_MAX) {
        rt_shadow_reset(addr + FREE_CHECK_MAX, size - FREE_CHECK_MAX);
        size = FREE_CHECK_MAX;
    }
    /* free() is a write to the whole block; what it leaves are freed
     * cells, so a later unordered access is a use-after-free race */
    access_range_kind(t, addr, size, CELL_FREED, pc);
}

/* A reset gives whole shadow pages back to the kernel (MADV_DONTNEED)
 * only from this many shadow bytes on: 128 KiB of application memory
 * (glibc's default mmap threshold; TSan's clear_shadow_mmap_threshold is
 * 64 KiB, which a 64 KiB malloc block just exceeds). Below it, storing
 * zeros is cheaper than the madvise (a TLB shootdown on every CPU the
 * process ran on) and the page faults of the block's next use. */
#define RESET_MADVISE_MIN ((size_t)256 << 10)

/* Forget the spill block of one granule, if any (under its stripe). */
static void drop_spill(_Atomic cell_t *g, uintptr_t gaddr)
{
    rt_spin *l = stripe_of(gaddr);
    rt_spin_lock(l);
    cell_t c1 = atomic_load_explicit(&g[1], memory_order_relaxed);
    if (c1 & CELL_SPILL) {
        spill *sp = (spill *)(uintptr_t)(c1 & ~CELL_SPILL);
        atomic_store_explicit(&g[1], 0, memory_order_relaxed);
        gm_rt_free(sp, sizeof(spill) + sp->cap * sizeof(cell_t));
    }
    rt_spin_unlock(l);
}

void rt_shadow_reset(uintptr_t addr, size_t size)
{
    uintptr_t a = addr & ~(uintptr_t)7;
    uintptr_t end = (addr + size + 7) & ~(uintptr_t)7;
    bool any_spill = atomic_load_explicit(&gm_rt_state.n_spill, memory_order_relaxed) != 0;
    while (a < end) {
        /* one region at a time */
        uintptr_t rend = (a | ((1ull << REGION_SHIFT) - 1)) + 1;
        if (rend > end)
            rend = end;
        _Atomic cell_t *g = shadow_peek(a);
        if (g) {
            size_t ncells = (rend - a) / 8 * 2;
            if (any_spill)
                for (size_t i = 0; i < ncells; i += 2)
                    if (atomic_load_explicit(&g[i + 1], memory_order_relaxed) & CELL_SPILL)
                        drop_spill(&g[i], a + i / 2 * 8);
            size_t bytes = ncells * sizeof(cell_t);
            char *p = (char *)g;
            if (bytes >= RESET_MADVISE_MIN) {
                /* whole pages back to the kernel: zero and not resident */
                char *lo = (char *)(((uintptr_t)p + 4095) & ~(uintptr_t)4095);
                char *hi = (char *)(((uintptr_t)p + bytes) & ~(uintptr_t)4095);
                for (char *q = p; q < lo; q += sizeof(cell_t))
                    atomic_store_explicit((_Atomic cell_t *)q, 0, memory_order_relaxed);
                madvise(lo, (size_t)(hi - lo), MADV_DONTNEED);
                for (char *q = hi; q < p + bytes; q += sizeof(cell_t))
                    atomic_store_explicit((_Atomic cell_t *)q, 0, memory_order_relaxed);
            } else {
                for (size_t i = 0; i < ncells; i++)
                    atomic_store_explicit(&g[i], 0, memory_order_relaxed);
            }
        }
        a = rend;
    }
}

void rt_shadow_fork_child(void)
{
    for (size_t i = 0; i < NSTRIPES; i++)
        atomic_store_explicit(&gm_rt_stripes[i].v, 0, memory_order_relaxed);
}
