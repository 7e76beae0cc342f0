/* litmus-program: expect=norace threads=2,4 category=chan
 * What: main polls each worker's buffered channel with try_recv (and
 * gm_chan_len, which synchronizes nothing, as a cheap pre-check) and reads
 * a worker's result only after a try_recv completed: a completed
 * non-blocking receive synchronizes like a blocking one (C1); failed ones
 * synchronize with nothing and are simply retried. Twin of
 * chan_len_poll_race.
 * Invariant: every worker's result is read exactly once and is right.
 */
#include <gomm/gomm.h>

#include "prog.h"

static int n;
static gm_chan **ready;
static gm_chan *gate; /* a round's workers start together (see README) */
static long *result;

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    gm_chan_recv(gate, NULL);
    long s = 0;
    for (int i = 0; i <= 1000 + w; i++)
        s += i;
    result[w] = s;
    gm_chan_send(ready[w], &w);
}

int main(void)
{
    n = lp_threads();
    int rounds = 20 * lp_scale();
    ready = gm_calloc((size_t)n, sizeof *ready);
    result = gm_calloc((size_t)n, sizeof *result);
    for (int w = 0; w < n; w++)
        ready[w] = gm_chan_make(sizeof(int), 1);
    for (int r = 0; r < rounds; r++) {
        gate = gm_chan_make(0, 0);
        for (int w = 0; w < n; w++)
            gm_go(worker, (void *)(intptr_t)w);
        gm_chan_close(gate);
        int left = n;
        char *got = gm_calloc((size_t)n, 1);
        while (left > 0) {
            for (int w = 0; w < n; w++) {
                if (got[w] || gm_chan_len(ready[w]) == 0)
                    continue;
                int id = -1;
                bool ok = false;
                if (!gm_chan_try_recv(ready[w], &id, &ok))
                    continue;
                LP_CHECK(ok && id == w, "worker %d: ok %d id %d", w, ok, id);
                long want = (long)(1000 + w) * (1001 + w) / 2;
                LP_CHECK(result[w] == want, "worker %d: result %ld want %ld", w, result[w], want);
                got[w] = 1;
                left--;
            }
            gm_gosched();
        }
        gm_free(got);
        gm_chan_free(gate);
    }
    for (int w = 0; w < n; w++)
        gm_chan_free(ready[w]);
    gm_free(ready);
    gm_free(result);
    return 0;
}
