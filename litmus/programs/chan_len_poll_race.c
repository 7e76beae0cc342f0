/* litmus-program: expect=race lines=18,29 threads=2,4 category=chan
 * What: main polls gm_chan_len until the worker's message is buffered and
 * then reads the result the worker wrote before sending, receiving the
 * message only afterwards. len neither reads nor synchronizes (C5): only
 * the receive would order the worker's write before main's read. Twin of
 * chan_try_recv_poll_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *ready;
static long result;

static void worker(void *arg)
{
    (void)arg;
    result = 1234; /* race */
    int one = 1;
    gm_chan_send(ready, &one);
}

int main(void)
{
    ready = gm_chan_make(sizeof(int), 1);
    gm_go(worker, NULL);
    while (gm_chan_len(ready) == 0)
        gm_gosched();
    long r = result; /* race */
    int one;
    gm_chan_recv(ready, &one);
    LP_CHECK(one == 1, "message %d", one);
    printf("%ld\n", r);
    return 0;
}
