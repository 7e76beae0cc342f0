/*
 * gomm/sync.h — Go's sync package for C: Mutex, RWMutex, Once, WaitGroup,
 * Cond. Every type's zero value is ready to use (`gm_mutex mu = {0};`), and
 * none may be copied after first use. Fields are private.
 *
 * Memory model (Go's): the n-th gm_mutex_unlock happens before the return
 * of the (n+1)-th gm_mutex_lock; fn's return in gm_once_do happens before
 * every gm_once_do returns; gm_waitgroup_done happens before the return of
 * the gm_waitgroup_wait it releases; gm_cond_signal/broadcast happen before
 * the return of the waits they wake. docs/sync.md lists every edge.
 *
 * Misuse is a fatal error with Go's message: "sync: unlock of unlocked
 * mutex", "sync: RUnlock of unlocked RWMutex", "sync: Unlock of unlocked
 * RWMutex", "sync: negative WaitGroup counter".
 */
#ifndef GOMM_SYNC_H
#define GOMM_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sync.Mutex: not reentrant; any thread may unlock; a waiter blocked over
 * 1 ms switches the mutex to starvation mode (direct hand-off, FIFO). */
typedef struct gm_mutex {
    int32_t state_; /* locked | woken | starving | waiters << 3 */
    uint32_t sema_; /* wake-up permits */
} gm_mutex;
void gm_mutex_lock(gm_mutex *m);
void gm_mutex_unlock(gm_mutex *m); /* unlocked: fatal error */
bool gm_mutex_trylock(gm_mutex *m);

/* sync.RWMutex: a blocked writer keeps new readers out (writers are not
 * starved), so a reader must not take the read lock recursively. */
typedef struct gm_rwmutex {
    gm_mutex w_;           /* held by a writer */
    uint32_t writer_sem_;  /* writers wait here for departing readers */
    uint32_t reader_sem_;  /* readers wait here for the writer */
    int32_t reader_count_; /* readers; minus 2^30 while a writer waits/holds */
    int32_t reader_wait_;  /* readers the writer still waits for */
} gm_rwmutex;
void gm_rwmutex_lock(gm_rwmutex *m);
void gm_rwmutex_unlock(gm_rwmutex *m);
void gm_rwmutex_rlock(gm_rwmutex *m);
void gm_rwmutex_runlock(gm_rwmutex *m);
bool gm_rwmutex_trylock(gm_rwmutex *m);
bool gm_rwmutex_tryrlock(gm_rwmutex *m);

/* sync.Once: fn runs once; concurrent callers wait for it to return. */
typedef struct gm_once {
    uint32_t done_; /* first: the fast path is one acquire load */
    gm_mutex m_;
} gm_once;
void gm_once_do(gm_once *o, void (*fn)(void *arg), void *arg);

/* sync.WaitGroup. */
typedef struct gm_waitgroup {
    uint64_t state_; /* counter << 32 | waiters */
    uint32_t sema_;
} gm_waitgroup;
void gm_waitgroup_add(gm_waitgroup *wg, int64_t delta); /* negative total: fatal */
void gm_waitgroup_done(gm_waitgroup *wg);
void gm_waitgroup_wait(gm_waitgroup *wg);

/* sync.Cond, bound to a gm_mutex at each wait (Go binds it at creation). */
struct gm_waiter_;
typedef struct gm_cond {
    uint32_t wait_;   /* ticket of the next waiter */
    uint32_t notify_; /* ticket of the next waiter to wake */
    uint32_t lock_;   /* spin lock over the list */
    struct gm_waiter_ *head_, *tail_;
} gm_cond;
void gm_cond_wait(gm_cond *c, gm_mutex *m); /* m locked on entry and return */
void gm_cond_signal(gm_cond *c);
void gm_cond_broadcast(gm_cond *c);

#ifdef __cplusplus
}
#endif

#endif /* GOMM_SYNC_H */
