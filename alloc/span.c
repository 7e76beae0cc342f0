/*
 * alloc/span.c — small-object spans: carving, and the remote-free protocol.
 *
 * A span's xfree word is the list of objects freed by threads that do not
 * own the span, with the span's ownership state in the low 3 bits (objects
 * are at least 8-byte aligned). The state machine is in types.h. Here:
 *
 *  remote free, state ACTIVE/NOTIFYING/LISTED: push (CAS, release: pairs
 *      with the acquire CAS in span_collect_xfree, so the owner sees the
 *      link written into the object, and the program's last writes to it).
 *  remote free, state FULL: push and become NOTIFYING in one CAS (acq_rel:
 *      the acquire pairs with the owner's release CAS that made the span
 *      FULL, so span->owner is seen), push the span on the owner's delayed
 *      list, then set the state back to ACTIVE. The owner waits for that
 *      before it may orphan the span, so the cache pointer stays valid (and
 *      caches are never unmapped in any case).
 *  remote free, state ORPHAN: push and become LISTED in one CAS, then list
 *      the span in its central list (this thread does it, exactly once per
 *      orphaning, because only one CAS can leave ORPHAN).
 */
#include <string.h>

#include "internal.h"

gm_span gm_empty_span; /* freelist NULL forever: every fast path misses */

void span_init_small(gm_span *s, int c)
{
    uint32_t size = gm_class_to_size[c];
    s->size_class = (uint8_t)c;
    s->elem_size = size;
    s->nelems = (uint32_t)(s->npages * GM_PAGE_SIZE / size);
    s->objs_bytes = s->nelems * size;
    s->divmagic = UINT64_MAX / size + 1;
    s->used = 0;
    s->in_full = 0;
    s->local_free = NULL;
    s->next = s->prev = NULL;
    atomic_store_explicit(&s->delayed_next, NULL, memory_order_relaxed);
    atomic_store_explicit(&s->xfree, (uintptr_t)XF_ACTIVE, memory_order_relaxed);
    /* Thread the free list through the objects, in address order. */
    uintptr_t p = s->start;
    gm_free_obj *head = (gm_free_obj *)p;
    for (uint32_t i = 0; i + 1 < s->nelems; i++, p += size)
        ((gm_free_obj *)p)->next = (gm_free_obj *)(p + size);
    ((gm_free_obj *)p)->next = NULL;
    s->freelist = head;
}

static void notify_owner(gm_span *s)
{
    gm_cache *owner = atomic_load_explicit(&s->owner, memory_order_relaxed);
    gm_span *head = atomic_load_explicit(&owner->delayed, memory_order_relaxed);
    do {
        atomic_store_explicit(&s->delayed_next, head, memory_order_relaxed);
        /* release: pairs with the acquire exchange in cache_drain_delayed */
    } while (!atomic_compare_exchange_weak_explicit(&owner->delayed, &head, s, memory_order_release,
                                                    memory_order_relaxed));
    /* NOTIFYING -> ACTIVE, keeping whatever was pushed meanwhile. */
    uintptr_t old = atomic_load_explicit(&s->xfree, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&s->xfree, &old,
                                                  (old & ~(uintptr_t)XF_STATE_MASK) | XF_ACTIVE,
                                                  memory_order_release, memory_order_relaxed)) {
    }
}

void span_remote_free(gm_span *s, gm_free_obj *o)
{
    uintptr_t old = atomic_load_explicit(&s->xfree, memory_order_relaxed);
    for (;;) {
        uintptr_t st = old & XF_STATE_MASK;
        if (GM_UNLIKELY((old & ~(uintptr_t)XF_STATE_MASK) == (uintptr_t)o))
            free_invalid(o, s); /* freed twice in a row from other threads */
        o->next = (gm_free_obj *)(old & ~(uintptr_t)XF_STATE_MASK);
        uintptr_t next_state = st == XF_FULL ? XF_NOTIFYING : st == XF_ORPHAN ? XF_LISTED : st;
        if (atomic_compare_exchange_weak_explicit(&s->xfree, &old, (uintptr_t)o | next_state,
                                                  memory_order_acq_rel, memory_order_relaxed)) {
            if (st == XF_FULL)
                notify_owner(s);
            else if (st == XF_ORPHAN)
                central_list(s);
            return;
        }
    }
}

gm_free_obj *span_collect_xfree(gm_span *s, uint32_t *n)
{
    uintptr_t old = atomic_load_explicit(&s->xfree, memory_order_relaxed);
    *n = 0;
    do {
        if ((old & ~(uintptr_t)XF_STATE_MASK) == 0)
            return NULL;
        /* acquire: pairs with the release CAS in span_remote_free */
    } while (!atomic_compare_exchange_weak_explicit(&s->xfree, &old, old & XF_STATE_MASK,
                                                    memory_order_acquire, memory_order_relaxed));
    gm_free_obj *list = (gm_free_obj *)(old & ~(uintptr_t)XF_STATE_MASK);
    uint32_t count = 0;
    for (gm_free_obj *o = list; o; o = o->next)
        count++;
    *n = count;
    return list;
}

uint32_t span_freelist_prepend(gm_span *s, gm_free_obj *list)
{
    uint32_t n = 0;
    while (list) {
        gm_free_obj *o = list;
        list = list->next;
        o->next = s->freelist;
        s->freelist = o;
        n++;
    }
    return n;
}
