/*
 * alloc/finalizer.c — finalizers: gm_gc_set_finalizer and the finalizer
 * thread.
 *
 * Go's semantics: when the collector finds an object with a finalizer
 * unreachable, it does not free it; it queues fn(obj, arg) for the
 * finalizer thread and forgets the finalizer; the object is freed by the
 * first cycle that finds it unreachable again. Everything obj points to is
 * kept for the finalizer: the mark phase scans the contents of every
 * object with a finalizer (pushes it gray without marking it). So of two
 * objects with finalizers where A points to B, A's runs first and B's a
 * cycle later (Go's order); a cycle through an object with a finalizer is
 * never collected (as in Go).
 *
 * Records are gm_malloc blocks, so the collector scans them as roots: the
 * object's address is stored complemented while it waits (invisible to
 * the scan, or the record would keep it alive), in clear once queued (the
 * queue keeps it alive until fn ran); arg is always visible (kept alive).
 *
 * Locking: fin_lock (no-suspend holders only) guards the table and the
 * ready list, which mark termination fills with the world stopped;
 * fq_lock guards the finalizer thread's queue and is never taken with the
 * world stopped (gc_fin_after_cycle moves ready to it afterwards). The
 * finalizer thread waits in a blocking region, so it never delays a stop.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include <gomm/gc.h>
#include <gomm/race.h>

#include "gc.h"

#define FIN_BUCKETS 1024

typedef struct fin_rec {
    uintptr_t hidden; /* ~obj while registered */
    void *visible;    /* obj once queued */
    void (*fn)(void *obj, void *arg);
    void *arg;
    struct fin_rec *next;
} fin_rec;

static pthread_mutex_t fin_lock = PTHREAD_MUTEX_INITIALIZER;
static fin_rec *table[FIN_BUCKETS]; /* fin_lock */
static fin_rec *ready;              /* fin_lock: found unreachable, not yet queued */
static size_t nfin;                 /* fin_lock */

static pthread_mutex_t fq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fq_cond = PTHREAD_COND_INITIALIZER;
static fin_rec *fq_head, *fq_tail; /* fq_lock */
static pthread_once_t fin_thread_once = PTHREAD_ONCE_INIT;

_Atomic uint64_t gc_finalizers_run, gc_finalizers_queued;

static size_t bucket_of(uintptr_t obj)
{
    return (size_t)((obj >> 4) * 0x9E3779B97F4A7C15ull >> 54) % FIN_BUCKETS;
}

/* Run one finalizer. noinline, and the record zeroed before it is freed:
 * once fn returns no copy of obj stays where the collector looks (this
 * frame is dead, below the loop's; the free slot holds zeros). */
static __attribute__((noinline)) void run_one(fin_rec *r)
{
    void *obj = r->visible;
    void (*fn)(void *, void *) = r->fn;
    void *farg = r->arg;
    memset(r, 0, sizeof *r);
    gm_free(r);
    gm_race_acquire(obj); /* Go: SetFinalizer(x, f) happens before f(x) */
    fn(obj, farg);
    atomic_fetch_add_explicit(&gc_finalizers_run, 1, memory_order_relaxed);
}

static void *fin_main(void *arg)
{
    (void)arg;
    gc_thread_cur();
    gc_runtime_thread_started();
    for (;;) {
        gc_block_enter();
        pthread_mutex_lock(&fq_lock);
        while (!fq_head)
            pthread_cond_wait(&fq_cond, &fq_lock);
        fin_rec *r = fq_head;
        fq_head = r->next;
        if (!fq_head)
            fq_tail = NULL;
        pthread_mutex_unlock(&fq_lock);
        gc_block_exit();
        run_one(r);
    }
    return NULL;
}

static void start_fin_thread(void)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, fin_main, NULL) != 0)
        gm_fatal("gm_gc_set_finalizer: cannot start the finalizer thread");
    pthread_attr_destroy(&attr);
}

void gm_gc_set_finalizer(void *obj, void (*fn)(void *obj, void *arg), void *arg)
{
    gc_init();
    gc_thread_cur();
    uintptr_t start;
    gc_span *g;
    if (!obj || !gc_find_object((uintptr_t)obj, &start, &g) ||
        (uintptr_t)obj != start + (g->flavor == GC_TYPED ? GC_TYPE_HDR : 0))
        gm_fatal("gm_gc_set_finalizer: pointer %p is not the start of a gm_new object", obj);
    fin_rec *fresh = NULL;
    if (fn) {
        pthread_once(&fin_thread_once, start_fin_thread);
        fresh = gm_malloc(sizeof *fresh);
        if (!fresh)
            gm_fatal("gm_gc_set_finalizer: out of memory");
        memset(fresh, 0, sizeof *fresh);
        fresh->hidden = ~(uintptr_t)obj;
        fresh->fn = fn;
        fresh->arg = arg;
        gm_race_release(obj);
    }
    fin_rec *drop = NULL;
    gm_lock_nosusp(&fin_lock);
    fin_rec **pp = &table[bucket_of((uintptr_t)obj)];
    while (*pp && (*pp)->hidden != ~(uintptr_t)obj)
        pp = &(*pp)->next;
    if (*pp) { /* replace (or remove) the existing one */
        drop = *pp;
        *pp = drop->next;
        nfin--;
    }
    if (fresh) {
        fresh->next = *pp;
        *pp = fresh;
        nfin++;
        /* marking already started without it: its referents must be
         * scanned all the same (mark termination cannot pass meanwhile) */
        if (gc_state() & GCS_MARKING)
            gc_push_unmarked((uintptr_t)obj);
    }
    gm_unlock_nosusp(&fin_lock);
    if (drop)
        memset(drop, 0, sizeof *drop);
    gm_free(drop);
}

void gc_fin_push_roots(void)
{
    for (size_t b = 0; b < FIN_BUCKETS; b++)
        for (fin_rec *r = table[b]; r; r = r->next)
            gc_push_unmarked(~r->hidden);
}

void gc_fin_collect_stw(void)
{
    for (size_t b = 0; b < FIN_BUCKETS; b++) {
        fin_rec **pp = &table[b];
        while (*pp) {
            fin_rec *r = *pp;
            uintptr_t obj = ~r->hidden;
            if (gc_is_marked(obj)) {
                pp = &r->next;
                continue;
            }
            gc_set_marked(obj); /* survives this sweep; its referents are marked */
            *pp = r->next;
            nfin--;
            r->visible = (void *)obj;
            r->next = ready;
            ready = r;
        }
    }
}

void gc_fin_after_cycle(void)
{
    gm_lock_nosusp(&fin_lock);
    fin_rec *list = ready;
    ready = NULL;
    gm_unlock_nosusp(&fin_lock);
    if (!list)
        return;
    /* ready is newest first: reverse, so finalizers run in table order */
    fin_rec *rev = NULL;
    uint64_t n = 0;
    while (list) {
        fin_rec *r = list;
        list = r->next;
        r->next = rev;
        rev = r;
        n++;
    }
    pthread_mutex_lock(&fq_lock);
    for (fin_rec *r = rev, *next; r; r = next) {
        next = r->next;
        r->next = NULL;
        if (fq_tail)
            fq_tail->next = r;
        else
            fq_head = r;
        fq_tail = r;
    }
    atomic_fetch_add_explicit(&gc_finalizers_queued, n, memory_order_relaxed);
    pthread_cond_signal(&fq_cond);
    pthread_mutex_unlock(&fq_lock);
}
