/* litmus-program: expect=norace threads=2,4 category=chan
 * What: a buffered channel of capacity 1 used as a lock: send to
 * acquire, receive to release. The k-th receive happens before the
 * completion of the (k+1)-th send (C3 with C = 1), so the critical
 * sections are ordered. Twin of chan_sem_cap2_race.
 * Invariant: the plain counter equals the number of increments, and never
 * more than one thread is inside.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *sem;
static gm_chan *start; /* closed once every worker is started */
static long counter;
static long inside;
static gm_waitgroup wg;
static int iters;

static void worker(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        char token = 1;
        gm_chan_send(sem, &token);
        inside++;
        LP_CHECK(inside == 1, "%ld threads in the critical section", inside);
        counter++;
        inside--;
        gm_chan_recv(sem, &token);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 500 * lp_scale();
    sem = gm_chan_make(1, 1);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int i = 0; i < n; i++)
        gm_go(worker, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(counter == (long)n * iters, "counter %ld, want %ld", counter, (long)n * iters);
    gm_chan_free(sem);
    gm_chan_free(start);
    return 0;
}
