/* litmus-program: expect=race lines=33,48 threads=2,4 category=mixed
 * What: mixed_pool_norace with the consumer returning the buffer to the
 * pool before it has finished reading it. The producer's next fill of
 * that buffer is ordered after the return, not after the read that
 * follows it. With a pool of one buffer, the producer's second fill
 * always reuses the buffer the consumer is still reading; it fills it
 * only after that read (a relaxed flag, no edge). Extra threads run a
 * correct pool beside it.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct buffer {
    long seq;
    long pad[7];
};

static gm_chan *pool, *data, *good_pool, *good_data;
static gm_chan *start; /* closed once all are started */
static atomic_int first_read;
static gm_waitgroup wg;

static void producer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (long s = 1; s <= 2; s++) {
        struct buffer *b;
        gm_chan_recv(pool, &b);
        while (s == 2 && !atomic_load_explicit(&first_read, memory_order_relaxed))
            gm_gosched();
        b->seq = s; /* race */
        gm_chan_send(data, &b);
    }
    gm_waitgroup_done(&wg);
}

static void consumer(void *arg)
{
    (void)arg;
    long sum = 0;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 2; i++) {
        struct buffer *b;
        gm_chan_recv(data, &b);
        gm_chan_send(pool, &b); /* returned too early */
        sum += b->seq; /* race */
        atomic_store_explicit(&first_read, 1, memory_order_relaxed);
    }
    lp_use((uint64_t)sum);
    gm_waitgroup_done(&wg);
}

static void good_producer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (long s = 1; s <= 50; s++) {
        struct buffer *b;
        gm_chan_recv(good_pool, &b);
        b->pad[0] = s;
        gm_chan_send(good_data, &b);
    }
    gm_waitgroup_done(&wg);
}

static void good_consumer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (long s = 1; s <= 50; s++) {
        struct buffer *b;
        gm_chan_recv(good_data, &b);
        LP_CHECK(b->pad[0] == s, "good buffer %ld", b->pad[0]);
        gm_chan_send(good_pool, &b);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2;
    pool = gm_chan_make(sizeof(struct buffer *), 1);
    data = gm_chan_make(sizeof(struct buffer *), 0);
    good_pool = gm_chan_make(sizeof(struct buffer *), 1);
    good_data = gm_chan_make(sizeof(struct buffer *), 0);
    start = gm_chan_make(0, 0);
    struct buffer *b = gm_calloc(1, sizeof *b), *g = gm_calloc(1, sizeof *g);
    gm_chan_send(pool, &b);
    gm_chan_send(good_pool, &g);
    gm_waitgroup_add(&wg, 2 + 2 * extra);
    gm_go(producer, NULL);
    gm_go(consumer, NULL);
    if (extra) {
        gm_go(good_producer, NULL);
        gm_go(good_consumer, NULL);
    }
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    return 0;
}
