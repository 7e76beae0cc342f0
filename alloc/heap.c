/*
 * alloc/heap.c — the page heap (Go's mheap) and the arena map.
 *
 * Memory comes from the OS in 64 MiB arenas aligned to 64 MiB (larger
 * requests get several contiguous arenas). Pages are 8 KiB; a span is a run
 * of pages. Free spans sit on exact-size lists (1..127 pages, a bitmap of
 * non-empty lists finds the smallest fit in two ctz) or, from 128 pages up,
 * on one list searched best-fit (lowest address on ties).
 *
 * Invariants (heap_check verifies them):
 *  - every page of an in-use span maps to it in the arena map; a free span
 *    maps its first and last page to itself and its interior pages to NULL;
 *  - no two free spans are adjacent (freeing coalesces at once);
 *  - idle == sum of free spans' bytes; released == sum of their released
 *    pages; a page's released bit is set iff it is idle and returned to the
 *    OS; sys == inuse + idle;
 *  - the LRU list holds exactly the free spans with some resident page,
 *    oldest first: the scavenger releases from its head.
 *
 * Scavenging, on every span free: (1) when the resident idle bytes exceed
 * the retain limit, max(GOMM_RETAIN_MB (64), 2 x heap in use), the oldest
 * idle spans are returned to the OS with MADV_DONTNEED until 3/4 of the
 * limit is left, so RSS falls right after a peak is freed; (2) spans idle
 * for GOMM_DECAY_MS (1000) or longer are returned as well, down to a
 * quarter of GOMM_RETAIN_MB (GOMM_DECAY_MS=0: at once).
 * gm_free_os_memory() releases everything.
 *
 * Locking: everything here is under heap.lock, except the arena map reads
 * (span_of) which are lock-free: entries are atomic (relaxed) and arenas are
 * published with a release store (pairs with the acquire in span_of).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "os.h"

#define PAGE GM_PAGE_SIZE

_Atomic(gm_arena *) gm_arena_map[GM_ARENA_MAP_LEN];
/* in gomm_noscan: addresses of arenas, which the collector's scan of the
 * data segments must not take for pointers to the objects there */
GM_NOSCAN_DATA uintptr_t gm_arena_bases[GM_MAX_ARENAS];
GM_NOSCAN_DATA _Atomic size_t gm_arena_count;
GM_NOSCAN_DATA _Atomic uintptr_t gm_heap_lo = UINTPTR_MAX, gm_heap_hi;

static struct {
    pthread_mutex_t lock;
    gm_span *exact[GM_HEAP_EXACT_LISTS]; /* free spans of i pages, i < 128 */
    uint64_t nonempty[GM_HEAP_EXACT_LISTS / 64];
    gm_span *big;                 /* free spans of >= 128 pages */
    gm_span *lru_head, *lru_tail; /* free spans with resident pages */
    gm_span *desc_free;           /* recycled descriptors */
    uint64_t sys, idle, released; /* bytes */
    uint64_t retain_min;          /* bytes of resident idle kept */
    int64_t decay_ns;             /* idle this long: back to the OS */
    uint64_t large_alloc, large_objects, large_mallocs, large_frees, large_total;
    uint64_t arena_meta; /* bytes of gm_arena structures */
} heap = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---------- arena map and released bitmap helpers (heap lock) ---------- */

static gm_arena *arena_of(uintptr_t a)
{
    if (a >> GM_ADDR_BITS)
        return NULL;
    return atomic_load_explicit(&gm_arena_map[a >> GM_ARENA_SHIFT], memory_order_relaxed);
}

static size_t page_index(uintptr_t a)
{
    return (a >> GM_PAGE_SHIFT) & (GM_ARENA_PAGES - 1);
}

static void map_set(uintptr_t a, gm_span *s)
{
    atomic_store_explicit(&arena_of(a)->spans[page_index(a)], s, memory_order_relaxed);
}

static void map_set_range(uintptr_t start, size_t npages, gm_span *s)
{
    for (size_t i = 0; i < npages; i++)
        map_set(start + i * PAGE, s);
}

/* Map a free span: first and last page to s, the interior to NULL. */
static void map_free_span(gm_span *s, bool clear_interior)
{
    if (clear_interior && s->npages > 2)
        map_set_range(s->start + PAGE, s->npages - 2, NULL);
    map_set(s->start, s);
    map_set(s->start + (s->npages - 1) * PAGE, s);
}

static gm_span *map_get(uintptr_t a)
{
    gm_arena *ar = arena_of(a);
    return ar ? atomic_load_explicit(&ar->spans[page_index(a)], memory_order_relaxed) : NULL;
}

static bool released_bit(uintptr_t a)
{
    size_t i = page_index(a);
    return (arena_of(a)->released[i / 64] >> (i % 64)) & 1;
}

static void released_set(uintptr_t a, bool on)
{
    size_t i = page_index(a);
    uint64_t *w = &arena_of(a)->released[i / 64];
    if (on)
        *w |= (uint64_t)1 << (i % 64);
    else
        *w &= ~((uint64_t)1 << (i % 64));
}

static size_t released_count(uintptr_t start, size_t npages)
{
    size_t n = 0;
    for (size_t i = 0; i < npages; i++)
        n += released_bit(start + i * PAGE);
    return n;
}

/* Clear the released bits of a range about to be used; returns how many
 * were set (resident pages may hold old data, released ones read zero). */
static size_t released_take(uintptr_t start, size_t npages)
{
    size_t n = 0;
    for (size_t i = 0; i < npages; i++) {
        uintptr_t a = start + i * PAGE;
        if (released_bit(a)) {
            n++;
            released_set(a, false);
        }
    }
    return n;
}

/* Return the resident pages of a range to the OS, one madvise per run. */
static size_t release_range(uintptr_t start, size_t npages)
{
    size_t done = 0, i = 0;
    while (i < npages) {
        uintptr_t a = start + i * PAGE;
        size_t pi = page_index(a);
        if (pi % 64 == 0 && i + 64 <= npages && arena_of(a)->released[pi / 64] == ~(uint64_t)0) {
            i += 64; /* a whole word already released: skip it */
            continue;
        }
        if (released_bit(a)) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < npages && !released_bit(start + j * PAGE)) {
            released_set(start + j * PAGE, true);
            j++;
        }
        os_release((void *)(start + i * PAGE), (j - i) * PAGE);
        done += j - i;
        i = j;
    }
    return done;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---------- descriptors ---------- */

static gm_span *desc_new(void)
{
    gm_span *s = heap.desc_free;
    if (s) {
        heap.desc_free = s->next;
    } else {
        s = meta_alloc(sizeof *s);
        if (!s)
            return NULL;
    }
    memset(s, 0, sizeof *s);
    return s;
}

static void desc_recycle(gm_span *s)
{
    s->kind = SPAN_META;
    s->next = heap.desc_free;
    heap.desc_free = s;
}

/* ---------- free structures ---------- */

static gm_span **free_list_of(size_t npages)
{
    return npages < GM_HEAP_EXACT_LISTS ? &heap.exact[npages] : &heap.big;
}

static void lru_unlink(gm_span *s)
{
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        heap.lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        heap.lru_tail = s->lru_prev;
    s->lru_next = s->lru_prev = NULL;
}

static void lru_append(gm_span *s)
{
    s->lru_next = NULL;
    s->lru_prev = heap.lru_tail;
    if (heap.lru_tail)
        heap.lru_tail->lru_next = s;
    else
        heap.lru_head = s;
    heap.lru_tail = s;
}

static bool lru_member(const gm_span *s)
{
    return s->released_pages < s->npages;
}

/* Put free span s on its list and the LRU; account its bytes as idle. */
static void free_insert(gm_span *s)
{
    gm_span **head = free_list_of(s->npages);
    s->kind = SPAN_FREE;
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
    if (s->npages < GM_HEAP_EXACT_LISTS)
        heap.nonempty[s->npages / 64] |= (uint64_t)1 << (s->npages % 64);
    if (lru_member(s)) {
        s->idle_since = now_ns();
        lru_append(s);
    }
    heap.idle += (uint64_t)s->npages * PAGE;
    heap.released += (uint64_t)s->released_pages * PAGE;
}

static void free_remove(gm_span *s)
{
    gm_span **head = free_list_of(s->npages);
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->npages < GM_HEAP_EXACT_LISTS && *head == NULL)
        heap.nonempty[s->npages / 64] &= ~((uint64_t)1 << (s->npages % 64));
    if (lru_member(s))
        lru_unlink(s);
    heap.idle -= (uint64_t)s->npages * PAGE;
    heap.released -= (uint64_t)s->released_pages * PAGE;
    s->next = s->prev = NULL;
}

/* Smallest free span of at least npages (best fit), or NULL. */
static gm_span *free_find(size_t npages)
{
    if (npages < GM_HEAP_EXACT_LISTS) {
        for (size_t w = npages / 64; w < GM_HEAP_EXACT_LISTS / 64; w++) {
            uint64_t bits = heap.nonempty[w];
            if (w == npages / 64)
                bits &= ~(uint64_t)0 << (npages % 64);
            if (bits)
                return heap.exact[w * 64 + (size_t)__builtin_ctzll(bits)];
        }
    }
    gm_span *best = NULL;
    for (gm_span *s = heap.big; s; s = s->next) {
        if (s->npages < npages)
            continue;
        if (!best || s->npages < best->npages ||
            (s->npages == best->npages && s->start < best->start))
            best = s;
    }
    return best;
}

/* Make s (its pages not on any list, page map not yet set for a free span)
 * a free span, merging it with free neighbours. Returns the merged span. */
static gm_span *free_coalesce_insert(gm_span *s)
{
    gm_span *prev = map_get(s->start - PAGE);
    if (prev && prev->kind == SPAN_FREE && prev->start + prev->npages * PAGE == s->start) {
        free_remove(prev);
        map_set(prev->start + (prev->npages - 1) * PAGE, NULL);
        s->start = prev->start;
        s->npages += prev->npages;
        s->released_pages += prev->released_pages;
        desc_recycle(prev);
    }
    gm_span *next = map_get(s->start + s->npages * PAGE);
    if (next && next->kind == SPAN_FREE && next->start == s->start + s->npages * PAGE) {
        free_remove(next);
        map_set(next->start, NULL);
        s->npages += next->npages;
        s->released_pages += next->released_pages;
        desc_recycle(next);
    }
    map_free_span(s, false);
    free_insert(s);
    return s;
}

/* ---------- growth ---------- */

__thread bool gm_heap_grew __attribute__((tls_model("initial-exec")));

/* noinline: the array is this frame's, below the caller's; volatile: the
 * stores are not dead to the compiler */
__attribute__((noinline)) void gm_stack_scrub(void)
{
    volatile uintptr_t words[512];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        words[i] = 0;
}

/* Map at least npages of fresh memory and add it as a free span. */
static bool heap_grow(size_t npages)
{
    gm_heap_grew = true;
    size_t bytes = (npages * PAGE + GM_ARENA_SIZE - 1) & ~(GM_ARENA_SIZE - 1);
    uint8_t *p = os_map_aligned(bytes, GM_ARENA_SIZE);
    if (!p)
        return false;
    for (size_t off = 0; off < bytes; off += GM_ARENA_SIZE) {
        gm_arena *ar = os_map(sizeof(gm_arena));
        if (!ar)
            return false; /* the part mapped so far stays unused: rare, harmless */
        memset(ar->released, 0xff, sizeof ar->released); /* fresh pages read zero */
        heap.arena_meta += sizeof(gm_arena);
        /* release: pairs with the acquire load in span_of */
        atomic_store_explicit(&gm_arena_map[((uintptr_t)p + off) >> GM_ARENA_SHIFT], ar,
                              memory_order_release);
        size_t n = atomic_load_explicit(&gm_arena_count, memory_order_relaxed);
        if (n < GM_MAX_ARENAS) {
            gm_arena_bases[n] = (uintptr_t)p + off;
            /* release: pairs with the acquire load of the collector's walk */
            atomic_store_explicit(&gm_arena_count, n + 1, memory_order_release);
        }
    }
    if ((uintptr_t)p < atomic_load_explicit(&gm_heap_lo, memory_order_relaxed))
        atomic_store_explicit(&gm_heap_lo, (uintptr_t)p, memory_order_relaxed);
    if ((uintptr_t)p + bytes > atomic_load_explicit(&gm_heap_hi, memory_order_relaxed))
        atomic_store_explicit(&gm_heap_hi, (uintptr_t)p + bytes, memory_order_relaxed);
    gm_span *s = desc_new();
    if (!s)
        return false;
    s->start = (uintptr_t)p;
    s->npages = bytes / PAGE;
    s->released_pages = s->npages;
    heap.sys += bytes;
    free_coalesce_insert(s);
    return true;
}

/* ---------- allocation and free ---------- */

/* Split the first npages off free span s (already removed from the lists);
 * the rest goes back as a free span. */
static gm_span *split_front(gm_span *s, size_t npages)
{
    if (s->npages == npages)
        return s;
    gm_span *rest = desc_new();
    if (!rest)
        return NULL;
    rest->start = s->start + npages * PAGE;
    rest->npages = s->npages - npages;
    /* count the part taken, not the rest: the rest may be a whole arena */
    size_t front_released = released_count(s->start, npages);
    rest->released_pages = s->released_pages - front_released;
    s->released_pages = front_released;
    s->npages = npages;
    map_free_span(rest, false);
    free_insert(rest);
    return s;
}

static void scavenge_locked(uint64_t keep);
static void release_span_locked(gm_span *s);

/* Resident idle memory allowed at any moment: twice what is in use, and at
 * least the GOMM_RETAIN_MB floor (64 MiB). Pages freed in a churn are
 * likely to be wanted again soon: handing them back only to fault them in
 * again cost the large-object benchmark (d) 20x in page faults with a
 * 16 MiB floor (a 20 MiB live set in a 64 MiB arena keeps ~44 MiB idle). */
static uint64_t retain_limit(void)
{
    uint64_t inuse = heap.sys - heap.idle;
    return 2 * inuse > heap.retain_min ? 2 * inuse : heap.retain_min;
}

gm_span *heap_alloc_span(size_t npages, size_t align_pages, int kind, int size_class)
{
    size_t need = npages + (align_pages > 1 ? align_pages - 1 : 0);
    if (need < npages || need > ((size_t)1 << (GM_ADDR_BITS - GM_PAGE_SHIFT)))
        return NULL;
    gm_lock_nosusp(&heap.lock);
    gm_span *s = free_find(need);
    if (!s) {
        if (!heap_grow(need) || !(s = free_find(need))) {
            gm_unlock_nosusp(&heap.lock);
            return NULL;
        }
    }
    free_remove(s);
    if (align_pages > 1) {
        uintptr_t amask = align_pages * PAGE - 1;
        size_t lead = (((s->start + amask) & ~amask) - s->start) / PAGE;
        if (lead) {
            gm_span *front = s;
            size_t total = s->npages;
            s = desc_new();
            if (!s) { /* put it back */
                free_coalesce_insert(front);
                gm_unlock_nosusp(&heap.lock);
                return NULL;
            }
            size_t lead_released = released_count(front->start, lead);
            s->start = front->start + lead * PAGE;
            s->npages = total - lead;
            s->released_pages = front->released_pages - lead_released;
            front->npages = lead;
            front->released_pages = lead_released;
            map_free_span(front, false);
            free_insert(front);
        }
    }
    if (!split_front(s, npages)) {
        free_coalesce_insert(s);
        gm_unlock_nosusp(&heap.lock);
        return NULL;
    }
    size_t released = released_take(s->start, s->npages);
    s->needzero = released != s->npages;
    s->released_pages = 0;
    s->kind = (uint8_t)kind;
    s->size_class = (uint8_t)size_class;
    map_set_range(s->start, s->npages, s);
    if (kind == SPAN_SMALL || kind == SPAN_LARGE) {
        size_t pi = page_index(s->start);
        arena_of(s->start)->malloc_starts[pi / 64] |= (uint64_t)1 << (pi % 64);
    }
    if (kind == SPAN_LARGE) {
        heap.large_alloc += s->npages * PAGE;
        heap.large_objects++;
        heap.large_mallocs++;
        heap.large_total += s->npages * PAGE;
    }
    gm_unlock_nosusp(&heap.lock);
    return s;
}

void heap_free_span(gm_span *s)
{
    gm_lock_nosusp(&heap.lock);
    if (s->kind == SPAN_LARGE) {
        heap.large_alloc -= s->npages * PAGE;
        heap.large_objects--;
        heap.large_frees++;
    }
    map_set_range(s->start, s->npages, NULL);
    size_t pi = page_index(s->start);
    arena_of(s->start)->malloc_starts[pi / 64] &= ~((uint64_t)1 << (pi % 64));
    s->released_pages = 0;
    atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
    s = free_coalesce_insert(s);
    uint64_t lim = retain_limit();
    if (heap.idle - heap.released > lim)
        scavenge_locked(lim / 4 * 3);
    /* Decay: pages idle for longer than the delay go back too, down to a
     * quarter of the floor (the oldest are at the LRU head). */
    int64_t now = now_ns();
    while (heap.lru_head && now - heap.lru_head->idle_since >= heap.decay_ns &&
           heap.idle - heap.released > heap.retain_min / 4)
        release_span_locked(heap.lru_head);
    gm_unlock_nosusp(&heap.lock);
}

/* ---------- scavenger ---------- */

/* Return all of free span s's resident pages to the OS. */
static void release_span_locked(gm_span *s)
{
    lru_unlink(s);
    size_t n = release_range(s->start, s->npages);
    s->released_pages += n;
    heap.released += (uint64_t)n * PAGE;
}

static void scavenge_locked(uint64_t keep)
{
    while (heap.idle - heap.released > keep && heap.lru_head)
        release_span_locked(heap.lru_head);
}

void heap_scavenge(uint64_t keep)
{
    gm_lock_nosusp(&heap.lock);
    scavenge_locked(keep);
    gm_unlock_nosusp(&heap.lock);
}

/* ---------- stats, checks, init, fork ---------- */

void heap_read_stats(heap_stats *out)
{
    gm_lock_nosusp(&heap.lock);
    out->sys = heap.sys;
    out->idle = heap.idle;
    out->released = heap.released;
    out->large_alloc = heap.large_alloc;
    out->large_objects = heap.large_objects;
    out->large_mallocs = heap.large_mallocs;
    out->large_frees = heap.large_frees;
    out->large_total = heap.large_total;
    out->arena_meta = heap.arena_meta;
    gm_unlock_nosusp(&heap.lock);
}

static const char *check_free_span(const gm_span *s, uint64_t *idle, uint64_t *rel)
{
    if (s->kind != SPAN_FREE)
        return "span on a free list is not free";
    if (map_get(s->start) != s || map_get(s->start + (s->npages - 1) * PAGE) != s)
        return "free span's first or last page does not map to it";
    for (size_t i = 1; i + 1 < s->npages; i++)
        if (map_get(s->start + i * PAGE) != NULL)
            return "free span's interior page maps to a span";
    gm_span *prev = map_get(s->start - PAGE);
    if (prev && prev->kind == SPAN_FREE)
        return "two adjacent free spans (not coalesced)";
    if (released_count(s->start, s->npages) != s->released_pages)
        return "released page count disagrees with the bitmap";
    *idle += (uint64_t)s->npages * PAGE;
    *rel += (uint64_t)s->released_pages * PAGE;
    return NULL;
}

const char *heap_check(void)
{
    const char *err = NULL;
    uint64_t idle = 0, rel = 0;
    size_t lru_expected = 0, lru_seen = 0;
    gm_lock_nosusp(&heap.lock);
    for (size_t i = 0; i < GM_HEAP_EXACT_LISTS && !err; i++) {
        bool bit = (heap.nonempty[i / 64] >> (i % 64)) & 1;
        if (bit != (heap.exact[i] != NULL))
            err = "non-empty list bitmap is wrong";
        for (gm_span *s = heap.exact[i]; s && !err; s = s->next) {
            if (s->npages != i)
                err = "span on the wrong exact list";
            else
                err = check_free_span(s, &idle, &rel);
            lru_expected += lru_member(s);
        }
    }
    for (gm_span *s = heap.big; s && !err; s = s->next) {
        if (s->npages < GM_HEAP_EXACT_LISTS)
            err = "small span on the big list";
        else
            err = check_free_span(s, &idle, &rel);
        lru_expected += lru_member(s);
    }
    for (gm_span *s = heap.lru_head; s && !err; s = s->lru_next) {
        lru_seen++;
        if (s->kind != SPAN_FREE || !lru_member(s))
            err = "LRU holds a span with no resident idle page";
    }
    if (!err && lru_seen != lru_expected)
        err = "LRU misses an idle span with resident pages";
    if (!err && idle != heap.idle)
        err = "idle bytes disagree with the free lists";
    if (!err && rel != heap.released)
        err = "released bytes disagree with the free lists";
    if (!err && heap.idle > heap.sys)
        err = "more idle than mapped";
    gm_unlock_nosusp(&heap.lock);
    return err;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *e = getenv(name);
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == '\0')
            return v;
    }
    return dflt;
}

void heap_init(void)
{
    heap.retain_min = env_u64("GOMM_RETAIN_MB", 64) << 20;
    heap.decay_ns = (int64_t)env_u64("GOMM_DECAY_MS", 1000) * 1000000;
}

void gm_free_os_memory(void)
{
    gm_alloc_ensure_init();
    gm_thread_cache_flush();
    central_reclaim();
    heap_scavenge(0);
}

void heap_lock_for_fork(void)
{
    gm_lock_nosusp(&heap.lock);
}

void heap_unlock_after_fork(int child)
{
    if (child) {
        pthread_mutex_init(&heap.lock, NULL);
        gc_nosuspend_end();
    } else {
        gm_unlock_nosusp(&heap.lock);
    }
}
