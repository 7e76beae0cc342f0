/* litmus-program: expect=norace threads=2,4 category=chan
 * What: close does not drop buffered values. The producer fills a
 * buffered channel with heap-allocated items and closes it before any
 * consumer starts; consumers drain it range-style (receive until false,
 * half of them with try_recv). After the drain, every receive returns
 * false with a zeroed element, and try_recv completes with ok == false.
 * Invariant: every item received exactly once, no receive after the drain
 * yields a value, all items freed.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct item {
    int id;
    int check;
};

static gm_chan *c;
static gm_chan *start; /* closed once every consumer is started */
static int nitems;
static gm_waitgroup wg;
static gm_mutex mu;
static int *got; /* got[id]: receive count, under mu */

static void consumer(void *arg)
{
    int id = (int)(intptr_t)arg;
    struct item *it;
    int mine = 0;
    gm_chan_recv(start, NULL);
    if (id % 2 == 0) {
        while (gm_chan_recv(c, &it)) {
            LP_CHECK(it->check == it->id * 7 + 1, "item %d corrupt", it->id);
            gm_mutex_lock(&mu);
            got[it->id]++;
            gm_mutex_unlock(&mu);
            gm_free(it);
            mine++;
        }
        LP_CHECK(it == NULL, "drained receive did not zero its element");
    } else {
        bool ok = true;
        for (;;) {
            if (!gm_chan_try_recv(c, &it, &ok)) {
                LP_CHECK(0, "try_recv on a closed channel did not complete");
            }
            if (!ok)
                break;
            LP_CHECK(it->check == it->id * 7 + 1, "item %d corrupt", it->id);
            gm_mutex_lock(&mu);
            got[it->id]++;
            gm_mutex_unlock(&mu);
            gm_free(it);
            mine++;
        }
    }
    /* drained and closed: every further receive is false */
    it = (struct item *)(intptr_t)1;
    LP_CHECK(!gm_chan_recv(c, &it) && it == NULL, "receive after drain");
    (void)mine;
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int ncons = lp_threads();
    nitems = 1000 * lp_scale();
    got = gm_calloc((size_t)nitems, sizeof *got);
    c = gm_chan_make(sizeof(struct item *), (size_t)nitems);
    gm_memstats before, after;
    gm_read_memstats(&before);
    for (int i = 0; i < nitems; i++) {
        struct item *it = gm_malloc(sizeof *it);
        it->id = i;
        it->check = i * 7 + 1;
        gm_chan_send(c, &it);
    }
    LP_CHECK(gm_chan_len(c) == (size_t)nitems, "len %zu", gm_chan_len(c));
    gm_chan_close(c);
    LP_CHECK(gm_chan_len(c) == (size_t)nitems, "len after close %zu", gm_chan_len(c));
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, ncons);
    for (int k = 0; k < ncons; k++)
        gm_go(consumer, (void *)(intptr_t)k);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(gm_chan_len(c) == 0, "len after drain %zu", gm_chan_len(c));
    for (int i = 0; i < nitems; i++)
        LP_CHECK(got[i] == 1, "item %d received %d times", i, got[i]);
    gm_read_memstats(&after);
    LP_CHECK(after.frees - before.frees >= (uint64_t)nitems, "only %llu frees for %d items",
             (unsigned long long)(after.frees - before.frees), nitems);
    gm_chan_free(c);
    gm_chan_free(start);
    gm_free(got);
    return 0;
}
