/*
 * checker/history.c — stacks and per-thread access history.
 *
 * Stack depot: call stacks (arrays of return addresses, innermost first)
 * are interned once and named by a 32-bit id. Lock-free: a new stack is
 * published in the by-id array with a release store and pushed on its
 * hash bucket with a CAS (release); readers load both with acquire. Two
 * threads interning the same new stack at once may get two ids for it,
 * which is harmless. Stacks are never freed (distinct stacks are few).
 *
 * History: each thread writes 16-byte events into its own ring (rt.h):
 * EV_STACK when the stack under its accesses changed, EV_ACCESS for each
 * access that changed the shadow, EV_SIZE after an access whose size does
 * not fit (and after allocations and frees, with a timestamp). A report
 * looks for the previous access's event in the other thread's ring,
 * newest first, under the registry lock (the slot cannot be recycled
 * meanwhile); the owner keeps writing, so events are relaxed atomics and
 * a match that the writer may have overwritten during the scan (older
 * than ring_pos re-read afterwards minus the ring size) is rejected.
 * When the event is gone the report says the history was overwritten.
 *
 * Unwinding (threads without compiler instrumentation) uses glibc's
 * backtrace(), i.e. libgcc's DWARF unwinder: correct without frame
 * pointers. It is loaded at start-up (gm_rt_init), not inside a report.
 *
 * A stack is interned without the runtime's own frames: the interceptors'
 * thread trampoline under a pthread's start routine (its return address
 * is the first pc of every instrumented thread's shadow stack), a
 * goroutine's runner with the libc frames under it, the trampoline that
 * runs a pthread_once initializer; TSan leaves its own thread start out
 * the same way. Where the runtime's code lies is known once the
 * interceptors have checked that it is one block (rt_text_lo/len, set at
 * start-up, read-only afterwards); without them (libgomm_race.a,
 * sanitizer self-builds) the stacks stay whole.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <string.h>
#include <x86intrin.h>

#include "mem.h"
#include "rt.h"

#define DEPOT_BUCKETS (1u << 16)
#define DEPOT_MAX_IDS (1u << 24)
#define UNWIND_MAX    96

typedef struct dstack {
    struct dstack *next;
    uint64_t hash;
    uint32_t id;
    uint32_t n;
    uintptr_t pc[];
} dstack;

static _Atomic(dstack *) depot[DEPOT_BUCKETS];
typedef _Atomic(dstack *) dstack_ref;
static _Atomic(dstack_ref *) by_id;
static _Atomic uint32_t next_id = 1;

static dstack_ref *ids(void)
{
    dstack_ref *p = atomic_load_explicit(&by_id, memory_order_acquire);
    if (RT_LIKELY(p))
        return p;
    dstack_ref *fresh = gm_rt_map(DEPOT_MAX_IDS * sizeof(void *));
    if (atomic_compare_exchange_strong_explicit(&by_id, &p, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    gm_rt_unmap((void *)fresh, DEPOT_MAX_IDS * sizeof(void *));
    return p;
}

static uint64_t hash_pcs(const uintptr_t *pcs, int n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= pcs[i];
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

uintptr_t rt_text_lo, rt_text_len;

/* pcs[0..n) without the runtime's frames: cut at the outermost one (the
 * runtime's thread start, and the C library's frames that called it),
 * and without those above it (a trampoline that called the program's
 * pthread_once initializer, a gomm callback's caller). Every interned
 * stack is the callers of a frame of the program (an access, a creation
 * site), so a stack cut to nothing still shows that frame. Returns the
 * new length; out has room for n. */
static int strip_runtime_frames(const uintptr_t *pcs, int n, uintptr_t *out)
{
    int k = 0;
    for (int i = n; i-- > 0;)
        if (pcs[i] - rt_text_lo < rt_text_len) {
            n = i;
            break;
        }
    for (int i = 0; i < n; i++)
        if (pcs[i] - rt_text_lo >= rt_text_len)
            out[k++] = pcs[i];
    return k;
}

uint32_t rt_stack_intern(const uintptr_t *pcs, int n)
{
    if (n > GM_REPORT_MAX_FRAMES)
        n = GM_REPORT_MAX_FRAMES;
    uintptr_t kept[GM_REPORT_MAX_FRAMES];
    if (rt_text_len && n > 0) {
        n = strip_runtime_frames(pcs, n, kept);
        pcs = kept;
    }
    if (n <= 0)
        return 0;
    uint64_t h = hash_pcs(pcs, n);
    _Atomic(dstack *) *b = &depot[h & (DEPOT_BUCKETS - 1)];
    dstack *head = atomic_load_explicit(b, memory_order_acquire);
    for (dstack *s = head; s; s = s->next)
        if (s->hash == h && s->n == (uint32_t)n &&
            !memcmp(s->pc, pcs, (size_t)n * sizeof(uintptr_t)))
            return s->id;
    uint32_t id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    if (id >= DEPOT_MAX_IDS)
        return 0; /* depot full: the stack is shown as unknown */
    dstack *s = gm_rt_alloc(sizeof *s + (size_t)n * sizeof(uintptr_t));
    s->hash = h;
    s->id = id;
    s->n = (uint32_t)n;
    memcpy(s->pc, pcs, (size_t)n * sizeof(uintptr_t));
    atomic_store_explicit(&ids()[id], s, memory_order_release);
    do
        s->next = head;
    while (!atomic_compare_exchange_weak_explicit(b, &head, s, memory_order_release,
                                                  memory_order_acquire));
    return id;
}

int rt_stack_get(uint32_t id, uintptr_t *out, int max)
{
    if (id == 0 || id >= DEPOT_MAX_IDS || max <= 0)
        return 0;
    dstack *s = atomic_load_explicit(&ids()[id], memory_order_acquire);
    if (!s)
        return 0;
    int n = (int)s->n < max ? (int)s->n : max;
    memcpy(out, s->pc, (size_t)n * sizeof(uintptr_t));
    return n;
}

int rt_unwind(uintptr_t *out, int max, int skip)
{
    void *buf[UNWIND_MAX];
    int want = max + skip + 1;
    if (want > UNWIND_MAX)
        want = UNWIND_MAX;
    int n = backtrace(buf, want);
    int k = 0;
    for (int i = skip + 1; i < n && k < max; i++) /* +1: this function */
        out[k++] = (uintptr_t)buf[i];
    return k;
}

static uint32_t unwind_cut(uintptr_t pc);

RT_NOINLINE uint32_t rt_current_stack(gm_thr *t, uintptr_t pc)
{
    if (t->shdepth > 0) {
        if (!t->stack_dirty)
            return t->shstk_id;
        int d = t->shdepth < RT_SHADOW_STACK ? t->shdepth : RT_SHADOW_STACK;
        /* a stack seen before: one probe of the per-thread cache */
        uint64_t key = (t->shhash[d] ^ (uint64_t)d) | 1;
        unsigned slot = (unsigned)(key >> 58);
        if (t->hc_key[slot] == key) {
            t->shstk_id = t->hc_id[slot];
        } else {
            uintptr_t pcs[GM_REPORT_MAX_FRAMES];
            int n = 0;
            for (int i = d - 1; i >= 0 && n < GM_REPORT_MAX_FRAMES; i--)
                pcs[n++] = t->shstk[i];
            t->shstk_id = rt_stack_intern(pcs, n);
            t->hc_key[slot] = key;
            t->hc_id[slot] = t->shstk_id;
        }
        t->stack_dirty = false;
        return t->shstk_id;
    }
    /* 2-way: two call sites of one loop never evict each other */
    uintptr_t fa = (uintptr_t)__builtin_frame_address(0);
    unsigned set = (unsigned)(((pc ^ (fa << 7)) * 0x9E3779B97F4A7C15ull) >> 60);
    unsigned w0 = set * 2;
    for (unsigned w = w0; w < w0 + 2; w++)
        if (t->sc_pc[w] == pc && t->sc_fa[w] == fa)
            return t->sc_id[w];
    unsigned victim = w0 + ((t->sc_victim >> set) & 1);
    t->sc_victim ^= (uint16_t)(1u << set);
    uint32_t id = unwind_cut(pc);
    t->sc_pc[victim] = pc;
    t->sc_fa[victim] = fa;
    t->sc_id[victim] = id;
    return id;
}

/* Unwind and keep the frames below the one that returns to pc. */
static RT_NOINLINE uint32_t unwind_cut(uintptr_t pc)
{
    void *buf[UNWIND_MAX];
    int n = backtrace(buf, UNWIND_MAX);
    int cut = -1;
    for (int i = 0; i < n; i++)
        if ((uintptr_t)buf[i] == pc) {
            cut = i;
            break;
        }
    if (cut < 0)
        return 0; /* pc not on the stack (a tail call): top frame only */
    uintptr_t *pcs = (uintptr_t *)&buf[cut + 1];
    return rt_stack_intern(pcs, n - cut - 1);
}

void rt_current_rstack(gm_thr *t, uintptr_t pc, gm_rstack *out)
{
    out->pc[0] = pc;
    out->n = 1 + rt_stack_get(rt_current_stack(t, pc), out->pc + 1, GM_REPORT_MAX_FRAMES - 1);
    out->top_exact = false;
    out->lost = false;
}

/* ---- the ring ---- */

#define PC_MASK         ((1ull << 47) - 1)
#define ADDR_MASK       ((1ull << 48) - 1)
#define SIZE_MAX_INLINE 511

RT_INLINE void ring_put(gm_thr *t, uint64_t w0, uint64_t w1)
{
    uint64_t pos = atomic_load_explicit(&t->ring_pos, memory_order_relaxed);
    gm_ev *e = &t->ring[pos & t->ring_mask];
    __atomic_store_n(&e->w0, w0, __ATOMIC_RELAXED);
    __atomic_store_n(&e->w1, w1, __ATOMIC_RELAXED);
    /* release: a reader that sees pos+1 sees the event */
    atomic_store_explicit(&t->ring_pos, pos + 1, memory_order_release);
}

void rt_history_access(gm_thr *t, uintptr_t pc, uintptr_t addr, size_t size, unsigned flags)
{
    uint32_t sid = rt_current_stack(t, pc);
    uint64_t pos = atomic_load_explicit(&t->ring_pos, memory_order_relaxed);
    /* re-record the stack when it changed, or before its last record
     * falls out of the ring */
    if (sid != t->last_stack || pos - t->last_stack_pos > t->ring_mask / 2) {
        ring_put(t, (uint64_t)EV_STACK << 60 | sid, 0);
        t->last_stack = sid;
        t->last_stack_pos = pos;
    }
    bool timed = flags & (EVF_FREE | EVF_ALLOC);
    uint64_t sz = size <= SIZE_MAX_INLINE && !timed ? size : 0;
    ring_put(t, (uint64_t)EV_ACCESS << 60 | (uint64_t)flags << 56 | sz << 47 | (pc & PC_MASK),
             (t->epoch & 0xffff) << 48 | (addr & ADDR_MASK));
    if (sz == 0)
        ring_put(t, (uint64_t)EV_SIZE << 60 | (timed ? __rdtsc() >> 8 : 0), size);
}

typedef struct ev_match {
    uint64_t pos;
    uintptr_t addr, pc;
    size_t size;
    uint64_t stamp;
    uint32_t stack;
} ev_match;

RT_INLINE void ev_load(const gm_thr *t, uint64_t i, uint64_t *w0, uint64_t *w1)
{
    const gm_ev *e = &t->ring[i & t->ring_mask];
    *w0 = __atomic_load_n(&e->w0, __ATOMIC_RELAXED);
    *w1 = __atomic_load_n(&e->w1, __ATOMIC_RELAXED);
}

/* The size (and time stamp) of the access event at i. */
static size_t ev_size(const gm_thr *t, uint64_t i, uint64_t end, uint64_t w0, uint64_t *stamp)
{
    size_t sz = (w0 >> 47) & SIZE_MAX_INLINE;
    *stamp = 0;
    if (sz || i + 1 >= end)
        return sz;
    uint64_t n0, n1;
    ev_load(t, i + 1, &n0, &n1);
    if ((n0 >> 60) != EV_SIZE)
        return 0;
    *stamp = n0 & ((1ull << 56) - 1);
    return (size_t)n1;
}

/* Scan t's ring newest first for an access event that `match` accepts;
 * then the stack in effect for it. reg_lock held. */
static bool ring_find(const gm_thr *t,
                      bool (*match)(uint64_t w0, uint64_t w1, size_t size, const void *arg),
                      const void *arg, ev_match *out)
{
    uint64_t end = atomic_load_explicit(&t->ring_pos, memory_order_acquire);
    uint64_t span = t->ring_mask + 1;
    uint64_t lo = end > span ? end - span : 0;
    for (uint64_t i = end; i-- > lo;) {
        uint64_t w0, w1;
        ev_load(t, i, &w0, &w1);
        if ((w0 >> 60) != EV_ACCESS)
            continue;
        uint64_t stamp;
        size_t sz = ev_size(t, i, end, w0, &stamp);
        if (!match(w0, w1, sz, arg))
            continue;
        out->pos = i;
        out->addr = (uintptr_t)(w1 & ADDR_MASK);
        out->pc = (uintptr_t)(w0 & PC_MASK);
        out->size = sz;
        out->stamp = stamp;
        out->stack = 0;
        for (uint64_t j = i; j-- > lo;) {
            ev_load(t, j, &w0, &w1);
            if ((w0 >> 60) == EV_STACK) {
                out->stack = (uint32_t)w0;
                break;
            }
        }
        /* what the owner overwrote while we read is not evidence */
        uint64_t now = atomic_load_explicit(&t->ring_pos, memory_order_acquire);
        if (now > span && i < now - span + 2)
            return false;
        return true;
    }
    return false;
}

typedef struct access_key {
    uint64_t epoch16;
    uintptr_t lo, hi; /* bytes of the cell: [lo, hi] */
    unsigned flags;
} access_key;

static bool match_access(uint64_t w0, uint64_t w1, size_t size, const void *arg)
{
    const access_key *k = arg;
    if ((w1 >> 48) != k->epoch16)
        return false;
    if (((w0 >> 56) & 0xf) != k->flags)
        return false;
    uintptr_t a = (uintptr_t)(w1 & ADDR_MASK);
    return a <= k->hi && a + size > k->lo;
}

bool rt_history_find(unsigned sid, uint64_t epoch, uintptr_t g, unsigned mask, unsigned flags,
                     gm_rstack *out, uintptr_t *addr, size_t *size)
{
    gm_thr *t = gm_rt_slot_owner(sid);
    if (!t || epoch < t->first_epoch)
        return false; /* the slot has a new owner: that thread is gone */
    access_key k = {
        .epoch16 = epoch & 0xffff,
        .lo = g + (uintptr_t)__builtin_ctz(mask),
        .hi = g + 31 - (uintptr_t)__builtin_clz(mask),
        .flags = flags,
    };
    ev_match m;
    if (!ring_find(t, match_access, &k, &m))
        return false;
    out->pc[0] = m.pc;
    out->n = 1 + rt_stack_get(m.stack, out->pc + 1, GM_REPORT_MAX_FRAMES - 1);
    out->top_exact = false;
    out->lost = false;
    *addr = m.addr;
    *size = m.size;
    return true;
}

typedef struct alloc_key {
    uintptr_t addr;
    unsigned flag;
    bool containing; /* addr anywhere in the block, not only its start */
} alloc_key;

static bool match_alloc(uint64_t w0, uint64_t w1, size_t size, const void *arg)
{
    const alloc_key *k = arg;
    if (!((w0 >> 56) & k->flag))
        return false;
    uintptr_t start = (uintptr_t)(w1 & ADDR_MASK);
    if (k->containing)
        return start <= k->addr && k->addr - start < (size ? size : 1);
    return start == k->addr;
}

/* The newest allocation of the block at addr (its start, or with
 * `containing` any address in it: blocks of malloc, whose starts nobody
 * else knows), over every thread's history, and whether a free of it came
 * later. reg_lock held. */
bool rt_history_block(uintptr_t addr, bool containing, gm_rlocation *loc)
{
    unsigned n = atomic_load_explicit(&gm_rt_state.nslots, memory_order_acquire);
    ev_match best = {0}, m;
    gm_thr *best_t = NULL;
    for (unsigned s = 0; s < n; s++) {
        gm_thr *t = gm_rt_slot_owner(s);
        if (!t)
            continue;
        alloc_key ka = {addr, EVF_ALLOC, containing};
        if (ring_find(t, match_alloc, &ka, &m) && (!best_t || m.stamp > best.stamp)) {
            best = m;
            best_t = t;
        }
    }
    if (!best_t)
        return false;
    uint64_t freed_at = 0;
    for (unsigned s = 0; s < n; s++) {
        gm_thr *t = gm_rt_slot_owner(s);
        alloc_key kf = {best.addr, EVF_FREE, false};
        if (t && ring_find(t, match_alloc, &kf, &m) && m.stamp > freed_at)
            freed_at = m.stamp;
    }
    loc->kind = GM_LOC_HEAP;
    loc->start = best.addr;
    loc->size = best.size;
    loc->tid = best_t->tid;
    loc->freed = freed_at > best.stamp;
    loc->stack.pc[0] = best.pc;
    loc->stack.n = 1 + rt_stack_get(best.stack, loc->stack.pc + 1, GM_REPORT_MAX_FRAMES - 1);
    loc->stack.top_exact = false;
    loc->stack.lost = false;
    return true;
}
