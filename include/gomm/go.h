/*
 * gomm/go.h — goroutines: gm_go starts a function on a thread of its own.
 *
 * gomm's goroutines are threads (pthreads), taken from a pool of idle ones
 * when possible: starting one costs a hand-off, not a pthread_create. The
 * call to gm_go happens before fn starts (Go's `go` statement rule); a
 * goroutine's exit synchronizes with nothing (use a channel or a WaitGroup).
 */
#ifndef GOMM_GO_H
#define GOMM_GO_H

#ifdef __cplusplus
extern "C" {
#endif

/* Start fn(arg) on a new thread of execution. 0, or an errno value
 * (EAGAIN when no thread can be made). */
int gm_go(void (*fn)(void *arg), void *arg);

/* Yield the processor (runtime.Gosched). */
void gm_gosched(void);

/* Declare that the calling thread is about to block outside gomm (a
 * syscall, a pthread lock) and when it is back. With the collector, such a
 * thread does not delay a stop-the-world. (The deadlock detector always
 * counts a thread that is not blocked in gomm as able to run.) */
void gm_blocking_enter(void);
void gm_blocking_exit(void);

#ifdef __cplusplus
}
#endif

#endif /* GOMM_GO_H */
