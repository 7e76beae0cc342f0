/* litmus-program: expect=norace threads=2,4 category=mixed
 * What: a free list of buffers kept in a buffered channel (a Go buffer
 * pool): producers take a buffer from the pool, fill it and send it on;
 * consumers check it completely and only then return it to the pool. Both
 * hand-offs are channel edges (C1), so a buffer's reuse is ordered after
 * its last reader. Per-producer counters are atomics. Twin of
 * mixed_pool_return_early_race.
 * Invariant: every message arrives intact exactly once; all buffers are
 * back in the pool at the end.
 */
#include <gomm/gomm.h>

#include "prog.h"

enum { WORDS = 32, POOL = 4 };

struct buffer {
    int producer, seq;
    long words[WORDS];
};

static gm_chan *pool, *data, *start;
static gm_waitgroup prod_wg, cons_wg;
static int nprod, per;
static gm_atomic_i64 consumed;
static gm_mutex seen_mu;
static int *seen;

static void producer(void *arg)
{
    int p = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int s = 0; s < per; s++) {
        struct buffer *b;
        gm_chan_recv(pool, &b);
        b->producer = p;
        b->seq = s;
        for (int i = 0; i < WORDS; i++)
            b->words[i] = (long)p * 100000 + s * 37 + i;
        gm_chan_send(data, &b);
    }
    gm_waitgroup_done(&prod_wg);
}

static void consumer(void *arg)
{
    (void)arg;
    struct buffer *b;
    gm_chan_recv(start, NULL);
    while (gm_chan_recv(data, &b)) {
        int p = b->producer, s = b->seq;
        for (int i = 0; i < WORDS; i++)
            LP_CHECK(b->words[i] == (long)p * 100000 + s * 37 + i, "buffer %d/%d corrupt", p, s);
        gm_mutex_lock(&seen_mu);
        seen[p * per + s]++;
        gm_mutex_unlock(&seen_mu);
        gm_atomic_i64_add(&consumed, 1);
        gm_chan_send(pool, &b); /* returned after the last read */
    }
    gm_waitgroup_done(&cons_wg);
}

int main(void)
{
    nprod = lp_threads();
    int ncons = lp_threads();
    per = 250 * lp_scale();
    pool = gm_chan_make(sizeof(struct buffer *), POOL);
    data = gm_chan_make(sizeof(struct buffer *), 0);
    start = gm_chan_make(0, 0);
    seen = gm_calloc((size_t)(nprod * per), sizeof *seen);
    for (int i = 0; i < POOL; i++) {
        struct buffer *b = gm_calloc(1, sizeof *b);
        gm_chan_send(pool, &b);
    }
    gm_waitgroup_add(&prod_wg, nprod);
    gm_waitgroup_add(&cons_wg, ncons);
    for (int i = 0; i < nprod; i++)
        gm_go(producer, (void *)(intptr_t)i);
    for (int i = 0; i < ncons; i++)
        gm_go(consumer, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&prod_wg);
    gm_chan_close(data);
    gm_waitgroup_wait(&cons_wg);
    LP_CHECK(gm_atomic_i64_load(&consumed) == (int64_t)nprod * per, "consumed %lld",
             (long long)gm_atomic_i64_load(&consumed));
    for (int k = 0; k < nprod * per; k++)
        LP_CHECK(seen[k] == 1, "message %d seen %d times", k, seen[k]);
    LP_CHECK(gm_chan_len(pool) == POOL, "%zu buffers back in the pool", gm_chan_len(pool));
    for (int i = 0; i < POOL; i++) {
        struct buffer *b;
        gm_chan_recv(pool, &b);
        gm_free(b);
    }
    gm_free(seen);
    gm_chan_free(pool);
    gm_chan_free(data);
    gm_chan_free(start);
    return 0;
}
