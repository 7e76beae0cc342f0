/*
 * sync/g.h — the runtime's record of a thread (Go's g), parking, waiters.
 *
 * Every thread that blocks in gomm has a gm_g (made on its first use,
 * recycled at thread exit, never freed). A thread parks on its own futex word with a permit
 * protocol: gm_unpark leaves a permit (park_word = 1) and wakes the thread
 * if it sleeps (park_word = 2); gm_park consumes a permit or sleeps until
 * one comes. A permit may be stale (a waker that lost a race), so every
 * caller parks in a loop until its own completion flag says it is done.
 * Orders: unpark's exchange is release, park's exchange acquire, so what
 * the waker wrote before unparking (a received value, a flag) is visible to
 * the parked thread when gm_park returns.
 *
 * gm_waiter is Go's sudog: one blocked operation of one thread on one
 * channel, semaphore or condition. Waiters come from the gomm allocator.
 *
 * Deadlock detection ("all goroutines are asleep - deadlock!"): a counter of
 * live goroutines (threads known to gomm that are not idle pool workers)
 * and of those blocked in gomm. When a park makes them equal, no timer is
 * pending, and the OS says the process has no thread gomm does not know
 * (any such thread could still wake us), the program stops with Go's fatal
 * error. The check costs two atomic adds per blocking park.
 */
#ifndef GOMM_SYNC_G_H
#define GOMM_SYNC_G_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <gomm/chan.h>

#pragma GCC visibility push(hidden)

typedef struct gm_waiter_ gm_waiter;

typedef struct gm_g {
    _Atomic uint32_t park_word;   /* 0 no permit, 1 permit, 2 sleeping */
    _Atomic uint32_t select_done; /* select: the first waker CASes 0 -> 1 */
    uint64_t rand;                /* xorshift state (select's shuffle) */
    uint64_t id;                  /* goroutine number, for messages */
    bool counted;                 /* counted in the live goroutines */
    int blocking;                 /* depth of gm_blocking_enter */
    struct gm_g *next_free;       /* free list of recycled records */
    struct gm_waiter_ *param;     /* select: the waiter that completed */
} gm_g;

struct gm_waiter_ {
    gm_g *g;                 /* the parked thread */
    void *elem;              /* chan: where to copy to/from */
    gm_chan *c;              /* chan: the channel */
    struct gm_waiter_ *next; /* queue links */
    struct gm_waiter_ *prev;
    struct gm_waiter_ *waitlink; /* close: the list of waiters to wake */
    struct gm_waiter_ *sel_next; /* select: the next waiter of the same select */
    const void *addr;            /* sema: the semaphore address */
    void *race_ctx;              /* race build: the parked goroutine's checker
                                    context (a buffered hand-off updates its
                                    clock for it, as Go's racenotify does) */
    uint32_t ticket;             /* sema: handed the permit; cond: ticket */
    int case_index;              /* select: which case this waiter is */
    bool is_select;              /* part of a select */
    bool is_send;                /* chan: on the send queue (else receive) */
    bool unbuffered;             /* chan: the channel has no buffer (kept here
                                    so a woken waiter never reads the channel,
                                    which its partner may have freed) */
    bool success;                /* chan: completed by a partner (not close) */
    bool queued;                 /* chan: on a channel's queue (chan lock) */
    _Atomic bool done;           /* completion flag the parked thread loops on */
    _Atomic bool *flag;          /* where gm_ready signals: &done, or a
                                    select's flag shared by its waiters */
};

gm_g *gm_getg(void); /* the calling thread's g, made on demand */
/* One-time set-up of the sync layer (fork handlers, thread key). */
void gm_sync_init(void);
/* fork handlers of other files, called from g.c's in order */
void gm_pool_atfork_prepare(void);
void gm_pool_atfork_parent(void);
void gm_pool_atfork_child(void);
void gm_sema_atfork_child(void);

/* Park the calling thread until *flag is set by a waker (gm_ready). Counts
 * as blocked in gomm for the deadlock detector. */
void gm_park_until(gm_g *g, _Atomic bool *flag);
static inline void gm_park_until_done(gm_g *g, gm_waiter *w)
{
    gm_park_until(g, w->flag ? w->flag : &w->done);
}
/* Block the calling thread forever (a nil channel, an empty select). */
__attribute__((noreturn)) void gm_block_forever(void);
/* Park until a permit arrives (no completion flag): for the worker pool. A
 * timeout_ns >= 0 bounds the wait; returns false on timeout. */
bool gm_park_timed(gm_g *g, int64_t timeout_ns);
/* Hand w its completion (release) and wake its thread; w->g->param = w. */
void gm_ready(gm_waiter *w);
void gm_unpark(gm_g *g);

gm_waiter *gm_waiter_get(gm_g *g);
void gm_waiter_put(gm_waiter *w);

uint32_t gm_fastrandn(gm_g *g, uint32_t n); /* uniform in [0, n) */
int64_t gm_nanotime(void);                  /* CLOCK_MONOTONIC ns */

/* Deadlock detector hooks (go.c / timer.c). */
void gm_sched_goroutine_started(gm_g *g);
void gm_sched_goroutine_finished(gm_g *g);
/* gm_go counts a goroutine live before its thread runs (add), and the
 * thread drops that count once its own g counts (drop). */
void gm_sched_precount_add(void);
void gm_sched_precount_drop(void);
extern _Atomic int64_t gm_timers_pending;  /* timers not yet fired */
extern _Atomic int64_t gm_runtime_threads; /* idle workers + timer thread */

#pragma GCC visibility pop

#endif /* GOMM_SYNC_G_H */
