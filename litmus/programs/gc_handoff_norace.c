/* litmus-program: expect=norace threads=2,4 category=gc
 * What: producers build short linked lists of collected objects (gm_new,
 * links stored with gm_write_ptr), hand the heads over a channel, and
 * forget them; consumers check every node and drop the list. A collector
 * goroutine forces gm_gc() between the rounds, so objects are freed by
 * the collector and their memory reused while the checker watches: slots
 * the collector frees start with fresh shadow, and the collector's own
 * scanning raises no reports.
 * Invariant: every list arrives whole (canaries and lengths), every node
 * is seen once, and the live heap after the last collection is bounded.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct node {
    struct node *next;
    long canary;
    long seq;
    char pad[40];
};

#define NODES 16

static gm_chan *lists, *start;
static atomic_long seen;
static gm_waitgroup prod, cons, col;

static long canary_of(long seq)
{
    return seq * 0x9E3779B97F4A7C15l ^ 0x5bd1e995;
}

static void producer(void *arg)
{
    long id = (long)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    int rounds = 40 * lp_scale();
    for (int r = 0; r < rounds; r++) {
        struct node *head = NULL;
        for (int i = 0; i < NODES; i++) {
            struct node *n = gm_new(sizeof *n);
            LP_CHECK(n != NULL, "gm_new failed");
            n->seq = (id * 1000000 + r) * NODES + i;
            n->canary = canary_of(n->seq);
            gm_write_ptr(&n->next, head); /* n is not reachable yet; the barrier is cheap */
            head = n;
        }
        gm_chan_send(lists, &head);
    }
    gm_waitgroup_done(&prod);
}

static void consumer(void *arg)
{
    (void)arg;
    struct node *head;
    while (gm_chan_recv(lists, &head)) {
        int len = 0;
        for (struct node *n = head; n; n = n->next, len++)
            LP_CHECK(n->canary == canary_of(n->seq), "node %ld corrupted", n->seq);
        LP_CHECK(len == NODES, "list of %d nodes, want %d", len, NODES);
        atomic_fetch_add_explicit(&seen, len, memory_order_relaxed);
    }
    gm_waitgroup_done(&cons);
}

static void collector(void *arg)
{
    gm_chan *stop = arg;
    bool ok;
    for (int i = 0; i < 20 && !gm_chan_try_recv(stop, NULL, &ok); i++)
        gm_gc();
    gm_waitgroup_done(&col);
}

int main(void)
{
    int np = lp_threads(), nc = lp_threads();
    lists = gm_chan_make(sizeof(struct node *), 4);
    start = gm_chan_make(0, 0);
    gm_chan *stop = gm_chan_make(0, 1);
    gm_waitgroup_add(&prod, np);
    for (int i = 0; i < np; i++)
        gm_go(producer, (void *)(intptr_t)i);
    gm_waitgroup_add(&cons, nc);
    for (int i = 0; i < nc; i++)
        gm_go(consumer, NULL);
    gm_waitgroup_add(&col, 1);
    gm_go(collector, stop);
    gm_chan_close(start);
    gm_waitgroup_wait(&prod);
    gm_chan_close(lists);
    gm_waitgroup_wait(&cons);
    gm_chan_send(stop, NULL);
    gm_waitgroup_wait(&col);
    long want = (long)np * 40 * lp_scale() * NODES;
    LP_CHECK(atomic_load(&seen) == want, "saw %ld nodes, want %ld", atomic_load(&seen), want);
    gm_gc();
    gm_memstats st;
    gm_read_memstats(&st);
    /* every list is garbage now: what is live is stray conservative roots */
    LP_CHECK(st.gc_heap_live < (uint64_t)want * sizeof(struct node) / 4 + (1u << 20),
             "live heap %llu after the last collection", (unsigned long long)st.gc_heap_live);
    return 0;
}
