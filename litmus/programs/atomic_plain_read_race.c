/* litmus-program: expect=race lines=22,33 threads=2,4 category=atomic
 * What: workers count with gm_atomic_i64_add, and a reporter reads the
 * counter through a cast to a plain int64_t instead of gm_atomic_i64_load.
 * An atomic and a plain access to the same bytes race (report_atomic_races
 * is on by default). The reporter reads after the first worker's adds (a
 * relaxed flag, no edge); nothing orders them.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_atomic_i64 hits;
static gm_chan *start;
static atomic_int added;
static gm_waitgroup wg;

static void worker(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 100; i++)
        gm_atomic_i64_add(&hits, 1); /* race */
    atomic_store_explicit(&added, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void reporter(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&added, memory_order_relaxed))
        gm_gosched();
    int64_t h = *(volatile int64_t *)&hits; /* race */
    lp_use((uint64_t)h);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nworkers = lp_threads() > 1 ? lp_threads() - 1 : 1;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nworkers + 1);
    for (int i = 0; i < nworkers; i++)
        gm_go(worker, NULL);
    gm_go(reporter, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(gm_atomic_i64_load(&hits) == 100L * nworkers, "hits %lld",
             (long long)gm_atomic_i64_load(&hits));
    gm_chan_free(start);
    return 0;
}
