/* litmus-program: expect=race lines=27,37 threads=2,4 category=mutex
 * What: lockers increment a counter under the mutex; one more goroutine
 * takes a "fast path" and increments it without the lock. It never
 * acquires the mutex before that increment, so nothing orders it with the
 * locked increments. The lockers start after the fast path's increment (a
 * relaxed flag, no edge), so the accesses never overlap in time. Twin of
 * mutex_counter_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_mutex mu;
static long counter;
static gm_chan *start;
static atomic_int fast_done;
static gm_waitgroup wg;

static void locker(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&fast_done, memory_order_relaxed))
        gm_gosched();
    for (int i = 0; i < 200; i++) {
        gm_mutex_lock(&mu);
        counter++; /* race */
        gm_mutex_unlock(&mu);
    }
    gm_waitgroup_done(&wg);
}

static void fast_path(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    counter += 1; /* race */
    atomic_store_explicit(&fast_done, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nlockers = lp_threads() > 1 ? lp_threads() - 1 : 1;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nlockers + 1);
    for (int i = 0; i < nlockers; i++)
        gm_go(locker, NULL);
    gm_go(fast_path, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    printf("%ld\n", counter);
    return 0;
}
