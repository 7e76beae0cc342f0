/*
 * alloc/central.c — per-size-class central lists (Go's mcentral).
 *
 * A central list holds orphaned spans (state XF_LISTED) that have free
 * objects: spans a thread gave up at exit, and full orphans that another
 * thread freed into. A cache that runs out of its own spans adopts one from
 * here before it asks the page heap for fresh pages. New spans come from the
 * page heap directly (cache.c), not through here.
 *
 * Locking: central[c].lock protects the list and, while a span is listed,
 * its private fields (freelist, used). The xfree word stays lock-free: remote
 * frees keep pushing onto a listed span.
 */
#include "internal.h"

static gm_central central[GM_NUM_CLASSES];

void central_init(void)
{
    for (int c = 0; c < GM_NUM_CLASSES; c++)
        pthread_mutex_init(&central[c].lock, NULL);
}

void central_list(gm_span *s)
{
    gm_central *ct = &central[s->size_class];
    gm_lock_nosusp(&ct->lock);
    s->prev = NULL;
    s->next = ct->partial;
    if (ct->partial)
        ct->partial->prev = s;
    ct->partial = s;
    gm_unlock_nosusp(&ct->lock);
}

static void central_unlink(gm_central *ct, gm_span *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        ct->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

/* Take s's remote frees into its freelist and make it ACTIVE. s is listed
 * and unlinked, the central lock held. */
static void take_remote_frees(gm_span *s)
{
    uintptr_t old = atomic_load_explicit(&s->xfree, memory_order_relaxed);
    /* acquire: pairs with the release CAS of each remote free */
    while (!atomic_compare_exchange_weak_explicit(&s->xfree, &old, (uintptr_t)XF_ACTIVE,
                                                  memory_order_acquire, memory_order_relaxed)) {
    }
    s->used -= span_freelist_prepend(s, (gm_free_obj *)(old & ~(uintptr_t)XF_STATE_MASK));
}

gm_span *central_adopt(int size_class, gm_cache *c)
{
    gm_central *ct = &central[size_class];
    gm_lock_nosusp(&ct->lock);
    gm_span *s = ct->partial;
    if (s) {
        central_unlink(ct, s);
        /* The owner is set before xfree leaves LISTED, so that a remote
         * freer that later sees FULL (set by us, release) reads it. */
        atomic_store_explicit(&s->owner, c, memory_order_relaxed);
        take_remote_frees(s);
    }
    gm_unlock_nosusp(&ct->lock);
    return s;
}

void central_reclaim(void)
{
    for (int c = 1; c < GM_NUM_CLASSES; c++) {
        gm_central *ct = &central[c];
        gm_span *empty = NULL;
        gm_lock_nosusp(&ct->lock);
        for (gm_span *s = ct->partial, *next; s; s = next) {
            next = s->next;
            /* Pull pending remote frees in (state stays LISTED). */
            uint32_t n;
            span_freelist_prepend(s, span_collect_xfree(s, &n));
            s->used -= n;
            if (s->used == 0) {
                /* every object is free: nothing can push to it any more */
                central_unlink(ct, s);
                s->next = empty;
                empty = s;
            }
        }
        gm_unlock_nosusp(&ct->lock);
        while (empty) {
            gm_span *s = empty;
            empty = s->next;
            heap_free_span(s);
        }
    }
}

void central_lock_for_fork(void)
{
    for (int c = 0; c < GM_NUM_CLASSES; c++)
        gm_lock_nosusp(&central[c].lock);
}

void central_unlock_after_fork(int child)
{
    for (int c = 0; c < GM_NUM_CLASSES; c++) {
        if (child) {
            pthread_mutex_init(&central[c].lock, NULL);
            gc_nosuspend_end();
        } else {
            gm_unlock_nosusp(&central[c].lock);
        }
    }
}
