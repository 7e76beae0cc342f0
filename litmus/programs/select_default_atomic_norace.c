/* litmus-program: expect=norace threads=2,4 category=select
 * What: workers poll with a select that has a default: the job case and
 * the quit case synchronize when chosen, the default path synchronizes
 * with nothing (S1), so the default path only touches shared state
 * through atomics. A send-only case on a nil channel (never ready) sits
 * in every select. Jobs come over an unbuffered channel: a parked sender
 * is a ready case for a polling select. Twin of select_default_shared_race.
 * Invariant: every job processed exactly once, the sum matches, the idle
 * count read atomically is consistent.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *jobs, *quit, *start;
static gm_atomic_i64 idle;     /* default-path statistics */
static gm_atomic_i64 done_sum; /* sum of processed job values */
static gm_waitgroup wg;
static int *processed; /* processed[job], written by the worker that got it */

static void worker(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    int job = -1, dummy = 0;
    for (;;) {
        gm_case cases[3] = {
            {.chan = jobs, .dir = GM_RECV, .elem = &job},
            {.chan = quit, .dir = GM_RECV},
            {.chan = NULL, .dir = GM_SEND, .elem = &dummy},
        };
        int i = gm_select(cases, 3, true);
        if (i == -1) {
            gm_atomic_i64_add(&idle, 1);
            gm_gosched();
            continue;
        }
        LP_CHECK(i != 2, "the nil-channel case fired");
        if (i == 1)
            break;
        LP_CHECK(cases[0].ok, "jobs reported closed");
        processed[job]++;
        gm_atomic_i64_add(&done_sum, job);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    int njobs = 300 * lp_scale();
    jobs = gm_chan_make(sizeof(int), 0);
    quit = gm_chan_make(0, 0);
    start = gm_chan_make(0, 0);
    processed = gm_calloc((size_t)njobs, sizeof *processed);
    gm_waitgroup_add(&wg, n);
    for (int i = 0; i < n; i++)
        gm_go(worker, NULL);
    gm_chan_close(start);
    int64_t idle_seen = 0;
    for (int j = 0; j < njobs; j++) {
        gm_chan_send(jobs, &j);
        int64_t now = gm_atomic_i64_load(&idle);
        LP_CHECK(now >= idle_seen, "idle count went back from %lld to %lld",
                 (long long)idle_seen, (long long)now);
        idle_seen = now;
    }
    gm_chan_close(quit); /* a closed channel is always ready: every worker leaves */
    gm_waitgroup_wait(&wg);
    long want = (long)njobs * (njobs - 1) / 2;
    LP_CHECK(gm_atomic_i64_load(&done_sum) == want, "sum %lld, want %ld",
             (long long)gm_atomic_i64_load(&done_sum), want);
    for (int j = 0; j < njobs; j++)
        LP_CHECK(processed[j] == 1, "job %d processed %d times", j, processed[j]);
    gm_chan_free(jobs);
    gm_chan_free(quit);
    gm_chan_free(start);
    gm_free(processed);
    return 0;
}
