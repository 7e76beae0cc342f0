/* litmus-program: expect=race lines=20,37 threads=2,4 category=mutex
 * What: main reasons "trylock failed, so the worker is inside its critical
 * section, so it has already written the config" and reads it. A failed
 * trylock synchronizes with nothing (M1), so the worker's write before
 * its lock is unordered with main's read. The worker holds the lock until
 * main is done (relaxed flags, no edges), so the trylock always fails.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_mutex mu;
static long config;
static atomic_int holding, release_it;
static gm_waitgroup wg;

static void worker(void *arg)
{
    (void)arg;
    config = 99; /* race */
    gm_mutex_lock(&mu);
    atomic_store_explicit(&holding, 1, memory_order_relaxed);
    while (!atomic_load_explicit(&release_it, memory_order_relaxed))
        gm_gosched();
    gm_mutex_unlock(&mu);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    gm_waitgroup_add(&wg, 1);
    gm_go(worker, NULL);
    while (!atomic_load_explicit(&holding, memory_order_relaxed))
        gm_gosched();
    long c = -1;
    if (!gm_mutex_trylock(&mu)) {
        c = config; /* race */
    } else {
        gm_mutex_unlock(&mu);
        LP_CHECK(0, "trylock succeeded while the worker holds the lock");
    }
    atomic_store_explicit(&release_it, 1, memory_order_relaxed);
    gm_waitgroup_wait(&wg);
    lp_use((uint64_t)c);
    return 0;
}
