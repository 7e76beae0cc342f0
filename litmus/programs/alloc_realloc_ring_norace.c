/* litmus-program: expect=norace threads=2,4 category=alloc
 * What: a buffer travels around a ring of goroutines over unbuffered
 * channels; each hop checks the whole content, grows it with gm_realloc
 * (or gm_reallocarray), appends its bytes, and passes the (possibly
 * moved) pointer on. The old block is freed by realloc on the thread that
 * holds the buffer; the receive orders the next hop after it (C1).
 * Invariant: the content is exactly what every hop appended, in order;
 * gm_usable_size covers the length at every hop.
 */
#include <gomm/gomm.h>
#include <string.h>

#include "prog.h"

struct buf {
    size_t len;
    unsigned char *data;
};

static int nodes, laps;
static gm_chan **ring;
static gm_chan *done;

static unsigned char byte_at(size_t i)
{
    return (unsigned char)(i * 13 + (i >> 8));
}

static void node(void *arg)
{
    int k = (int)(intptr_t)arg;
    gm_chan *in = ring[k], *out = ring[(k + 1) % nodes];
    struct buf *b;
    while (gm_chan_recv(in, &b)) {
        for (size_t i = 0; i < b->len; i += 7)
            LP_CHECK(b->data[i] == byte_at(i), "node %d: byte %zu", k, i);
        size_t add = 16 + (size_t)k * 8;
        unsigned char *p = (b->len / add) % 2
                               ? gm_realloc(b->data, b->len + add)
                               : gm_reallocarray(b->data, b->len + add, 1);
        LP_CHECK(p != NULL, "realloc failed");
        LP_CHECK(gm_usable_size(p) >= b->len + add, "usable size");
        for (size_t i = b->len; i < b->len + add; i++)
            p[i] = byte_at(i);
        b->data = p;
        b->len += add;
        if (k == nodes - 1 && b->len >= (size_t)laps * 16 * (size_t)nodes)
            gm_chan_send(done, &b);
        else
            gm_chan_send(out, &b);
    }
}

int main(void)
{
    nodes = lp_threads() + 1;
    laps = 30 * lp_scale();
    ring = gm_calloc((size_t)nodes, sizeof *ring);
    for (int k = 0; k < nodes; k++)
        ring[k] = gm_chan_make(sizeof(struct buf *), 0);
    done = gm_chan_make(sizeof(struct buf *), 0);
    for (int k = 0; k < nodes; k++)
        gm_go(node, (void *)(intptr_t)k);
    struct buf *b = gm_malloc(sizeof *b);
    b->len = 0;
    b->data = gm_malloc(1);
    gm_chan_send(ring[0], &b);
    gm_chan_recv(done, &b);
    for (size_t i = 0; i < b->len; i++)
        LP_CHECK(b->data[i] == byte_at(i), "final byte %zu", i);
    for (int k = 0; k < nodes; k++)
        gm_chan_close(ring[k]);
    gm_free(b->data);
    gm_free(b);
    return 0;
}
