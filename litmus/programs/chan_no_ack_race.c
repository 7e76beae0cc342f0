/* litmus-program: expect=race lines=29,44 threads=2,4 category=chan
 * What: main sends a job on a buffered channel and reads the job's result
 * right after the send, before receiving the worker's ack. The buffered
 * send completes at once; the worker writes the result after its receive,
 * so the read is unordered with that write. The worker writes only after
 * main's read (a relaxed flag, no edge), so the two never overlap in
 * time. Twin of chan_ack_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct job {
    long input;
    long output;
};

static gm_chan *jobs, *acks;
static atomic_int main_read;

static void worker(void *arg)
{
    (void)arg;
    struct job *j;
    while (gm_chan_recv(jobs, &j)) {
        long r = j->input * 2;
        while (!atomic_load_explicit(&main_read, memory_order_relaxed))
            gm_gosched();
        j->output = r; /* race */
        gm_chan_send(acks, &r);
    }
}

int main(void)
{
    int nworkers = lp_threads();
    jobs = gm_chan_make(sizeof(struct job *), 4);
    acks = gm_chan_make(sizeof(long), 4);
    for (int w = 0; w < nworkers; w++)
        gm_go(worker, NULL);
    struct job *j = gm_malloc(sizeof *j);
    j->input = 21;
    gm_chan_send(jobs, &j);
    long early = j->output; /* race */
    atomic_store_explicit(&main_read, 1, memory_order_relaxed);
    long ack;
    gm_chan_recv(acks, &ack);
    LP_CHECK(ack == 42, "ack %ld", ack);
    LP_CHECK(j->output == 42, "output %ld", j->output);
    gm_chan_close(jobs);
    printf("%ld\n", early);
    return 0;
}
