/*
 * sync/sema.h — Go's runtime semaphores (semacquire/semrelease), on which
 * Mutex, RWMutex and WaitGroup are built exactly as Go builds them.
 */
#ifndef GOMM_SYNC_SEMA_H
#define GOMM_SYNC_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

/* Wait until *addr > 0, then decrement it. lifo: queue at the head (a
 * waiter that already waited once, as Go's mutex does). */
void gm_semacquire(uint32_t *addr, bool lifo);
/* Increment *addr and wake one waiter. handoff: give the count straight to
 * the woken waiter and yield (mutex starvation mode). */
void gm_semrelease(uint32_t *addr, bool handoff);

#pragma GCC visibility pop

#endif /* GOMM_SYNC_SEMA_H */
