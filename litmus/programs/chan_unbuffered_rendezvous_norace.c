/* litmus-program: expect=norace threads=2,4 category=chan
 * What: on an unbuffered channel the receive happens before the send
 * completes (C2). Each worker writes its result slot and then receives a
 * token; main sends the token and reads the slot right after its send
 * returns, without waiting for anything else. Twin of
 * chan_buffered_no_rendezvous_race.
 * Invariant: main reads every round's result, and each is the value the
 * worker computed for that round. (A second send per round tells the worker
 * that main has read the slot, so it may write the next result.)
 */
#include <gomm/gomm.h>

#include "prog.h"

static int nworkers, rounds;
static gm_chan **tokens;
static long *slot; /* slot[w]: worker w's result, handed over by the rendezvous */
static gm_waitgroup wg;

static long compute(int w, int r)
{
    return (long)w * 100000 + (long)r * 3 + 1;
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    for (int r = 0; r < rounds; r++) {
        slot[w] = compute(w, r);
        int tok;
        gm_chan_recv(tokens[w], &tok); /* C2: main's send returns after this */
        LP_CHECK(tok == r, "worker %d: token %d in round %d", w, tok, r);
        gm_chan_recv(tokens[w], &tok); /* C1: main has read the slot */
        LP_CHECK(tok == -r - 1, "worker %d: release token %d in round %d", w, tok, r);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    nworkers = lp_threads();
    rounds = 200 * lp_scale();
    tokens = gm_calloc((size_t)nworkers, sizeof *tokens);
    slot = gm_calloc((size_t)nworkers, sizeof *slot);
    for (int w = 0; w < nworkers; w++)
        tokens[w] = gm_chan_make(sizeof(int), 0);
    gm_waitgroup_add(&wg, nworkers);
    for (int w = 0; w < nworkers; w++)
        gm_go(worker, (void *)(intptr_t)w);
    long sum = 0, want = 0;
    for (int r = 0; r < rounds; r++) {
        for (int w = 0; w < nworkers; w++) {
            gm_chan_send(tokens[w], &r);
            long v = slot[w]; /* ordered: the worker's receive completed first */
            LP_CHECK(v == compute(w, r), "round %d worker %d: read %ld", r, w, v);
            sum += v;
            want += compute(w, r);
            int release = -r - 1;
            gm_chan_send(tokens[w], &release);
        }
    }
    gm_waitgroup_wait(&wg);
    LP_CHECK(sum == want, "sum %ld != %ld", sum, want);
    for (int w = 0; w < nworkers; w++)
        gm_chan_free(tokens[w]);
    gm_free(tokens);
    gm_free(slot);
    return 0;
}
