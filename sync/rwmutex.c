/*
 * sync/rwmutex.c — sync.RWMutex, after Go's sync/rwmutex.go.
 *
 * reader_count_ counts readers; a writer subtracts 2^30 from it, which
 * makes it negative: new readers see that and wait on reader_sem_, so a
 * waiting writer is not starved. The writer then waits on writer_sem_ for
 * the readers that were already in (reader_wait_). Writers exclude each
 * other with the embedded mutex w_.
 *
 * Orders: reader_count_/reader_wait_ changes are seq_cst RMWs; the
 * semaphores carry the hand-offs. Race hooks (Go's, on two addresses):
 * unlock releases reader_sem_ (writer -> every later reader and writer);
 * runlock merges into writer_sem_ (every reader -> the next writer); lock
 * acquires both; rlock acquires reader_sem_.
 */
#include <gomm/sync.h>

#include <stdatomic.h>

#include "../alloc/fatal.h"
#include "race_hooks.h"
#include "sema.h"

#define MAX_READERS (1 << 30)
#define RC(m)       ((_Atomic int32_t *)&(m)->reader_count_)
#define RW(m)       ((_Atomic int32_t *)&(m)->reader_wait_)

void gm_rwmutex_rlock(gm_rwmutex *m)
{
    if (atomic_fetch_add_explicit(RC(m), 1, memory_order_seq_cst) + 1 < 0)
        gm_semacquire(&m->reader_sem_, false); /* a writer is pending */
    RACE_ACQUIRE(&m->reader_sem_);
}

bool gm_rwmutex_tryrlock(gm_rwmutex *m)
{
    int32_t c = atomic_load_explicit(RC(m), memory_order_relaxed);
    for (;;) {
        if (c < 0)
            return false;
        if (atomic_compare_exchange_weak_explicit(RC(m), &c, c + 1, memory_order_seq_cst,
                                                  memory_order_relaxed)) {
            RACE_ACQUIRE(&m->reader_sem_);
            return true;
        }
    }
}

void gm_rwmutex_runlock(gm_rwmutex *m)
{
    RACE_RELEASE_MERGE(&m->writer_sem_);
    int32_t r = atomic_fetch_sub_explicit(RC(m), 1, memory_order_seq_cst) - 1;
    if (r < 0) {
        if (r + 1 == 0 || r + 1 == -MAX_READERS)
            gm_fatal("sync: RUnlock of unlocked RWMutex");
        /* a writer is pending: the last departing reader wakes it */
        if (atomic_fetch_sub_explicit(RW(m), 1, memory_order_seq_cst) - 1 == 0)
            gm_semrelease(&m->writer_sem_, false);
    }
}

void gm_rwmutex_lock(gm_rwmutex *m)
{
    gm_mutex_lock(&m->w_);
    /* announce the writer; r = readers still inside */
    int32_t r = atomic_fetch_add_explicit(RC(m), -MAX_READERS, memory_order_seq_cst);
    if (r != 0 && atomic_fetch_add_explicit(RW(m), r, memory_order_seq_cst) + r != 0)
        gm_semacquire(&m->writer_sem_, false);
    RACE_ACQUIRE(&m->reader_sem_);
    RACE_ACQUIRE(&m->writer_sem_);
}

bool gm_rwmutex_trylock(gm_rwmutex *m)
{
    if (!gm_mutex_trylock(&m->w_))
        return false;
    int32_t expect = 0;
    if (!atomic_compare_exchange_strong_explicit(RC(m), &expect, -MAX_READERS, memory_order_seq_cst,
                                                 memory_order_relaxed)) {
        gm_mutex_unlock(&m->w_);
        return false;
    }
    RACE_ACQUIRE(&m->reader_sem_);
    RACE_ACQUIRE(&m->writer_sem_);
    return true;
}

void gm_rwmutex_unlock(gm_rwmutex *m)
{
    RACE_RELEASE(&m->reader_sem_);
    int32_t r = atomic_fetch_add_explicit(RC(m), MAX_READERS, memory_order_seq_cst) + MAX_READERS;
    if (r >= MAX_READERS)
        gm_fatal("sync: Unlock of unlocked RWMutex");
    for (int32_t i = 0; i < r; i++) /* let in the readers that queued */
        gm_semrelease(&m->reader_sem_, false);
    gm_mutex_unlock(&m->w_);
}
