/* litmus-program: expect=norace threads=2,4 category=cond
 * What: a reusable barrier (count + generation under a gm_mutex, the last
 * arrival broadcasts a gm_cond). In each phase every thread writes its own
 * cell, crosses the barrier, reads its neighbours' cells, and crosses
 * again before the next write. Broadcast happens before the return of the
 * waits it wakes (K1), and the mutex orders the rest.
 * Invariant: every read sees the neighbour's value of the current phase.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct barrier {
    gm_mutex mu;
    gm_cond cv;
    int n, arrived;
    unsigned gen;
};

static struct barrier bar;
static long *cell;
static int n, phases;
static gm_chan *start;
static gm_waitgroup wg;

static void barrier_wait(struct barrier *b)
{
    gm_mutex_lock(&b->mu);
    unsigned gen = b->gen;
    if (++b->arrived == b->n) {
        b->arrived = 0;
        b->gen++;
        gm_cond_broadcast(&b->cv);
    } else {
        while (gen == b->gen)
            gm_cond_wait(&b->cv, &b->mu);
    }
    gm_mutex_unlock(&b->mu);
}

static long value(int t, int phase)
{
    return (long)phase * 1000 + t;
}

static void worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int p = 0; p < phases; p++) {
        cell[t] = value(t, p);
        barrier_wait(&bar);
        int left = (t + n - 1) % n, right = (t + 1) % n;
        LP_CHECK(cell[left] == value(left, p), "phase %d: cell[%d] = %ld", p, left, cell[left]);
        LP_CHECK(cell[right] == value(right, p), "phase %d: cell[%d] = %ld", p, right, cell[right]);
        barrier_wait(&bar);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    n = lp_threads();
    phases = 60 * lp_scale();
    bar.n = n;
    cell = gm_calloc((size_t)n, sizeof *cell);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int t = 0; t < n; t++)
        gm_go(worker, (void *)(intptr_t)t);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(bar.gen == 2u * (unsigned)phases, "barrier generation %u", bar.gen);
    for (int t = 0; t < n; t++)
        LP_CHECK(cell[t] == value(t, phases - 1), "cell[%d] = %ld", t, cell[t]);
    gm_free(cell);
    gm_chan_free(start);
    return 0;
}
