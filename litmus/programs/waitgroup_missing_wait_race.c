/* litmus-program: expect=race lines=23,39 threads=2,4 category=waitgroup
 * What: the gm_waitgroup_wait is missing: main instead polls a relaxed
 * "finished" counter that each worker bumps after writing its result, and
 * then reads the results. The counter's relaxed operations carry no
 * happens-before, so every result read races with the worker's write
 * (main reads only after all writes, so the race is always there). Twin
 * of waitgroup_results_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static long results[64];
static atomic_int finished;
static gm_waitgroup wg; /* added to and done, never waited on */

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    long s = 0;
    for (int i = 0; i < 100; i++)
        s += (long)w * i;
    results[w] = s + 1; /* race */
    atomic_fetch_add_explicit(&finished, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(worker, (void *)(intptr_t)w);
    /* missing: gm_waitgroup_wait(&wg); */
    while (atomic_load_explicit(&finished, memory_order_relaxed) < n)
        gm_gosched();
    long sum = 0;
    for (int w = 0; w < n; w++)
        sum += results[w]; /* race */
    printf("%ld\n", sum);
    return 0;
}
