/* litmus-program: expect=norace threads=2,4 category=chan
 * What: a worker pool: main sends jobs on a buffered channel, workers
 * write each job's result into the job and send an ack; main reads a
 * result only after receiving that job's ack (C1 from the worker's ack
 * send). Twin of chan_no_ack_race.
 * Invariant: every job is done exactly once and every result is right.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct job {
    int id;
    int done_by;
    long input;
    long output;
};

static gm_chan *jobs, *acks;
static gm_waitgroup wg;

static long f(long x)
{
    return x * x + 3 * x + 1;
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    struct job *j;
    while (gm_chan_recv(jobs, &j)) {
        j->output = f(j->input);
        j->done_by = w;
        gm_chan_send(acks, &j->id);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nworkers = lp_threads();
    int njobs = 400 * lp_scale();
    uint64_t rng = lp_seed();
    struct job *all = gm_calloc((size_t)njobs, sizeof *all);
    int *acked = gm_calloc((size_t)njobs, sizeof *acked);
    jobs = gm_chan_make(sizeof(struct job *), 16);
    acks = gm_chan_make(sizeof(int), 16);
    gm_waitgroup_add(&wg, nworkers);
    for (int w = 0; w < nworkers; w++)
        gm_go(worker, (void *)(intptr_t)w);
    int sent = 0, received = 0;
    for (int i = 0; i < njobs; i++) {
        all[i].id = i;
        all[i].done_by = -1;
        all[i].input = (long)(lp_rand(&rng) % 100000);
    }
    while (received < njobs) {
        /* keep up to 16 jobs in flight; read a result only after its ack */
        if (sent < njobs && sent - received < 16) {
            struct job *j = &all[sent++];
            gm_chan_send(jobs, &j);
            continue;
        }
        int id;
        gm_chan_recv(acks, &id);
        LP_CHECK(id >= 0 && id < njobs, "bad ack %d", id);
        acked[id]++;
        LP_CHECK(all[id].output == f(all[id].input), "job %d: wrong output", id);
        LP_CHECK(all[id].done_by >= 0 && all[id].done_by < nworkers, "job %d: done_by %d", id,
                 all[id].done_by);
        received++;
    }
    gm_chan_close(jobs);
    gm_waitgroup_wait(&wg);
    for (int i = 0; i < njobs; i++)
        LP_CHECK(acked[i] == 1, "job %d acked %d times", i, acked[i]);
    gm_chan_free(jobs);
    gm_chan_free(acks);
    gm_free(all);
    gm_free(acked);
    return 0;
}
