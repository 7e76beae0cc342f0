/* litmus-program: expect=norace threads=2,4 category=select
 * What: an unbounded buffering stage between two unbuffered channels, the
 * Go idiom "select { case v := <-in: push; case out <- head: pop }" with
 * the send case disabled (nil channel) while the queue is empty and the
 * receive case disabled once the input is closed. Several such stages are
 * chained. Items are heap objects whose ownership moves along the chain.
 * Invariant: the consumer gets every item exactly once and in order, with
 * intact contents.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct item {
    int seq;
    int hops;
};

static int nitems;

struct stage {
    gm_chan *in, *out;
};

static void stage_run(void *arg)
{
    struct stage *st = arg;
    size_t cap = 16, head = 0, len = 0;
    struct item **q = gm_malloc(cap * sizeof *q);
    struct item *incoming = NULL, *outgoing = NULL;
    gm_chan *in = st->in;
    while (in != NULL || len > 0) {
        if (len > 0)
            outgoing = q[head];
        gm_case cases[2] = {
            {.chan = in, .dir = GM_RECV, .elem = &incoming},
            {.chan = len > 0 ? st->out : NULL, .dir = GM_SEND, .elem = &outgoing},
        };
        int i = gm_select(cases, 2, false);
        if (i == 0) {
            if (!cases[0].ok) {
                in = NULL; /* closed: stop receiving, drain the queue */
                continue;
            }
            incoming->hops++;
            if (len == cap) {
                struct item **nq = gm_malloc(2 * cap * sizeof *nq);
                for (size_t k = 0; k < len; k++)
                    nq[k] = q[(head + k) % cap];
                gm_free(q);
                q = nq;
                head = 0;
                cap *= 2;
            }
            q[(head + len) % cap] = incoming;
            len++;
        } else {
            LP_CHECK(i == 1, "select returned %d", i);
            head = (head + 1) % cap;
            len--;
        }
    }
    gm_free(q);
    gm_chan_close(st->out);
}

static void generator(void *arg)
{
    gm_chan *out = arg;
    for (int i = 0; i < nitems; i++) {
        struct item *it = gm_malloc(sizeof *it);
        it->seq = i;
        it->hops = 0;
        gm_chan_send(out, &it);
    }
    gm_chan_close(out);
}

int main(void)
{
    int nstages = lp_threads();
    nitems = 300 * lp_scale();
    gm_chan **links = gm_calloc((size_t)nstages + 1, sizeof *links);
    struct stage *stages = gm_calloc((size_t)nstages, sizeof *stages);
    for (int k = 0; k <= nstages; k++)
        links[k] = gm_chan_make(sizeof(struct item *), 0);
    for (int k = 0; k < nstages; k++) {
        stages[k].in = links[k];
        stages[k].out = links[k + 1];
        gm_go(stage_run, &stages[k]);
    }
    gm_go(generator, links[0]);
    struct item *it;
    int want = 0;
    while (gm_chan_recv(links[nstages], &it)) {
        LP_CHECK(it->seq == want, "got item %d, want %d", it->seq, want);
        LP_CHECK(it->hops == nstages, "item %d made %d hops, want %d", it->seq, it->hops, nstages);
        want++;
        gm_free(it);
    }
    LP_CHECK(want == nitems, "received %d items, want %d", want, nitems);
    for (int k = 0; k <= nstages; k++)
        gm_chan_free(links[k]);
    gm_free(links);
    gm_free(stages);
    return 0;
}
