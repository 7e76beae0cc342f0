/* litmus-program: expect=race lines=26,42 threads=2,4 category=cond
 * What: the producer sets the predicate without holding the mutex, then
 * locks and signals (so no wake-up is lost). The waiter's first check of
 * the predicate, under the lock, is unordered with that write: the
 * producer acquired nothing before writing, and the waiter released
 * nothing the producer acquired. The producer writes only after the waiter
 * has checked (relaxed flag, no edge), so the race is always there; the
 * waiter's check after waking is ordered (K1 and the mutex). Twin of
 * cond_queue_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_mutex mu;
static gm_cond cv;
static int ready;
static long payload;
static atomic_int checked;
static gm_waitgroup wg;

static void waiter(void *arg)
{
    (void)arg;
    gm_mutex_lock(&mu);
    while (!ready) { /* race */
        atomic_store_explicit(&checked, 1, memory_order_relaxed);
        gm_cond_wait(&cv, &mu);
    }
    long p = payload;
    gm_mutex_unlock(&mu);
    LP_CHECK(p == 5, "payload %ld", p);
    gm_waitgroup_done(&wg);
}

static void producer(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&checked, memory_order_relaxed))
        gm_gosched();
    payload = 5;
    ready = 1; /* race */
    gm_mutex_lock(&mu);
    gm_cond_signal(&cv);
    gm_mutex_unlock(&mu);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    gm_waitgroup_add(&wg, 2);
    gm_go(waiter, NULL);
    gm_go(producer, NULL);
    gm_waitgroup_wait(&wg);
    return 0;
}
