/*
 * alloc/nosuspend.h — regions in which the collector may not stop a thread.
 *
 * The collector stops threads with a signal (alloc/gcstw.c). A thread
 * stopped while holding a lock that the collector takes during the stop
 * (a GC lock, or one of the allocator's: heap, central, cache pool, meta)
 * would deadlock it, so every holder of such a lock runs inside a
 * no-suspend region: a per-thread depth counter. The suspend handler,
 * finding the depth non-zero, only records that a stop is pending; the
 * thread parks when the depth drops back to zero.
 *
 * The counter and the pending flag are touched only by their own thread
 * and by signal handlers running on that thread: plain TLS with compiler
 * fences (atomic_signal_fence), no atomic instructions. A thread that the
 * collector does not know is never signalled; the counter costs it two
 * TLS increments per lock.
 */
#ifndef GOMM_ALLOC_NOSUSPEND_H
#define GOMM_ALLOC_NOSUSPEND_H

#include <pthread.h>
#include <stdatomic.h>

#pragma GCC visibility push(hidden)

extern __thread int gc_nosuspend_depth __attribute__((tls_model("initial-exec")));
extern __thread volatile int gc_suspend_pending __attribute__((tls_model("initial-exec")));
void gc_suspend_deferred(void); /* park now for the stop recorded while inside */

static inline void gc_nosuspend_begin(void)
{
    gc_nosuspend_depth++;
    atomic_signal_fence(memory_order_seq_cst); /* the handler sees the depth first */
}

static inline void gc_nosuspend_end(void)
{
    atomic_signal_fence(memory_order_seq_cst);
    if (--gc_nosuspend_depth == 0 && __builtin_expect(gc_suspend_pending, 0))
        gc_suspend_deferred();
}

/* pthread mutexes taken inside a no-suspend region. */
static inline void gm_lock_nosusp(pthread_mutex_t *m)
{
    gc_nosuspend_begin();
    pthread_mutex_lock(m);
}

static inline void gm_unlock_nosusp(pthread_mutex_t *m)
{
    pthread_mutex_unlock(m);
    gc_nosuspend_end();
}

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_NOSUSPEND_H */
