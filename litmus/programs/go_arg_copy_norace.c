/* litmus-program: expect=norace threads=2,4 category=go
 * What: each goroutine gets its own heap-allocated argument, filled before
 * gm_go; the call happens before the goroutine starts (G1), so it reads
 * the argument without any other synchronization. It writes its answer
 * into the argument and reports through a channel; main reads the answer
 * after the receive (C1) and frees the argument. Twin of
 * go_arg_reuse_race.
 * Invariant: every goroutine saw its own index and input; all answers
 * arrive and are right.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct arg {
    int index;
    long input[8];
    long answer;
};

static gm_chan *done;

static void task(void *p)
{
    struct arg *a = p;
    long s = 0;
    for (int i = 0; i < 8; i++) {
        LP_CHECK(a->input[i] == (long)a->index * 10 + i, "task %d: bad input", a->index);
        s += a->input[i];
    }
    a->answer = s;
    gm_chan_send(done, &p);
}

int main(void)
{
    int n = lp_threads() * 8;
    int rounds = 5 * lp_scale();
    done = gm_chan_make(sizeof(struct arg *), 0);
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < n; k++) {
            struct arg *a = gm_malloc(sizeof *a);
            a->index = k;
            for (int i = 0; i < 8; i++)
                a->input[i] = (long)k * 10 + i;
            a->answer = -1;
            gm_go(task, a);
        }
        char *seen = gm_calloc((size_t)n, 1);
        for (int k = 0; k < n; k++) {
            struct arg *a;
            gm_chan_recv(done, &a);
            LP_CHECK(a->index >= 0 && a->index < n && !seen[a->index], "bad index %d", a->index);
            seen[a->index] = 1;
            LP_CHECK(a->answer == (long)a->index * 80 + 28, "task %d: answer %ld", a->index,
                     a->answer);
            gm_free(a);
        }
        gm_free(seen);
    }
    gm_chan_free(done);
    return 0;
}
