/*
 * checker/sync.c — vector clocks of sync objects, and C11 atomics and
 * fences in terms of them.
 *
 * A sync object is a vector clock S(a) keyed by an address a, created by
 * the first release on a and dropped when a's memory is freed (or reset by
 * a relaxed store that ends every release sequence on a). The operations
 * (T is the calling thread's clock):
 *   acquire        T := T join S(a)
 *   release        S(a) := T, then T's epoch ticks
 *   release-merge  S(a) := S(a) join T, then tick
 *   release-acquire  tmp := S(a); S(a) := T; T := T join tmp; tick
 *
 * C11 atomics (C17 7.17.3/7.17.4, the release-sequence rule as C++20 and
 * RC11 state it: a release sequence is the release store followed by
 * read-modify-writes, of any order, by any thread):
 *   load acquire/seq_cst   acquire S(a)
 *   load relaxed           A_T := A_T join S(a)   (for a later acquire fence)
 *   store release/seq_cst  S(a) := T (a new release sequence)
 *   store relaxed          S(a) := F_T if T issued a release fence (F_T is
 *                          T's clock at that fence), else S(a) := empty:
 *                          a plain store ends every release sequence
 *   RMW                    the load part as above; then
 *                          S(a) := S(a) join T if release, else
 *                          S(a) := S(a) join F_T (or unchanged): an RMW
 *                          continues the release sequence it reads from
 *   fence acquire          T := T join A_T
 *   fence release          F_T := T, then tick
 *   fence acq_rel/seq_cst  both
 * A seq_cst fence gets no extra global edge: C11 orders SC fences among
 * themselves only through the values threads read, which the rules above
 * already follow; a global edge would hide real races.
 *
 * Where objects live (the index): freeing memory must drop the objects in
 * it, and probing the table once per granule of a large block costs a
 * cache miss per granule and makes the whole table resident. So besides
 * the table, a count of objects is kept per 512-byte chunk of the 47-bit
 * address space: one pointer per 16 MiB region (a NORESERVE array, like
 * the shadow's first level), and for each region that ever held an object
 * 2^15 16-bit chunk counts and the region's total. A free probes only the
 * granules of chunks whose count is not zero. Invariant: a chunk's count
 * is the number of objects in the table whose address lies in the chunk
 * (incremented when get_locked creates one, decremented when
 * drop_in_bucket frees one, both under the object's bucket lock). Objects
 * at addresses at or above 2^47 (announced ones only; never real memory)
 * are not indexed, and a range reaching there is freed the old way.
 *
 * Locking: the table has 2^20 buckets, each a spin lock and a list head.
 * A clock operation runs under its bucket's lock; nothing else is taken
 * while it is held except the checker allocator's class lock (leaf).
 * Bucket heads are also read without the lock (acquire; paired with the
 * release store that publishes a new object) to skip empty buckets.
 * Index counts are relaxed atomics: a free that must see an object's
 * count is ordered after the object's creation by the program's own
 * synchronization (else the program frees memory it is using; the worst
 * case is a stale object, which can hide a race, never invent one).
 * Index regions are installed by CAS (release) and read with acquire.
 */
#include <string.h>

#include "../alloc/fatal.h"
#include "mem.h"
#include "rt.h"

#define SYNC_BUCKET_SHIFT 20
#define SYNC_BUCKETS      (1u << SYNC_BUCKET_SHIFT)

typedef struct syncvar {
    uintptr_t addr;
    struct syncvar *next;
    gm_vc vc;
} syncvar;

typedef struct bucket {
    rt_spin lock;
    _Atomic(syncvar *) head;
} bucket;

static _Atomic(bucket *) table;
static _Atomic size_t nsync;

/* ---- the index: sync objects per 512-byte chunk ---- */

#define IDX_LIMIT        (1ull << 47)
#define IDX_REGION_SHIFT 24
#define IDX_REGIONS      (IDX_LIMIT >> IDX_REGION_SHIFT)
#define IDX_CHUNK_SHIFT  9
#define IDX_CHUNK        (1ull << IDX_CHUNK_SHIFT)
#define IDX_CHUNKS       (1u << (IDX_REGION_SHIFT - IDX_CHUNK_SHIFT))

typedef struct idx_region {
    _Atomic uint32_t total;             /* objects in the region */
    _Atomic uint16_t count[IDX_CHUNKS]; /* objects per chunk (at most 512) */
} idx_region;

typedef _Atomic(idx_region *) idx_entry;
static _Atomic(idx_entry *) idx_l1; /* [IDX_REGIONS], mapped on first use */

static RT_NOINLINE idx_region *idx_region_alloc(uintptr_t r)
{
    idx_entry *l1 = atomic_load_explicit(&idx_l1, memory_order_acquire);
    if (!l1) {
        idx_entry *fresh = gm_rt_map(IDX_REGIONS * sizeof(idx_entry));
        if (atomic_compare_exchange_strong_explicit(&idx_l1, &l1, fresh, memory_order_acq_rel,
                                                    memory_order_acquire))
            l1 = fresh;
        else
            gm_rt_unmap((void *)fresh, IDX_REGIONS * sizeof(idx_entry));
    }
    idx_region *cur = atomic_load_explicit(&l1[r], memory_order_acquire);
    if (cur)
        return cur;
    idx_region *fresh = gm_rt_map(sizeof(idx_region));
    if (atomic_compare_exchange_strong_explicit(&l1[r], &cur, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    gm_rt_unmap(fresh, sizeof(idx_region));
    return cur;
}

/* The index region of address a, NULL when none (yet). */
RT_INLINE idx_region *idx_peek(uintptr_t a)
{
    idx_entry *l1 = atomic_load_explicit(&idx_l1, memory_order_acquire);
    return l1 ? atomic_load_explicit(&l1[a >> IDX_REGION_SHIFT], memory_order_acquire) : NULL;
}

RT_INLINE unsigned idx_chunk(uintptr_t a)
{
    return (unsigned)(a >> IDX_CHUNK_SHIFT) & (IDX_CHUNKS - 1);
}

/* An object at a was created; its bucket is locked. */
static void idx_add(uintptr_t a)
{
    if (a >= IDX_LIMIT)
        return;
    idx_region *ir = idx_peek(a);
    if (!ir)
        ir = idx_region_alloc(a >> IDX_REGION_SHIFT);
    atomic_fetch_add_explicit(&ir->count[idx_chunk(a)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ir->total, 1, memory_order_relaxed);
}

/* An object at a is being freed; its bucket is locked. */
static void idx_remove(uintptr_t a)
{
    idx_region *ir = a < IDX_LIMIT ? idx_peek(a) : NULL;
    if (!ir)
        return;
    atomic_fetch_sub_explicit(&ir->count[idx_chunk(a)], 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&ir->total, 1, memory_order_relaxed);
}

static RT_NOINLINE bucket *table_init(void)
{
    static rt_spin l;
    rt_spin_lock(&l);
    bucket *b = atomic_load_explicit(&table, memory_order_relaxed);
    if (!b) {
        b = gm_rt_map(SYNC_BUCKETS * sizeof(bucket));
        atomic_store_explicit(&table, b, memory_order_release);
    }
    rt_spin_unlock(&l);
    return b;
}

RT_INLINE bucket *bucket_of(uintptr_t a)
{
    bucket *tab = atomic_load_explicit(&table, memory_order_acquire);
    if (RT_UNLIKELY(!tab))
        tab = table_init();
    /* all addresses of one 8-byte granule share a bucket, so freeing a
     * range visits one bucket a granule */
    uint64_t h = (a >> 3) * 0x9E3779B97F4A7C15ull;
    return &tab[h >> (64 - SYNC_BUCKET_SHIFT)];
}

size_t rt_sync_count(void)
{
    return atomic_load_explicit(&nsync, memory_order_relaxed);
}

/* ---- vector clocks ---- */

static void vc_reserve(gm_vc *v, uint32_t n)
{
    if (v->cap >= n)
        return;
    uint32_t cap = v->cap ? v->cap : 8;
    while (cap < n)
        cap *= 2;
    uint64_t *c = gm_rt_alloc(cap * sizeof(uint64_t));
    if (v->c) {
        memcpy(c, v->c, v->n * sizeof(uint64_t));
        gm_rt_free(v->c, v->cap * sizeof(uint64_t));
    }
    v->c = c;
    v->cap = cap;
}

void rt_vc_free(gm_vc *v)
{
    if (v->c)
        gm_rt_free(v->c, v->cap * sizeof(uint64_t));
    v->c = NULL;
    v->n = v->cap = 0;
}

static unsigned nslots(void)
{
    return atomic_load_explicit(&gm_rt_state.nslots, memory_order_acquire);
}

void rt_vc_assign_from_thread(gm_vc *v, const gm_thr *t)
{
    unsigned n = nslots();
    vc_reserve(v, n);
    memcpy(v->c, t->clk, n * sizeof(uint64_t));
    v->n = n;
}

void rt_vc_join_from_thread(gm_vc *v, const gm_thr *t)
{
    unsigned n = nslots();
    vc_reserve(v, n);
    for (unsigned i = 0; i < v->n; i++)
        if (t->clk[i] > v->c[i])
            v->c[i] = t->clk[i];
    for (unsigned i = v->n; i < n; i++)
        v->c[i] = t->clk[i];
    v->n = n;
}

static void vc_join(gm_vc *dst, const gm_vc *src)
{
    vc_reserve(dst, src->n);
    for (unsigned i = 0; i < src->n; i++)
        if (src->c[i] > dst->c[i])
            dst->c[i] = src->c[i];
    if (src->n > dst->n)
        dst->n = src->n;
}

void rt_vc_join_into_thread(gm_thr *t, const uint64_t *c, unsigned n)
{
    uint64_t *k = t->clk;
    for (unsigned i = 0; i < n; i++)
        if (c[i] > k[i])
            k[i] = c[i];
    /* our own entry can only be ahead of what others saw of it; keep the
     * invariant clk[sid] == epoch explicit */
    k[t->sid] = t->epoch;
}

void rt_epoch_tick(gm_thr *t)
{
    if (RT_UNLIKELY(t->epoch >= RT_EPOCH_MAX))
        gm_fatal("race checker: thread T%d ran out of epochs", t->tid);
    t->clk[t->sid] = ++t->epoch;
}

/* ---- the table ---- */

static syncvar *find_locked(bucket *b, uintptr_t a)
{
    for (syncvar *s = atomic_load_explicit(&b->head, memory_order_relaxed); s; s = s->next)
        if (s->addr == a)
            return s;
    return NULL;
}

static syncvar *get_locked(bucket *b, uintptr_t a)
{
    syncvar *s = find_locked(b, a);
    if (s)
        return s;
    s = gm_rt_alloc(sizeof *s);
    s->addr = a;
    s->next = atomic_load_explicit(&b->head, memory_order_relaxed);
    idx_add(a); /* before the object can be found, so before a free can drop it */
    atomic_store_explicit(&b->head, s, memory_order_release);
    atomic_fetch_add_explicit(&nsync, 1, memory_order_relaxed);
    return s;
}

RT_INLINE bool bucket_empty(bucket *b)
{
    return atomic_load_explicit(&b->head, memory_order_acquire) == NULL;
}

void rt_acquire(gm_thr *t, uintptr_t a)
{
    bucket *b = bucket_of(a);
    if (bucket_empty(b))
        return;
    rt_spin_lock(&b->lock);
    syncvar *s = find_locked(b, a);
    if (s)
        rt_vc_join_into_thread(t, s->vc.c, s->vc.n);
    rt_spin_unlock(&b->lock);
}

void rt_release(gm_thr *t, uintptr_t a)
{
    bucket *b = bucket_of(a);
    rt_spin_lock(&b->lock);
    rt_vc_assign_from_thread(&get_locked(b, a)->vc, t);
    rt_spin_unlock(&b->lock);
    rt_epoch_tick(t);
}

void rt_release_merge(gm_thr *t, uintptr_t a)
{
    bucket *b = bucket_of(a);
    rt_spin_lock(&b->lock);
    rt_vc_join_from_thread(&get_locked(b, a)->vc, t);
    rt_spin_unlock(&b->lock);
    rt_epoch_tick(t);
}

void rt_release_acquire(gm_thr *t, uintptr_t a)
{
    bucket *b = bucket_of(a);
    rt_spin_lock(&b->lock);
    syncvar *s = get_locked(b, a);
    /* T := T join old S, S := old T: swap through the thread clock. The
     * thread's clock before the join is what S must hold. */
    gm_vc old = s->vc;
    s->vc = (gm_vc){0};
    rt_vc_assign_from_thread(&s->vc, t);
    if (old.c)
        rt_vc_join_into_thread(t, old.c, old.n);
    rt_spin_unlock(&b->lock);
    rt_vc_free(&old);
    rt_epoch_tick(t);
}

/* ---- C11 atomics ---- */

static int mo_norm(int mo)
{
    mo &= 0xff; /* gcc's HLE and __sync bits live above */
    if (mo == RT_MO_CONSUME)
        return RT_MO_ACQUIRE;
    return mo > RT_MO_SEQ_CST ? RT_MO_SEQ_CST : mo;
}

static bool mo_acquires(int mo)
{
    return mo == RT_MO_ACQUIRE || mo == RT_MO_ACQ_REL || mo == RT_MO_SEQ_CST;
}

static bool mo_releases(int mo)
{
    return mo == RT_MO_RELEASE || mo == RT_MO_ACQ_REL || mo == RT_MO_SEQ_CST;
}

/* The load half of a load or RMW, bucket locked, s may be NULL. */
static void load_part(gm_thr *t, syncvar *s, int mo)
{
    if (!s || !s->vc.n)
        return;
    if (mo_acquires(mo)) {
        rt_vc_join_into_thread(t, s->vc.c, s->vc.n);
    } else {
        vc_join(&t->acq, &s->vc);
        t->acq_pending = true;
    }
}

/* Which atomics take the bucket lock around their memory operation:
 *  - a load does when an object may exist: the value it reads and the
 *    clock it takes must be the same store's (or the same release
 *    sequence's). Read outside the lock, a load could read the old value
 *    and then take the clock of a store that completed in between. When
 *    the bucket was empty, the load reads memory unlocked and then looks
 *    again (rt_atomic_load_relock): a releaser publishes its object before
 *    its store becomes visible, so a load that read a released value finds
 *    the object then, and reads again under the lock;
 *  - a store or RMW that releases (or follows a release fence) creates the
 *    object first, then stores under the lock;
 *  - an RMW that acquires locks whatever the bucket holds: its read and
 *    its acquire must be one step against a concurrent releaser;
 *  - a relaxed store or RMW locks only if an object may exist. */
void *rt_atomic_begin(gm_thr *t, uintptr_t a, int kind, int mo)
{
    mo = mo_norm(mo);
    bucket *b = bucket_of(a);
    if (kind == RT_ATOMIC_LOAD) {
        if (bucket_empty(b))
            return NULL;
        rt_spin_lock(&b->lock);
        return b;
    }
    if (mo_releases(mo) || t->has_rel) {
        rt_spin_lock(&b->lock);
        (void)get_locked(b, a); /* visible before the store is */
        return b;
    }
    if ((kind == RT_ATOMIC_RMW && mo_acquires(mo)) || !bucket_empty(b)) {
        rt_spin_lock(&b->lock);
        return b;
    }
    return NULL;
}

void *rt_atomic_load_relock(uintptr_t a)
{
    bucket *b = bucket_of(a);
    if (RT_LIKELY(bucket_empty(b)))
        return NULL;
    rt_spin_lock(&b->lock);
    return b;
}

void rt_atomic_end(gm_thr *t, void *locked, uintptr_t a, int kind, int mo)
{
    bucket *b = locked;
    mo = mo_norm(mo);
    if (!b) {
        if (kind != RT_ATOMIC_LOAD)
            return; /* a relaxed store/RMW with no clock around */
        /* a failed CAS that locked nothing, after reading memory (a load
         * has looked twice already: this finds nothing) */
        b = bucket_of(a);
        if (bucket_empty(b))
            return;
        rt_spin_lock(&b->lock);
    }
    bool rel = false;
    switch (kind) {
    case RT_ATOMIC_LOAD:
        load_part(t, find_locked(b, a), mo);
        break;
    case RT_ATOMIC_STORE:
        if (mo_releases(mo)) {
            rt_vc_assign_from_thread(&get_locked(b, a)->vc, t);
            rel = true;
        } else if (t->has_rel) {
            syncvar *s = get_locked(b, a);
            vc_reserve(&s->vc, t->rel.n);
            memcpy(s->vc.c, t->rel.c, t->rel.n * sizeof(uint64_t));
            s->vc.n = t->rel.n;
        } else {
            syncvar *s = find_locked(b, a);
            if (s)
                s->vc.n = 0; /* the release sequences on a end here */
        }
        break;
    case RT_ATOMIC_RMW: {
        rel = mo_releases(mo);
        syncvar *s = rel || t->has_rel ? get_locked(b, a) : find_locked(b, a);
        if (s) {
            /* read first: an acq_rel RMW acquires what it reads, not itself */
            load_part(t, s, mo);
            if (rel)
                rt_vc_join_from_thread(&s->vc, t);
            else if (t->has_rel)
                vc_join(&s->vc, &t->rel);
        }
        break;
    }
    }
    rt_spin_unlock(&b->lock);
    if (rel)
        rt_epoch_tick(t);
}

void rt_atomic_fence(gm_thr *t, int mo)
{
    mo = mo_norm(mo);
    if (mo_acquires(mo) && t->acq_pending) {
        rt_vc_join_into_thread(t, t->acq.c, t->acq.n);
        t->acq.n = 0;
        t->acq_pending = false;
    }
    if (mo_releases(mo)) {
        rt_vc_assign_from_thread(&t->rel, t);
        t->has_rel = true;
        rt_epoch_tick(t);
    }
}

/* ---- lifetime ---- */

static void drop_in_bucket(bucket *b, uintptr_t lo, uintptr_t hi)
{
    if (bucket_empty(b))
        return;
    rt_spin_lock(&b->lock);
    syncvar *prev = NULL;
    syncvar *s = atomic_load_explicit(&b->head, memory_order_relaxed);
    while (s) {
        syncvar *next = s->next;
        if (s->addr >= lo && s->addr < hi) {
            if (prev)
                prev->next = next;
            else
                atomic_store_explicit(&b->head, next, memory_order_relaxed);
            idx_remove(s->addr);
            rt_vc_free(&s->vc);
            gm_rt_free(s, sizeof *s);
            atomic_fetch_sub_explicit(&nsync, 1, memory_order_relaxed);
        } else {
            prev = s;
        }
        s = next;
    }
    rt_spin_unlock(&b->lock);
}

/* Without the index: every granule's bucket, or for a range of more
 * granules than a quarter of the buckets, every bucket. */
static void free_range_probe_all(uintptr_t a, uintptr_t hi)
{
    if ((hi - a) / 8 <= SYNC_BUCKETS / 4) {
        for (uintptr_t g = a & ~(uintptr_t)7; g < hi; g += 8)
            drop_in_bucket(bucket_of(g), a, hi);
    } else {
        bucket *tab = atomic_load_explicit(&table, memory_order_acquire);
        for (size_t i = 0; i < SYNC_BUCKETS; i++)
            drop_in_bucket(&tab[i], a, hi);
    }
}

void rt_sync_free_range(uintptr_t a, size_t n)
{
    if (atomic_load_explicit(&nsync, memory_order_relaxed) == 0 || n == 0)
        return;
    uintptr_t hi = a + n;
    if (hi < a || hi > IDX_LIMIT) { /* not (all) indexed */
        free_range_probe_all(a, hi < a ? UINTPTR_MAX : hi);
        return;
    }
    /* chunk by chunk; regions without objects in one step */
    for (uintptr_t c = a & ~(uintptr_t)(IDX_CHUNK - 1); c < hi;) {
        idx_region *ir = idx_peek(c);
        if (!ir || atomic_load_explicit(&ir->total, memory_order_relaxed) == 0) {
            c = ((c >> IDX_REGION_SHIFT) + 1) << IDX_REGION_SHIFT;
            continue;
        }
        _Atomic uint16_t *cnt = &ir->count[idx_chunk(c)];
        uintptr_t end = c + IDX_CHUNK < hi ? c + IDX_CHUNK : hi;
        uintptr_t g = (c > a ? c : a) & ~(uintptr_t)7;
        /* until the chunk's objects are all gone */
        for (; g < end && atomic_load_explicit(cnt, memory_order_relaxed) != 0; g += 8)
            drop_in_bucket(bucket_of(g), a, hi);
        c += IDX_CHUNK;
    }
}
