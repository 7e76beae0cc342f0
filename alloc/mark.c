/*
 * alloc/mark.c — marking: mark bits, the gray queue, scanning, shading.
 *
 * Tri-color: white = mark bit clear; gray = mark bit set and the object in
 * the gray queue (or in a marker's local buffer); black = mark bit set and
 * scanned (or noscan, or allocated during marking). A mark bit is set with
 * one fetch_or (relaxed: the bit is the only thing it publishes; the world
 * stops between marking and sweeping, which orders the bits before the
 * sweeper reads them); the thread whose fetch_or set it queues the object.
 *
 * The gray queue is a list of 4 KiB work buffers under wq.lock, plus one
 * shared buffer that single shades (barrier, roots of other threads) fill.
 * A marker pops a whole buffer into its local gc_work, scans, pushes what
 * it finds into its local buffer, and gives full buffers back. Marking in
 * a no-suspend region for at most DRAIN_CHUNK scan bytes at a time, and
 * flushing the local buffers before the region ends, keeps the invariant
 * mark termination relies on: with the world stopped, every gray object is
 * in the global queue, so "queue empty" means "marking done".
 *
 * Scanning (conservative): each aligned word of an object, a root range or
 * a stack that falls inside gomm's arenas is looked up (arena map -> span
 * -> gc_span, two dependent loads); if it points into an allocated slot of
 * a collected span (interior pointers included) that object is shaded.
 * Typed objects are scanned through their pointer mask only; noscan
 * objects never. Large objects are scanned in 128 KiB oblets, queued
 * separately, so no single scan is long.
 *
 * The scanning functions read memory that its owners write concurrently
 * without synchronization (GC_NO_SANITIZE, see gc.h): that is the nature
 * of conservative scanning, and a torn or stale word only makes the
 * collector keep something alive or look at something it then ignores.
 * Locks: wq.lock (no-suspend holders only).
 */
#include <string.h>

#include "gc.h"
#include "os.h"

#define WBUF_CAP 510
/* A drain runs in a no-suspend region (its local gray buffer must be
 * back in the queue before its thread can be stopped, or mark termination
 * could find the queue empty too early). Every DRAIN_CHUNK bytes scanned
 * it looks for a pending stop and lets it in, so an assisting mutator
 * delays a stop by at most that much scanning (a few tens of us of cache
 * misses on small objects; the step used to be 64 KiB, which was also the
 * sharing step below). */
#define DRAIN_CHUNK (8u << 10)
#define FLUSH_CHUNK (64u << 10) /* and shares its gray objects this often */

typedef struct wbuf {
    struct wbuf *next;
    uint64_t n;
    uintptr_t obj[WBUF_CAP];
} wbuf;

static struct {
    pthread_mutex_t lock;
    wbuf *full;  /* buffers with gray objects */
    wbuf *empty; /* recycled */
    wbuf *shade; /* filled one object at a time by gc_shade */
} wq = {.lock = PTHREAD_MUTEX_INITIALIZER};

typedef struct gc_work {
    wbuf *buf;
    uint64_t scanned; /* bytes scanned */
    uint64_t marked;  /* bytes marked */
} gc_work;

/* ---------- work buffers (wq.lock) ---------- */

static wbuf *wbuf_new_locked(void)
{
    wbuf *b = wq.empty;
    if (b) {
        wq.empty = b->next;
    } else {
        enum { CHUNK = 64 };
        wbuf *chunk = os_map(CHUNK * sizeof(wbuf));
        if (!chunk)
            gm_fatal("gc: out of memory for the mark queue");
        for (int i = 1; i < CHUNK; i++) {
            chunk[i].next = wq.empty;
            wq.empty = &chunk[i];
        }
        b = &chunk[0];
    }
    b->next = NULL;
    b->n = 0;
    return b;
}

/* Give b (any fill) back and take a full buffer (or NULL). */
static wbuf *wbuf_exchange(wbuf *give, bool want_full)
{
    gm_lock_nosusp(&wq.lock);
    if (give) {
        if (give->n) {
            give->next = wq.full;
            wq.full = give;
        } else {
            give->next = wq.empty;
            wq.empty = give;
        }
    }
    wbuf *b = NULL;
    if (want_full) {
        b = wq.full;
        if (b) {
            wq.full = b->next;
        } else if (wq.shade && wq.shade->n) {
            b = wq.shade;
            wq.shade = NULL;
        }
    }
    gm_unlock_nosusp(&wq.lock);
    return b;
}

static wbuf *wbuf_empty(void)
{
    gm_lock_nosusp(&wq.lock);
    wbuf *b = wbuf_new_locked();
    gm_unlock_nosusp(&wq.lock);
    return b;
}

static inline void work_push(gc_work *w, uintptr_t obj)
{
    if (GM_UNLIKELY(!w->buf || w->buf->n == WBUF_CAP)) {
        if (w->buf)
            wbuf_exchange(w->buf, false);
        w->buf = wbuf_empty();
    }
    w->buf->obj[w->buf->n++] = obj;
}

static inline bool work_pop(gc_work *w, uintptr_t *obj)
{
    if (GM_UNLIKELY(!w->buf || w->buf->n == 0)) {
        w->buf = wbuf_exchange(w->buf, true);
        if (!w->buf)
            return false;
    }
    *obj = w->buf->obj[--w->buf->n];
    return true;
}

static void work_flush(gc_work *w)
{
    if (w->buf)
        wbuf_exchange(w->buf, false);
    w->buf = NULL;
}

/* Push one gray object to the shared queue (any thread). */
static void push_global(uintptr_t obj)
{
    gm_lock_nosusp(&wq.lock);
    if (!wq.shade)
        wq.shade = wbuf_new_locked();
    wq.shade->obj[wq.shade->n++] = obj;
    if (wq.shade->n == WBUF_CAP) {
        wq.shade->next = wq.full;
        wq.full = wq.shade;
        wq.shade = NULL;
    }
    gm_unlock_nosusp(&wq.lock);
}

bool gc_work_empty(void)
{
    gm_lock_nosusp(&wq.lock);
    bool empty = !wq.full && !(wq.shade && wq.shade->n);
    gm_unlock_nosusp(&wq.lock);
    return empty;
}

/* The first chunk of work buffers is mapped and touched here: mapping it
 * in the first stop, when the root scan pushes its first gray object, cost
 * that stop 0.8 ms on this machine. */
void gc_mark_init(void)
{
    wbuf *b = wbuf_empty();
    memset(b, 0, sizeof *b);
    wbuf_exchange(b, false);
}

/* ---------- finding objects ---------- */

/* The collected object p points into: its slot start, span and index.
 * False if p is not inside an allocated slot of a collected span. */
static inline __attribute__((always_inline)) GC_NO_SANITIZE bool
find_object(uintptr_t p, uintptr_t *start, gc_span **gs, uint32_t *idx)
{
    gm_span *s = span_of((const void *)p);
    if (!s)
        return false;
    /* acquire: pairs with the release store that publishes the gc_span */
    gc_span *g = atomic_load_explicit(&s->gc, memory_order_acquire);
    if (!g || p < g->start || p >= g->limit)
        return false;
    uint32_t i = g->large ? 0 : (uint32_t)((p - g->start) / g->elem_size);
    /* acquire: pairs with the release store of freeindex at allocation
     * (a typed object's header is written before it) */
    if (i >= atomic_load_explicit(&g->freeindex, memory_order_acquire) &&
        !((g->alloc_bits[i >> 6] >> (i & 63)) & 1))
        return false;
    *start = g->start + (uintptr_t)i * g->elem_size;
    *gs = g;
    *idx = i;
    return true;
}

bool gc_find_object(uintptr_t p, uintptr_t *start, gc_span **span)
{
    uint32_t idx;
    return find_object(p, start, span, &idx);
}

static inline bool test_and_mark(gc_span *g, uint32_t i)
{
    uint64_t bit = (uint64_t)1 << (i & 63);
    _Atomic uint64_t *mw = &g->mark_bits[i >> 6];
    if (atomic_load_explicit(mw, memory_order_relaxed) & bit)
        return false;
    return !(atomic_fetch_or_explicit(mw, bit, memory_order_relaxed) & bit);
}

static inline uint64_t object_bytes(const gc_span *g)
{
    return g->large ? (uint64_t)(g->limit - g->start) : g->elem_size;
}

bool gc_is_marked(uintptr_t obj)
{
    uintptr_t start;
    gc_span *g;
    uint32_t i;
    if (!find_object(obj, &start, &g, &i))
        return true; /* not a live collected object: nothing to keep */
    return (atomic_load_explicit(&g->mark_bits[i >> 6], memory_order_relaxed) >> (i & 63)) & 1;
}

void gc_set_marked(uintptr_t obj)
{
    uintptr_t start;
    gc_span *g;
    uint32_t i;
    if (find_object(obj, &start, &g, &i))
        test_and_mark(g, i);
}

/* ---------- scanning ---------- */

static inline __attribute__((always_inline)) GC_NO_SANITIZE void grey(uintptr_t p, gc_work *w)
{
    uintptr_t start;
    gc_span *g;
    uint32_t i;
    if (!find_object(p, &start, &g, &i) || !test_and_mark(g, i))
        return;
    w->marked += object_bytes(g);
    if (g->flavor != GC_NOSCAN)
        work_push(w, start);
}

static GC_NO_SANITIZE void scan_words(uintptr_t lo, uintptr_t hi, gc_work *w)
{
    uintptr_t hlo = atomic_load_explicit(&gm_heap_lo, memory_order_relaxed);
    uintptr_t hhi = atomic_load_explicit(&gm_heap_hi, memory_order_relaxed);
    lo = (lo + 7) & ~(uintptr_t)7;
    for (uintptr_t a = lo; a + 8 <= hi; a += 8) {
        uintptr_t p = *(const volatile uintptr_t *)a;
        if (p - hlo < hhi - hlo)
            grey(p, w);
    }
    w->scanned += hi > lo ? hi - lo : 0;
}

/* Words [w0, w1) of a typed object's data at base, through its mask. */
static GC_NO_SANITIZE void scan_typed(uintptr_t base, const gc_type *ty, size_t w0, size_t w1,
                                      gc_work *wk)
{
    uintptr_t hlo = atomic_load_explicit(&gm_heap_lo, memory_order_relaxed);
    uintptr_t hhi = atomic_load_explicit(&gm_heap_hi, memory_order_relaxed);
    if (w1 > ty->nwords)
        w1 = ty->nwords;
    for (size_t i = w0; i < w1; i++) {
        uint64_t m = ty->bits[i / 64] >> (i % 64);
        if (!m) { /* skip to the next word of the mask */
            i = (i / 64 + 1) * 64 - 1;
            continue;
        }
        if (!(m & 1))
            continue;
        uintptr_t p = ((const volatile uintptr_t *)base)[i];
        if (p - hlo < hhi - hlo)
            grey(p, wk);
    }
    wk->scanned += (w1 > w0 ? w1 - w0 : 0) * 8;
}

/* Scan a gray object, or one oblet of a large object (obj not its start). */
static GC_NO_SANITIZE void scan_object(uintptr_t obj, gc_work *w)
{
    gm_span *s = span_of((const void *)obj);
    gc_span *g = s ? atomic_load_explicit(&s->gc, memory_order_acquire) : NULL;
    if (!g)
        return;
    uintptr_t lo = obj, hi;
    if (g->large) {
        hi = g->limit - obj > GC_OBLET_BYTES ? obj + GC_OBLET_BYTES : g->limit;
        if (obj == g->start)
            for (uintptr_t o = obj + GC_OBLET_BYTES; o < g->limit; o += GC_OBLET_BYTES)
                work_push(w, o);
    } else {
        hi = obj + g->elem_size;
    }
    if (g->flavor != GC_TYPED) {
        scan_words(lo, hi, w);
        return;
    }
    /* typed: the slot starts with the type; data follows it */
    const gc_type *ty = *(gc_type *const volatile *)g->start;
    if (!g->large)
        ty = *(gc_type *const volatile *)obj;
    if (!ty || ty->magic != GC_TYPE_MAGIC)
        return;
    uintptr_t data = (g->large ? g->start : obj) + GC_TYPE_HDR;
    size_t w0 = lo > data ? (lo - data) / 8 : 0;
    size_t w1 = (hi - data) / 8;
    scan_typed(data, ty, w0, w1, w);
}

/* ---------- entry points ---------- */

static gc_work root_work; /* the collector's, world stopped */

void gc_scan_root_range(uintptr_t lo, uintptr_t hi)
{
    scan_words(lo, hi, &root_work);
    if (root_work.buf && root_work.buf->n > WBUF_CAP / 2)
        work_flush(&root_work);
}

/* The bytes a root scan marked, and flush its buffer (world stopped). */
uint64_t gc_roots_done(void)
{
    work_flush(&root_work);
    uint64_t m = root_work.marked;
    root_work.marked = 0;
    root_work.scanned = 0;
    return m;
}

static void add_marked(uint64_t bytes)
{
    gc_thread *t = gc_tls;
    if (t && bytes)
        atomic_store_explicit(&t->marked_bytes,
                              atomic_load_explicit(&t->marked_bytes, memory_order_relaxed) + bytes,
                              memory_order_relaxed);
}

void gc_shade(uintptr_t p)
{
    uintptr_t hlo = atomic_load_explicit(&gm_heap_lo, memory_order_relaxed);
    uintptr_t hhi = atomic_load_explicit(&gm_heap_hi, memory_order_relaxed);
    if (p - hlo >= hhi - hlo)
        return;
    gc_nosuspend_begin();
    /* re-check inside the region: mark termination cannot pass meanwhile */
    if (gc_state() & GCS_MARKING) {
        uintptr_t start;
        gc_span *g;
        uint32_t i;
        if (find_object(p, &start, &g, &i) && test_and_mark(g, i)) {
            add_marked(object_bytes(g));
            if (g->flavor != GC_NOSCAN)
                push_global(start);
        }
    }
    gc_nosuspend_end();
}

void gc_push_unmarked(uintptr_t obj)
{
    uintptr_t start;
    gc_span *g;
    uint32_t i;
    if (find_object(obj, &start, &g, &i) && g->flavor != GC_NOSCAN)
        push_global(start);
}

/* Gray objects wait PF_DEPTH pops in a small ring after they are
 * prefetched, so that the scan of one overlaps the cache misses of the
 * next ones (Boehm GC prefetches its mark stack the same way). The ring
 * is private: it is spilled back into the work buffer before every flush,
 * so no gray object is ever hidden from mark termination. */
#define PF_DEPTH 8

typedef struct pf_ring {
    uintptr_t obj[PF_DEPTH];
    unsigned head, n;
} pf_ring;

static inline bool pf_next(pf_ring *r, gc_work *w, uintptr_t *obj)
{
    uintptr_t o;
    while (r->n < PF_DEPTH && work_pop(w, &o)) {
        __builtin_prefetch((const void *)o);
        r->obj[(r->head + r->n) % PF_DEPTH] = o;
        r->n++;
    }
    if (!r->n)
        return false;
    *obj = r->obj[r->head];
    r->head = (r->head + 1) % PF_DEPTH;
    r->n--;
    return true;
}

static void pf_spill(pf_ring *r, gc_work *w)
{
    for (; r->n; r->n--, r->head = (r->head + 1) % PF_DEPTH)
        work_push(w, r->obj[r->head]);
}

uint64_t gc_drain(uint64_t budget)
{
    gc_work w = {0};
    pf_ring ring = {0};
    uint64_t total = 0, chunk_start = 0, flush_start = 0;
    uintptr_t obj;
    gc_nosuspend_begin();
    while (pf_next(&ring, &w, &obj)) {
        scan_object(obj, &w);
        if (budget && w.scanned >= budget)
            break;
        if (w.scanned - chunk_start >= DRAIN_CHUNK) {
            chunk_start = w.scanned;
            /* share the work (other markers starve on an empty queue and
             * try to terminate) and let a pending stop in: every gray
             * object back in the queue first (the region's end parks if
             * the signal came) */
            if (w.scanned - flush_start >= FLUSH_CHUNK || (gc_state() & GCS_STW)) {
                flush_start = w.scanned;
                pf_spill(&ring, &w);
                work_flush(&w);
                add_marked(w.marked);
                w.marked = 0;
                gc_nosuspend_end();
                gc_nosuspend_begin();
            }
        }
    }
    pf_spill(&ring, &w);
    work_flush(&w);
    add_marked(w.marked);
    gc_nosuspend_end();
    total = w.scanned;
    return total;
}
