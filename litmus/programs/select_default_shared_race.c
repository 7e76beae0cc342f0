/* litmus-program: expect=race lines=30,44 threads=2,4 category=select
 * What: a polling loop whose select default path bumps a plain shared
 * counter that main also reads. The default path synchronizes with
 * nothing (S1), and neither does the nil-channel case beside it, so the
 * increment and main's read are unordered. main waits for the first
 * default through a relaxed flag (no edge), so the default path always
 * runs. Twin of select_default_atomic_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *quit;
static long polls; /* raced on */
static atomic_int polled_once;
static gm_waitgroup wg;

static void poller(void *arg)
{
    (void)arg;
    int dummy = 0;
    for (;;) {
        gm_case cases[2] = {
            {.chan = quit, .dir = GM_RECV},
            {.chan = NULL, .dir = GM_SEND, .elem = &dummy},
        };
        int i = gm_select(cases, 2, true);
        if (i == 0)
            break;
        polls++; /* race */
        atomic_store_explicit(&polled_once, 1, memory_order_relaxed);
        gm_gosched();
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    quit = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 1);
    gm_go(poller, NULL);
    while (!atomic_load_explicit(&polled_once, memory_order_relaxed))
        gm_gosched();
    long seen = polls; /* race */
    gm_chan_close(quit);
    gm_waitgroup_wait(&wg);
    lp_use((uint64_t)seen);
    return 0;
}
