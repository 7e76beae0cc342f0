/* litmus-program: expect=race lines=27,32 threads=2,4 category=once
 * What: a cached value computed under gm_once_do, with a "fast path" that
 * reads the cache before calling gm_once_do and skips the call when the
 * cache is already set. Only gm_once_do's return is ordered after fn
 * (O1); the peek before it is ordered with nothing, so the peek of every
 * caller that is not the initializer races with the initializer's write.
 * The first user warms the cache; the others call get() after it (a
 * relaxed flag, no edge), so they always take the fast path. Twin of
 * once_init_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_once once;
static long cached; /* 0: not computed yet */
static gm_chan *start;
static atomic_int warmed;
static gm_waitgroup wg;

static void compute(void *arg)
{
    (void)arg;
    long h = 1;
    for (int i = 0; i < 100; i++)
        h = h * 31 + i;
    cached = h | 1; /* race */
}

static long get(void)
{
    long h = cached; /* race */
    if (h == 0) {
        gm_once_do(&once, compute, NULL);
        h = cached;
    }
    return h;
}

static void user(void *arg)
{
    int id = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    if (id > 0)
        while (!atomic_load_explicit(&warmed, memory_order_relaxed))
            gm_gosched();
    long h = get();
    if (id == 0)
        atomic_store_explicit(&warmed, 1, memory_order_relaxed);
    LP_CHECK(h != 0, "cached value is 0");
    lp_use((uint64_t)h);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads() < 2 ? 2 : lp_threads();
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int i = 0; i < n; i++)
        gm_go(user, (void *)(intptr_t)i);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    return 0;
}
