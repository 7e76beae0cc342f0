/* litmus-program: expect=norace threads=2,4 category=select
 * What: Go's merge idiom: a select over several unbuffered channels; when
 * a channel reports closed, its case is disabled by setting the channel
 * to NULL (a nil channel is never ready) until no case is left. Senders
 * fill a heap record before each send and never touch it after; the
 * merger reads and frees it (C1/C2 through the chosen case only).
 * Invariant: every value of every source arrives exactly once and in its
 * source's order; no value arrives from a disabled case.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct rec {
    int src;
    int seq;
    uint64_t check;
};

static int nsrc, per;
static gm_chan **src, *start;

static uint64_t mix(int s, int i)
{
    uint64_t x = (uint64_t)s << 32 | (uint32_t)i;
    return lp_rand(&x);
}

static void sender(void *arg)
{
    int s = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < per; i++) {
        struct rec *r = gm_malloc(sizeof *r);
        r->src = s;
        r->seq = i;
        r->check = mix(s, i);
        gm_chan_send(src[s], &r);
    }
    gm_chan_close(src[s]);
}

int main(void)
{
    nsrc = lp_threads() + 1;
    per = 150 * lp_scale();
    src = gm_calloc((size_t)nsrc, sizeof *src);
    start = gm_chan_make(0, 0);
    for (int s = 0; s < nsrc; s++)
        src[s] = gm_chan_make(sizeof(struct rec *), 0);
    for (int s = 0; s < nsrc; s++)
        gm_go(sender, (void *)(intptr_t)s);
    gm_chan_close(start);

    gm_case *cases = gm_calloc((size_t)nsrc, sizeof *cases);
    struct rec **slots = gm_calloc((size_t)nsrc, sizeof *slots);
    int *next = gm_calloc((size_t)nsrc, sizeof *next);
    for (int s = 0; s < nsrc; s++)
        cases[s] = (gm_case){.chan = src[s], .dir = GM_RECV, .elem = &slots[s]};
    int live = nsrc;
    while (live > 0) {
        int i = gm_select(cases, (size_t)nsrc, false);
        LP_CHECK(i >= 0 && i < nsrc, "select returned %d", i);
        LP_CHECK(cases[i].chan != NULL, "disabled case %d fired", i);
        if (!cases[i].ok) {
            LP_CHECK(next[i] == per, "source %d closed after %d of %d", i, next[i], per);
            cases[i].chan = NULL;
            live--;
            continue;
        }
        struct rec *r = slots[i];
        LP_CHECK(r->src == i && r->seq == next[i], "source %d: got %d/%d want %d", i, r->src,
                 r->seq, next[i]);
        LP_CHECK(r->check == mix(i, r->seq), "source %d: bad record %d", i, r->seq);
        next[i]++;
        gm_free(r);
    }
    for (int s = 0; s < nsrc; s++) {
        LP_CHECK(next[s] == per, "source %d: %d values", s, next[s]);
        /* the senders closed their channels only after their last send */
        LP_CHECK(!gm_chan_recv(src[s], NULL), "closed source %d yields a value", s);
        gm_chan_free(src[s]);
    }
    gm_chan_free(start);
    gm_free(src);
    gm_free(cases);
    gm_free(slots);
    gm_free(next);
    return 0;
}
