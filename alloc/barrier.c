/*
 * alloc/barrier.c — the write barrier: gm_write_ptr and gm_gc_memmove.
 *
 * Go's hybrid barrier: while a collection is marking, a pointer store into
 * a collected object shades the value it overwrites (Yuasa's deletion
 * barrier: what was reachable at the snapshot stays found even if the only
 * path to it is cut) and the value it stores (Dijkstra's insertion half).
 * Roots (stacks, globals, registered ranges, gm_malloc memory) are scanned
 * in the stop that starts marking, so stores to them need no barrier.
 *
 * Fast path: one relaxed load of gm_gc_state and one predictable branch,
 * then the store. It lives in the gomm_nosusp section so that the world
 * never stops between the test and the store: a store the test let through
 * unshaded must land before the marking snapshot is taken. The slow path
 * (marking, or a stop pending) parks first if a stop is pending, then
 * shades and stores inside a no-suspend region (mark termination cannot
 * come between shading and storing).
 *
 * The fast path is not ThreadSanitizer-instrumented: its store is the
 * user's store; its state load is the collector's business.
 */
#include <string.h>

#include <gomm/gc.h>

#include "gc.h"

static GC_NO_SANITIZE uintptr_t load_word(const void *slot)
{
    return *(const volatile uintptr_t *)slot;
}

static GM_NOINLINE void write_ptr_slow(void **slot, void *val)
{
    gc_safepoint();
    gc_nosuspend_begin();
    if (gc_state() & GCS_MARKING) {
        gc_shade(load_word(slot));
        gc_shade((uintptr_t)val);
    }
    *slot = val;
    gc_nosuspend_end();
}

GC_NOSUSP_SECTION __attribute__((no_sanitize("thread"))) void gm_write_ptr(void *slot, void *val)
{
    GC_FAST_BEGIN();
    if (GM_UNLIKELY(gc_state() != 0)) {
        GC_FAST_END();
        write_ptr_slow((void **)slot, val);
        return;
    }
    *(void **)slot = val;
    GC_FAST_END();
}

void gm_gc_memmove(void *dst, const void *src, size_t n)
{
    gc_safepoint();
    gc_nosuspend_begin();
    if (gc_state() & GCS_MARKING) {
        uintptr_t d = ((uintptr_t)dst + 7) & ~(uintptr_t)7;
        for (; d + 8 <= (uintptr_t)dst + n; d += 8) {
            gc_shade(load_word((const void *)d));
            gc_shade(load_word((const char *)src + (d - (uintptr_t)dst)));
        }
    }
    memmove(dst, src, n);
    gc_nosuspend_end();
}
