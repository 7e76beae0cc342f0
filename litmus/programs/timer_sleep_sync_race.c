/* litmus-program: expect=race lines=25,39 threads=2,4 category=timer
 * What: "sleep as synchronization": main starts a worker, waits for a
 * 1 ms gm_after timer ("the worker is surely done by now") and reads the
 * worker's result. The timer's delivery is a send from the timer, which
 * knows nothing of the worker: the read is unordered with the worker's
 * write however long the wait. (So that the two accesses never overlap in
 * time, main also waits for a relaxed flag, which adds no edge either.)
 * main waits on the waitgroup only after the read. Twin of
 * timer_after_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static long result;
static atomic_int wrote;
static gm_waitgroup wg;

static void worker(void *arg)
{
    (void)arg;
    long s = 0;
    for (int i = 0; i < 100; i++)
        s += i;
    result = s; /* race */
    atomic_store_explicit(&wrote, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    gm_waitgroup_add(&wg, 1);
    gm_go(worker, NULL);
    gm_chan *t = gm_after(1000000);
    int64_t when;
    gm_chan_recv(t, &when);
    while (!atomic_load_explicit(&wrote, memory_order_relaxed))
        gm_gosched();
    long r = result; /* race */
    gm_waitgroup_wait(&wg);
    gm_chan_free(t);
    lp_use((uint64_t)r);
    return 0;
}
