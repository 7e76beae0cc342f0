/*
 * gomm/chan.h — Go's channels and select for C.
 *
 * Semantics are Go's: an unbuffered channel is a rendezvous; a buffered one
 * a FIFO of cap elements; close wakes every blocked receiver (they get false
 * once the buffer is drained) and every blocked sender (fatal error, as Go
 * panics). Operations on a NULL channel block forever (never ready in a
 * select). Misuse stops the program with Go's message:
 * "gomm: fatal error: send on closed channel", "close of closed channel",
 * "close of nil channel".
 *
 * Memory model: a send happens before the completion of the matching
 * receive; for an unbuffered channel the receive happens before the
 * completion of the send; for capacity C, the k-th receive happens before
 * the completion of the (k+C)-th send; close happens before a receive that
 * returns because the channel is closed. docs/sync.md lists every edge.
 */
#ifndef GOMM_CHAN_H
#define GOMM_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gm_chan gm_chan;

/* A channel of cap elements of elem_size bytes (cap 0: unbuffered).
 * Fatal error if elem_size >= 64 KiB or the buffer size overflows. */
gm_chan *gm_chan_make(size_t elem_size, size_t cap);
void gm_chan_free(gm_chan *c);                       /* caller guarantees no users */
void gm_chan_send(gm_chan *c, const void *elem);     /* blocks; closed: fatal error;
                                                        NULL channel blocks forever */
bool gm_chan_recv(gm_chan *c, void *out);            /* blocks; false iff closed and
                                                        drained (out zeroed); out may be NULL */
bool gm_chan_try_send(gm_chan *c, const void *elem); /* never blocks */
bool gm_chan_try_recv(gm_chan *c, void *out, bool *ok);
/* never blocks; true if a receive completed, *ok as gm_chan_recv's result */
void gm_chan_close(gm_chan *c); /* closed or NULL: fatal error */
size_t gm_chan_len(gm_chan *c);
size_t gm_chan_cap(gm_chan *c);

enum { GM_RECV = 1, GM_SEND = 2 };
typedef struct gm_case {
    gm_chan *chan; /* NULL: never ready (like a nil channel in Go) */
    int dir;       /* GM_RECV or GM_SEND */
    void *elem;    /* value to send, or where to receive (may be NULL) */
    bool ok;       /* set for a completed receive: false if closed */
} gm_case;

/* Go's select: picks uniformly at random among ready cases; blocks if none
 * is ready, unless has_default, then returns -1. Returns the chosen index.
 * n == 0 without default blocks forever. */
int gm_select(gm_case *cases, size_t n, bool has_default);

/* time.After: a channel that receives one int64_t (the time, ns since the
 * epoch, CLOCK_REALTIME) after the delay. Served by one timer thread. */
gm_chan *gm_after(int64_t nanoseconds);

#ifdef __cplusplus
}
#endif

#endif /* GOMM_CHAN_H */
