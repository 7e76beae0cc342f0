/* litmus-program: expect=norace threads=2,4 category=go
 * What: goroutines start one after another on gomm's idle pool threads,
 * so a new goroutine's frame reuses the stack addresses of an earlier one
 * that it is not ordered after (main learns that the earlier ones ended
 * only through a relaxed counter: a goroutine's end orders nothing, Go's
 * G2). Each writes and reads its own address-taken locals. Reused stack
 * memory is fresh to the new goroutine: no race. (Fixed gomm bug: the
 * checker kept the dead frames' shadow and reported the reuse as a race.)
 * Invariant: every goroutine's token comes through the channel once.
 */
#include <gomm/gomm.h>
#include <sched.h>

#include "prog.h"

static gm_chan *sink;
static atomic_int finished;

static void g(void *arg)
{
    int tok = (int)(intptr_t)arg; /* a stack write, address taken below */
    gm_chan_send(sink, &tok);     /* buffered: never blocks */
    atomic_fetch_add_explicit(&finished, 1, memory_order_relaxed);
}

int main(void)
{
    int rounds = 8 * lp_threads() * lp_scale();
    sink = gm_chan_make(sizeof(int), (size_t)rounds);
    for (int r = 0; r < rounds; r++) {
        gm_go(g, (void *)(intptr_t)r);
        /* wait without an edge: the next goroutine is likely to take
         * the pool thread this one leaves idle */
        while (atomic_load_explicit(&finished, memory_order_relaxed) <= r)
            sched_yield();
        for (volatile int i = 0; i < 200000; i++)
            ; /* let its pool thread park as idle */
    }
    long sum = 0;
    for (int r = 0; r < rounds; r++) {
        int tok;
        LP_CHECK(gm_chan_recv(sink, &tok), "channel closed early");
        LP_CHECK(tok >= 0 && tok < rounds, "bad token %d", tok);
        sum += tok;
    }
    LP_CHECK(sum == (long)rounds * (rounds - 1) / 2, "tokens lost: sum %ld", sum);
    return 0;
}
