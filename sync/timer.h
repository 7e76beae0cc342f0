/*
 * sync/timer.h — the timer thread behind gm_after.
 */
#ifndef GOMM_SYNC_TIMER_H
#define GOMM_SYNC_TIMER_H

#include <gomm/chan.h>

#pragma GCC visibility push(hidden)

/* Stop c's timer if it has not fired (gm_chan_free of a gm_after channel). */
void gm_timer_cancel(gm_chan *c);
/* Drop one reference to c; the last one frees it. */
void gm_chan_release_ref(gm_chan *c);
/* fork handlers (called from g.c's, in order) */
void gm_timer_atfork_prepare(void);
void gm_timer_atfork_parent(void);
void gm_timer_atfork_child(void);

#pragma GCC visibility pop

#endif /* GOMM_SYNC_TIMER_H */
