/*
 * alloc/roots.c — the roots: stacks and registers, data and bss, ranges
 * registered with gm_gc_add_roots, and gm_malloc memory.
 *
 * Every root is scanned conservatively in the stop that starts marking
 * (gc_scan_roots, world stopped): that is the snapshot, and why stores
 * into roots need no write barrier.
 *  - threads: for each known thread, its saved registers and its stack
 *    from the saved stack pointer to the top (pthread_getattr_np). A
 *    blocked thread saved both at gc_block_enter; a stopped one is scanned
 *    from the suspend frame up, which holds the signal frame (registers)
 *    or the spilled callee-saved registers; the thread driving the cycle
 *    from where it entered gomm (its own frames below hold no user
 *    pointer, and would only pin garbage). Runtime threads (the worker)
 *    hold no user pointer and are skipped.
 *  - data and bss: the writable PT_LOAD segments of the program and of
 *    every loaded library (dl_iterate_phdr, refreshed before each stop:
 *    the loader's lock must not be taken with the world stopped, a stopped
 *    thread may hold it), less gomm's own 32 MiB arena map.
 *  - registered ranges (roots_lock, taken in no-suspend regions only).
 *  - gm_malloc memory: every span of every arena whose kind is small or
 *    large (gm_malloc's), whole, free slots included (a free slot's stale
 *    words can keep an object alive until the slot is reused: the price of
 *    not reading the owners' free lists with the world stopped). gm_malloc
 *    blocks are never collected; values in channel buffers and waiting
 *    senders' records live here (and on the senders' stacks).
 * The reads race with nobody (the world is stopped) except threads that
 * are blocked in a declared region; GC_NO_SANITIZE all the same (stacks
 * hold ASan redzones).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>

#include <gomm/gc.h>

#include "gc.h"
#include "os.h"

#define MAX_SEGS 512

typedef struct range {
    uintptr_t lo, hi;
} range;

static range segs[MAX_SEGS]; /* the cycle's driver (cycle lock) */
static int nsegs;

static pthread_mutex_t roots_lock = PTHREAD_MUTEX_INITIALIZER;
static range *user_roots; /* roots_lock */
static size_t nuser_roots, cap_user_roots;

/* ---------- data and bss ---------- */

static void add_seg(uintptr_t lo, uintptr_t hi)
{
    if (hi <= lo || nsegs == MAX_SEGS)
        return;
    segs[nsegs].lo = lo;
    segs[nsegs].hi = hi;
    nsegs++;
}

/* Add [lo, hi) less gomm's own tables (exclusions k and up). */
static void add_seg_excluding(uintptr_t lo, uintptr_t hi, int k)
{
    const range excl[2] = {
        {(uintptr_t)&gm_arena_map[0], (uintptr_t)&gm_arena_map[GM_ARENA_MAP_LEN]},
        {(uintptr_t)__start_gomm_noscan, (uintptr_t)__stop_gomm_noscan},
    };
    if (hi <= lo)
        return;
    if (k == 2) {
        add_seg(lo, hi);
        return;
    }
    uintptr_t xlo = excl[k].lo, xhi = excl[k].hi;
    if (hi <= xlo || lo >= xhi) {
        add_seg_excluding(lo, hi, k + 1);
        return;
    }
    add_seg_excluding(lo, xlo > lo ? xlo : lo, k + 1);
    add_seg_excluding(xhi < hi ? xhi : hi, hi, k + 1);
}

static int phdr_callback(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        add_seg_excluding(lo, lo + ph->p_memsz, 0);
    }
    return 0;
}

/* Read one word of every page of the segments, world running: a page of
 * bss nothing touched yet is mapped (to the zero page) here rather than
 * by the scan in the stop, where the first cycle's faults on the
 * program's and libc's untouched bss cost milliseconds. Not a snapshot:
 * only the faults are taken early. */
static GC_NO_SANITIZE void prefault_segs(void)
{
    /* every OS page [lo, hi) touches is mapped, and so its first word */
    for (int i = 0; i < nsegs; i++)
        for (uintptr_t p = segs[i].lo & ~(uintptr_t)4095; p < segs[i].hi; p += 4096)
            (void)*(volatile const uintptr_t *)p;
}

void gc_roots_refresh(void)
{
    nsegs = 0;
    dl_iterate_phdr(phdr_callback, NULL);
    prefault_segs();
}

/* ---------- registered ranges ---------- */

void gm_gc_add_roots(void *start, size_t len)
{
    if (!start || !len)
        return;
    gc_init();
    gc_thread_cur();
    gm_lock_nosusp(&roots_lock);
    if (nuser_roots == cap_user_roots) {
        size_t ncap = cap_user_roots ? cap_user_roots * 2 : 64;
        range *n = os_map(ncap * sizeof *n);
        if (!n) {
            gm_unlock_nosusp(&roots_lock);
            gm_fatal("gm_gc_add_roots: out of memory");
        }
        if (user_roots) /* the old array stays mapped: rare, and small */
            memcpy(n, user_roots, nuser_roots * sizeof *n);
        user_roots = n;
        cap_user_roots = ncap;
    }
    user_roots[nuser_roots].lo = (uintptr_t)start;
    user_roots[nuser_roots].hi = (uintptr_t)start + len;
    nuser_roots++;
    gm_unlock_nosusp(&roots_lock);
}

void gm_gc_remove_roots(void *start, size_t len)
{
    gm_lock_nosusp(&roots_lock);
    for (size_t i = 0; i < nuser_roots; i++) {
        if (user_roots[i].lo == (uintptr_t)start && user_roots[i].hi == (uintptr_t)start + len) {
            user_roots[i] = user_roots[--nuser_roots];
            break;
        }
    }
    gm_unlock_nosusp(&roots_lock);
}

/* ---------- scanning, world stopped ---------- */

static void scan_stack(uintptr_t lo, uintptr_t hi, const gc_thread *t)
{
    if (lo < t->stack_lo || lo > t->stack_hi)
        lo = t->stack_lo; /* not on its stack (an alternate signal stack): all of it */
    gc_scan_root_range(lo, hi);
}

static GC_NO_SANITIZE void scan_malloc_spans(void)
{
    /* acquire: pairs with the release increment in heap_grow */
    size_t n = atomic_load_explicit(&gm_arena_count, memory_order_acquire);
    for (size_t a = 0; a < n; a++) {
        uintptr_t base = gm_arena_bases[a];
        gm_arena *ar =
            atomic_load_explicit(&gm_arena_map[base >> GM_ARENA_SHIFT], memory_order_acquire);
        if (!ar)
            continue;
        /* only the pages that start a gm_malloc span (a bitmap the page
         * heap keeps), so the walk costs nothing per collected span */
        for (size_t w = 0; w < GM_ARENA_PAGES / 64; w++) {
            for (uint64_t bits = ar->malloc_starts[w]; bits; bits &= bits - 1) {
                size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
                gm_span *s = atomic_load_explicit(&ar->spans[i], memory_order_relaxed);
                uintptr_t page = base + (i << GM_PAGE_SHIFT);
                if (!s || s->start != page || s->npages == 0)
                    continue;
                size_t np = s->npages;
                if (s->kind == SPAN_SMALL && s->objs_bytes <= np * GM_PAGE_SIZE)
                    gc_scan_root_range(s->start, s->start + s->objs_bytes);
                else if (s->kind == SPAN_LARGE)
                    gc_scan_root_range(s->start, s->start + np * GM_PAGE_SIZE);
            }
        }
    }
}

void gc_scan_roots(void)
{
    gc_thread *self = gc_tls;
    for (gc_thread *t = gc_threads_first(); t; t = t->next) {
        if (t->no_stack_scan)
            continue;
        if (t == self) {
            gc_scan_root_range((uintptr_t)t->driver_regs, (uintptr_t)(t->driver_regs + 8));
            scan_stack(t->scan_from, t->stack_hi, t);
        } else if (atomic_load_explicit(&t->status, memory_order_relaxed) == TS_CAPTURED) {
            gc_scan_root_range((uintptr_t)t->block_regs, (uintptr_t)(t->block_regs + 8));
            scan_stack(t->block_sp, t->stack_hi, t);
        } else {
            scan_stack(atomic_load_explicit(&t->susp_sp, memory_order_relaxed), t->stack_hi, t);
        }
    }
    for (int i = 0; i < nsegs; i++)
        gc_scan_root_range(segs[i].lo, segs[i].hi);
    for (size_t i = 0; i < nuser_roots; i++)
        gc_scan_root_range(user_roots[i].lo, user_roots[i].hi);
    scan_malloc_spans();
    gc_fin_push_roots();
}

/* The driver's registers, and where the scan of its stack starts: sp, the
 * stack pointer its entry function had when it saved them. */
void gc_roots_note_driver(gc_thread *t, uintptr_t sp)
{
    t->scan_from = sp;
}
