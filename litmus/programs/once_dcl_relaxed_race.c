/* litmus-program: expect=race lines=32,55 threads=2,4 category=once
 * What: double-checked initialization whose fast path loads the pointer
 * with memory_order_relaxed (and publishes it relaxed): a reader that
 * sees the pointer without taking the mutex has no edge to the writes
 * that built the object. The second user calls get_config only after the
 * first has built it (relaxed flag, no edge), so it always takes the fast
 * path. Twin of once_dcl_acquire_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct config {
    int verbose;
    int level;
};

static _Atomic(struct config *) cfg;
static gm_mutex mu;
static atomic_int built;
static gm_waitgroup wg;

static struct config *get_config(void)
{
    struct config *c = atomic_load_explicit(&cfg, memory_order_relaxed);
    if (c == NULL) {
        gm_mutex_lock(&mu);
        c = atomic_load_explicit(&cfg, memory_order_relaxed);
        if (c == NULL) {
            c = gm_malloc(sizeof *c);
            c->level = 1;
            c->verbose = 3; /* race */
            atomic_store_explicit(&cfg, c, memory_order_relaxed);
        }
        gm_mutex_unlock(&mu);
    }
    return c;
}

static void first_user(void *arg)
{
    (void)arg;
    struct config *c = get_config();
    LP_CHECK(c->level == 1, "level %d", c->level);
    atomic_store_explicit(&built, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void second_user(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&built, memory_order_relaxed))
        gm_gosched();
    struct config *c = get_config();
    int v = c->verbose; /* race */
    lp_use((uint64_t)v);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    gm_waitgroup_add(&wg, 2);
    gm_go(second_user, NULL);
    gm_go(first_user, NULL);
    gm_waitgroup_wait(&wg);
    return 0;
}
