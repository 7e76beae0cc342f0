/* litmus-program: expect=race lines=28,40 threads=2,4 category=chan
 * What: the producer closes the "done" channel as its signal and only
 * then stores the summary; a waiter whose receive returned because of the
 * close reads the summary. close happens before that receive (C4), but
 * the store after the close is ordered with nothing in the waiter. The
 * waiter reads after the store (a relaxed flag, no edge), so the two
 * never overlap in time. Twin of chan_close_signal_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *done;
static long items[64];
static long summary;
static atomic_int stored;
static gm_waitgroup wg;

static void producer(void *arg)
{
    (void)arg;
    long s = 0;
    for (int i = 0; i < 64; i++) {
        items[i] = i;
        s += i;
    }
    gm_chan_close(done);
    summary = s; /* race */
    atomic_store_explicit(&stored, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void waiter(void *arg)
{
    (void)arg;
    bool ok = gm_chan_recv(done, NULL);
    LP_CHECK(!ok, "receive on closed channel returned true");
    while (!atomic_load_explicit(&stored, memory_order_relaxed))
        gm_gosched();
    long s = summary; /* race */
    LP_CHECK(items[63] == 63, "items[63] = %ld", items[63]); /* ordered by the close */
    gm_waitgroup_done(&wg);
    lp_use((uint64_t)s);
}

int main(void)
{
    int nwait = lp_threads() > 1 ? lp_threads() - 1 : 1;
    done = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nwait + 1);
    for (int i = 0; i < nwait; i++)
        gm_go(waiter, NULL);
    gm_go(producer, NULL);
    gm_waitgroup_wait(&wg);
    gm_chan_free(done);
    return 0;
}
