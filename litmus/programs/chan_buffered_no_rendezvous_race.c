/* litmus-program: expect=race lines=23,52 threads=2,4 category=chan
 * What: chan_unbuffered_rendezvous_norace with a buffered channel (cap 1).
 * The worker writes its result and then receives the token; main's send
 * completes into the buffer without waiting for the receive, so main's
 * read of the result after its send is unordered with the worker's write
 * (C2 holds only for unbuffered channels). main reads only after the
 * write (a relaxed flag, no edge), so the accesses never overlap in time.
 * Extra workers run the correct unbuffered protocol beside it.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *buffered, *unbuffered;
static long result;      /* raced on */
static long good_result; /* handed over by the unbuffered rendezvous */
static atomic_int wrote;
static gm_waitgroup wg;

static void racy_worker(void *arg)
{
    (void)arg;
    result = 42; /* race */
    atomic_store_explicit(&wrote, 1, memory_order_relaxed);
    int tok;
    gm_chan_recv(buffered, &tok);
    gm_waitgroup_done(&wg);
}

static void good_worker(void *arg)
{
    (void)arg;
    good_result = 7;
    int tok;
    gm_chan_recv(unbuffered, &tok);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? 1 : 0;
    buffered = gm_chan_make(sizeof(int), 1);
    unbuffered = gm_chan_make(sizeof(int), 0);
    gm_waitgroup_add(&wg, 1 + extra);
    gm_go(racy_worker, NULL);
    if (extra)
        gm_go(good_worker, NULL);
    int tok = 1;
    gm_chan_send(buffered, &tok);
    while (!atomic_load_explicit(&wrote, memory_order_relaxed))
        gm_gosched();
    long v = result; /* race */
    if (extra) {
        gm_chan_send(unbuffered, &tok);
        LP_CHECK(good_result == 7, "good_result %ld", good_result);
    }
    gm_waitgroup_wait(&wg);
    printf("%ld\n", v);
    return 0;
}
