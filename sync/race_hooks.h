/*
 * sync/race_hooks.h — where the sync library announces happens-before
 * edges to the race checker (Go's racerelease/raceacquire calls).
 *
 * sync/ is to the checker what Go's runtime is to Go's race detector: its
 * internals are not instrumented; at each edge of the Go memory model it
 * calls one of these. The plain build (libgomm) compiles them to nothing;
 * the race build (libgomm_race, GOMM_RACE defined) calls the checker.
 * docs/sync.md lists every edge and the hook that announces it.
 *
 *   RACE_RELEASE(a)          S(a) := T            (a store-release)
 *   RACE_RELEASE_MERGE(a)    S(a) := S(a) join T  (e.g. WaitGroup.Done)
 *   RACE_ACQUIRE(a)          T := T join S(a)
 *   RACE_RELEASE_ACQUIRE(a)  tmp := S(a); S(a) := T; T := T join tmp
 *                            (a buffered-channel slot: Go's racenotify)
 *   RACE_READ(a, n)/RACE_WRITE(a, n)  an access to sync-object memory
 *                            (a send reads the channel, a close writes it)
 *   RACE_CTX()               the calling goroutine's checker context
 *   RACE_RELEASE_ACQUIRE_CTX(ctx, a)  RACE_RELEASE_ACQUIRE done for the
 *                            (parked) goroutine whose context is ctx
 *   RACE_GO_CREATE()         a context for a new goroutine, by its creator
 *                            (the gm_go call happens before it starts)
 *   RACE_GO_DISCARD(ctx)     a created goroutine that will never run
 *   RACE_GO_START(ctx)/RACE_GO_END()  the goroutine runs on this thread:
 *                            each goroutine is its own thread to the
 *                            checker, even on a reused pool thread
 */
#ifndef GOMM_SYNC_RACE_HOOKS_H
#define GOMM_SYNC_RACE_HOOKS_H

#include <stdint.h>

#ifdef GOMM_RACE
#include <gomm/race.h>
void gm_race_release_acquire(const void *addr);
void *gm_race_go_create(uintptr_t pc);
void *gm_race_current_ctx(void);
void gm_race_release_acquire_ctx(void *ctx, const void *addr);
#define RACE_CTX()                       gm_race_current_ctx()
#define RACE_RELEASE_ACQUIRE_CTX(ctx, a) gm_race_release_acquire_ctx((ctx), (a))
void gm_race_go_start(void *ctx);
void gm_race_go_discard(void *ctx);
void gm_race_go_end(void);
#define RACE_GO_CREATE()        gm_race_go_create((uintptr_t)__builtin_return_address(0))
#define RACE_GO_START(ctx)      gm_race_go_start(ctx)
#define RACE_GO_END()           gm_race_go_end()
#define RACE_GO_DISCARD(ctx)    gm_race_go_discard(ctx)
#define RACE_RELEASE(a)         gm_race_release(a)
#define RACE_RELEASE_MERGE(a)   gm_race_release_merge(a)
#define RACE_ACQUIRE(a)         gm_race_acquire(a)
#define RACE_RELEASE_ACQUIRE(a) gm_race_release_acquire(a)
#define RACE_READ(a, n)         gm_race_read((a), (n))
#define RACE_WRITE(a, n)        gm_race_write((a), (n))
#else
#define RACE_RELEASE(a)                  ((void)(a))
#define RACE_RELEASE_MERGE(a)            ((void)(a))
#define RACE_ACQUIRE(a)                  ((void)(a))
#define RACE_RELEASE_ACQUIRE(a)          ((void)(a))
#define RACE_READ(a, n)                  ((void)(a), (void)(n))
#define RACE_WRITE(a, n)                 ((void)(a), (void)(n))
#define RACE_GO_CREATE()                 NULL
#define RACE_CTX()                       NULL
#define RACE_RELEASE_ACQUIRE_CTX(ctx, a) ((void)(ctx), (void)(a))
#define RACE_GO_START(ctx)               ((void)(ctx))
#define RACE_GO_END()                    ((void)0)
#define RACE_GO_DISCARD(ctx)             ((void)(ctx))
#endif

#endif /* GOMM_SYNC_RACE_HOOKS_H */
