/* litmus-program: expect=race lines=22,48 threads=2,4 category=waitgroup
 * What: a worker calls gm_waitgroup_done before writing its last result
 * (done in the wrong place). Only what precedes done is ordered before
 * wait's return (W1), so main's read of that result races with the write
 * after done. main reads it only after the write has happened (a relaxed
 * flag, no edge). Other workers call done last. Twin of
 * waitgroup_results_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static long first[64], last[64];
static atomic_int exited;
static gm_waitgroup wg;

static void early_worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    first[w] = w + 1;
    gm_waitgroup_done(&wg);
    last[w] = w + 2; /* race */
    atomic_fetch_add_explicit(&exited, 1, memory_order_relaxed);
}

static void good_worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    first[w] = w + 1;
    last[w] = w + 2;
    atomic_fetch_add_explicit(&exited, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    gm_waitgroup_add(&wg, n);
    gm_go(early_worker, (void *)(intptr_t)0);
    for (int w = 1; w < n; w++)
        gm_go(good_worker, (void *)(intptr_t)w);
    gm_waitgroup_wait(&wg);
    long sum = 0;
    for (int w = 0; w < n; w++)
        LP_CHECK(first[w] == w + 1, "first[%d] = %ld", w, first[w]);
    while (atomic_load_explicit(&exited, memory_order_relaxed) < n)
        gm_gosched();
    sum += last[0]; /* race */
    for (int w = 1; w < n; w++)
        sum += last[w];
    lp_use((uint64_t)sum);
    return 0;
}
