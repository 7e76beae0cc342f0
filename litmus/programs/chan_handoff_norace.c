/* litmus-program: expect=norace threads=2,4 category=chan
 * What: producers fill a heap buffer, send its pointer over a buffered
 * channel and never touch it again; consumers read it, check it and free
 * it. The send happens before the receive completes (C1), so the consumer
 * sees the whole buffer.
 * Invariant: every message received exactly once, contents intact.
 */
#include <gomm/gomm.h>
#include <string.h>

#include "prog.h"

enum { LEN = 24 };

struct msg {
    int producer;
    int seq;
    uint32_t data[LEN];
};

static gm_chan *msgs;
static gm_chan *start; /* closed once every goroutine is started */
static gm_waitgroup prod_wg, cons_wg;
static int nprod, ncons, per_prod;
static int **seen; /* seen[consumer][producer * per_prod + seq] */

static uint32_t pattern(int producer, int seq, int i)
{
    return (uint32_t)(producer * 1000003 + seq * 131 + i * 7);
}

static void producer(void *arg)
{
    int id = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int s = 0; s < per_prod; s++) {
        struct msg *m = gm_malloc(sizeof *m);
        m->producer = id;
        m->seq = s;
        for (int i = 0; i < LEN; i++)
            m->data[i] = pattern(id, s, i);
        gm_chan_send(msgs, &m);
    }
    gm_waitgroup_done(&prod_wg);
}

static void consumer(void *arg)
{
    int id = (int)(intptr_t)arg;
    struct msg *m;
    gm_chan_recv(start, NULL);
    while (gm_chan_recv(msgs, &m)) {
        LP_CHECK(m->producer >= 0 && m->producer < nprod, "bad producer %d", m->producer);
        LP_CHECK(m->seq >= 0 && m->seq < per_prod, "bad seq %d", m->seq);
        for (int i = 0; i < LEN; i++)
            LP_CHECK(m->data[i] == pattern(m->producer, m->seq, i), "corrupt message %d/%d",
                     m->producer, m->seq);
        seen[id][m->producer * per_prod + m->seq]++;
        gm_free(m);
    }
    gm_waitgroup_done(&cons_wg);
}

static void closer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_waitgroup_wait(&prod_wg);
    gm_chan_close(msgs);
}

int main(void)
{
    nprod = lp_threads();
    ncons = lp_threads();
    per_prod = 300 * lp_scale();
    msgs = gm_chan_make(sizeof(struct msg *), 8);
    start = gm_chan_make(0, 0);
    seen = gm_calloc((size_t)ncons, sizeof *seen);
    for (int c = 0; c < ncons; c++)
        seen[c] = gm_calloc((size_t)(nprod * per_prod), sizeof **seen);
    gm_waitgroup_add(&prod_wg, nprod);
    gm_waitgroup_add(&cons_wg, ncons);
    for (int p = 0; p < nprod; p++)
        gm_go(producer, (void *)(intptr_t)p);
    for (int c = 0; c < ncons; c++)
        gm_go(consumer, (void *)(intptr_t)c);
    gm_go(closer, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&cons_wg);
    for (int k = 0; k < nprod * per_prod; k++) {
        int n = 0;
        for (int c = 0; c < ncons; c++)
            n += seen[c][k];
        LP_CHECK(n == 1, "message %d/%d received %d times", k / per_prod, k % per_prod, n);
    }
    for (int c = 0; c < ncons; c++)
        gm_free(seen[c]);
    gm_free(seen);
    gm_chan_free(msgs);
    gm_chan_free(start);
    return 0;
}
