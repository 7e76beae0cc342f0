/* litmus-program: expect=race lines=28,30 threads=2,4 category=atomic
 * What: atomic_refcount_norace with the decrement done by a C11
 * fetch_sub with memory_order_relaxed: the last holder's free is not
 * ordered after the other holder's read of the object (relaxed RMWs carry
 * no release). Exactly two holders share one object, so whichever drops
 * last frees what the other one read. (The count lives outside the object
 * so that the free conflicts only with the read.)
 */
#include <gomm/gomm.h>

#include "prog.h"

struct obj {
    long data;
    long spare[3];
};

static struct obj *shared;
static atomic_int refs;
static gm_chan *start;
static gm_waitgroup wg;

static void holder(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    struct obj *o = shared;
    long d = o->data; /* race */
    if (atomic_fetch_sub_explicit(&refs, 1, memory_order_relaxed) == 1)
        gm_free(o); /* race */
    lp_use((uint64_t)d);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    shared = gm_malloc(sizeof *shared);
    atomic_init(&refs, 2);
    shared->data = 7;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2);
    gm_go(holder, NULL);
    gm_go(holder, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    gm_chan_free(start);
    return 0;
}
