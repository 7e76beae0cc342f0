/*
 * alloc/fatal.h — fatal errors: Go's "fatal error: ..." for C.
 *
 * gm_fatal prints "gomm: fatal error: <message>" and the calling thread's
 * stack to stderr, then ends the process with exit status 2, as Go does.
 * It allocates nothing from gomm's heap on the way (the heap may be what is
 * broken), so it is safe to call from any layer, with any gomm lock held.
 */
#ifndef GOMM_ALLOC_FATAL_H
#define GOMM_ALLOC_FATAL_H

#pragma GCC visibility push(hidden) /* internal to the library */

#define GM_NORETURN     __attribute__((noreturn))
#define GM_PRINTF(a, b) __attribute__((format(printf, a, b)))

GM_NORETURN void gm_fatal(const char *fmt, ...) GM_PRINTF(1, 2);

/* Print the calling thread's stack to fd, skipping `skip` innermost frames. */
void gm_print_stack(int fd, int skip);

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_FATAL_H */
