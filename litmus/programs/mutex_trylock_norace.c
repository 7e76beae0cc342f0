/* litmus-program: expect=norace threads=2,4 category=mutex
 * What: workers try gm_mutex_trylock first and fall back to
 * gm_mutex_lock when it fails. A successful trylock acquires like lock
 * (M1); a failed one synchronizes with nothing and the worker touches
 * nothing shared on that path. Twin of mutex_trylock_fail_race.
 * Invariant: fast + slow acquisitions equal the iterations, and the plain
 * counter equals them.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_mutex mu;
static long counter;
static long fast, slow; /* under mu */
static int iters;
static gm_chan *start;
static gm_waitgroup wg;

static void worker(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        if (gm_mutex_trylock(&mu)) {
            fast++;
        } else {
            gm_mutex_lock(&mu);
            slow++;
        }
        counter += 2;
        gm_mutex_unlock(&mu);
        if (i % 8 == 0)
            gm_gosched();
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 1000 * lp_scale();
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(worker, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(fast + slow == (long)n * iters, "fast %ld + slow %ld != %ld", fast, slow,
             (long)n * iters);
    LP_CHECK(counter == 2L * n * iters, "counter %ld", counter);
    gm_chan_free(start);
    return 0;
}
