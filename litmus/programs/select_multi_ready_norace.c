/* litmus-program: expect=norace threads=2,4 category=select
 * What: several buffered channels, filled with heap objects and closed
 * before the consumer starts, so every select sees several ready cases.
 * gm_select must pick among them at random, deliver each value once, keep
 * each channel's FIFO order, and report a closed channel (ok == false)
 * only once it is drained; the consumer then sets that case's channel to
 * NULL (a nil channel never fires). The chosen receive synchronizes with
 * its send (C1), so the consumer reads and frees the objects safely.
 * Invariant: every value received exactly once, in order per channel;
 * more than one channel chosen among the first picks; all objects freed.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct val {
    int src;
    int seq;
    long payload;
};

static int nch, per;
static gm_chan **chans;
static gm_chan *start; /* closed once every producer is started */
static gm_waitgroup prod_wg;

static void producer(void *arg)
{
    int s = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < per; i++) {
        struct val *v = gm_malloc(sizeof *v);
        v->src = s;
        v->seq = i;
        v->payload = (long)s * 7919 + i;
        gm_chan_send(chans[s], &v);
    }
    gm_chan_close(chans[s]);
    gm_waitgroup_done(&prod_wg);
}

int main(void)
{
    nch = lp_threads() < 2 ? 2 : lp_threads();
    per = 200 * lp_scale();
    chans = gm_calloc((size_t)nch, sizeof *chans);
    for (int s = 0; s < nch; s++)
        chans[s] = gm_chan_make(sizeof(struct val *), (size_t)per);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&prod_wg, nch);
    for (int s = 0; s < nch; s++)
        gm_go(producer, (void *)(intptr_t)s);
    gm_chan_close(start);
    gm_waitgroup_wait(&prod_wg); /* every channel full and closed */

    gm_memstats before, after;
    gm_read_memstats(&before);
    gm_case *cases = gm_calloc((size_t)nch, sizeof *cases);
    struct val **slots = gm_calloc((size_t)nch, sizeof *slots);
    int *next = gm_calloc((size_t)nch, sizeof *next);
    int *early = gm_calloc((size_t)nch, sizeof *early);
    for (int s = 0; s < nch; s++) {
        cases[s].chan = chans[s];
        cases[s].dir = GM_RECV;
        cases[s].elem = &slots[s];
    }
    int open = nch, picks = 0;
    while (open > 0) {
        int i = gm_select(cases, (size_t)nch, false);
        LP_CHECK(i >= 0 && i < nch, "select returned %d", i);
        if (!cases[i].ok) {
            LP_CHECK(next[i] == per, "channel %d reported closed after %d of %d", i, next[i], per);
            cases[i].chan = NULL;
            open--;
            continue;
        }
        struct val *v = slots[i];
        LP_CHECK(v->src == i && v->seq == next[i], "channel %d: got %d/%d, want %d/%d", i, v->src,
                 v->seq, i, next[i]);
        LP_CHECK(v->payload == (long)i * 7919 + v->seq, "channel %d: bad payload", i);
        next[i]++;
        if (picks < per)
            early[i]++;
        picks++;
        gm_free(v);
    }
    int distinct = 0;
    for (int s = 0; s < nch; s++)
        distinct += early[s] > 0;
    LP_CHECK(distinct > 1, "the first %d picks all chose one channel", per);
    LP_CHECK(picks == nch * per, "%d values received, want %d", picks, nch * per);
    gm_read_memstats(&after);
    LP_CHECK(after.frees - before.frees >= (uint64_t)(nch * per), "%llu frees, want >= %d",
             (unsigned long long)(after.frees - before.frees), nch * per);
    for (int s = 0; s < nch; s++)
        gm_chan_free(chans[s]);
    gm_chan_free(start);
    gm_free(chans);
    gm_free(cases);
    gm_free(slots);
    gm_free(next);
    gm_free(early);
    return 0;
}
