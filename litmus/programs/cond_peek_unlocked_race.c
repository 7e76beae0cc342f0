/* litmus-program: expect=race lines=28,41 threads=2,4 category=cond
 * What: the waiter "optimizes" by peeking at the predicate without the
 * lock and skipping the wait when it is already set. The producer sets it
 * under the lock and broadcasts; the unlocked peek is ordered with
 * nothing. The waiter peeks after the producer is done (relaxed flag, no
 * edge), so it always takes the skip path; its later read of the data is
 * under the lock (correct). Extra waiters use the correct loop. Twin of
 * cond_queue_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_mutex mu;
static gm_cond cv;
static int ready;
static long data;
static atomic_int produced;
static gm_chan *start;
static gm_waitgroup wg;

static void producer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_mutex_lock(&mu);
    data = 77;
    ready = 1; /* race */
    gm_cond_broadcast(&cv);
    gm_mutex_unlock(&mu);
    atomic_store_explicit(&produced, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void peeking_waiter(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&produced, memory_order_relaxed))
        gm_gosched();
    if (!ready) { /* race */
        gm_mutex_lock(&mu);
        while (!ready)
            gm_cond_wait(&cv, &mu);
        gm_mutex_unlock(&mu);
    }
    gm_mutex_lock(&mu);
    long d = data;
    gm_mutex_unlock(&mu);
    LP_CHECK(d == 77, "data %ld", d);
    gm_waitgroup_done(&wg);
}

static void good_waiter(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_mutex_lock(&mu);
    while (!ready)
        gm_cond_wait(&cv, &mu);
    long d = data;
    gm_mutex_unlock(&mu);
    LP_CHECK(d == 77, "data %ld", d);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? lp_threads() - 2 : 0;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2 + extra);
    for (int i = 0; i < extra; i++)
        gm_go(good_waiter, NULL);
    gm_go(peeking_waiter, NULL);
    gm_go(producer, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    return 0;
}
