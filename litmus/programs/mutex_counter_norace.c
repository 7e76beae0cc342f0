/* litmus-program: expect=norace threads=2,4 category=mutex
 * What: workers increment plain counters under a gm_mutex, with a random
 * amount of work outside the lock. The n-th unlock happens before the
 * (n+1)-th lock returns (M1). The zero value of gm_mutex is unlocked. Twin
 * of mutex_counter_unlocked_race.
 * Invariant: the counter equals the number of increments; the per-worker
 * tallies kept under the lock add up to it; at most one holder at a time.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_mutex mu; /* zero value: unlocked */
static long counter;
static int holders;
static long *tally;
static int iters;
static gm_chan *start;
static gm_waitgroup wg;

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = lp_seed_for(w);
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        volatile unsigned spin = (unsigned)(lp_rand(&rng) % 64);
        while (spin > 0)
            spin = spin - 1;
        gm_mutex_lock(&mu);
        holders++;
        LP_CHECK(holders == 1, "%d holders", holders);
        counter++;
        tally[w]++;
        holders--;
        gm_mutex_unlock(&mu);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 1000 * lp_scale();
    tally = gm_calloc((size_t)n, sizeof *tally);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(worker, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    long sum = 0;
    for (int w = 0; w < n; w++) {
        LP_CHECK(tally[w] == iters, "worker %d: %ld increments", w, tally[w]);
        sum += tally[w];
    }
    LP_CHECK(counter == sum && counter == (long)n * iters, "counter %ld, want %ld", counter,
             (long)n * iters);
    LP_CHECK(gm_mutex_trylock(&mu), "the mutex is still held");
    gm_mutex_unlock(&mu);
    gm_free(tally);
    gm_chan_free(start);
    return 0;
}
