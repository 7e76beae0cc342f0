/* litmus-program: expect=norace threads=2,4 category=once
 * What: double-checked initialization done right: the fast path loads the
 * pointer with memory_order_acquire, the initializer builds the object
 * under a gm_mutex and publishes it with memory_order_release. A reader
 * that sees the pointer synchronizes with the store (C11 7.17.3), one
 * that sees NULL takes the mutex (M1). Twin of once_dcl_relaxed_race.
 * Invariant: exactly one object built; every reader sees it complete.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct config {
    int verbose;
    int level;
    long table[32];
};

static _Atomic(struct config *) cfg;
static gm_mutex mu;
static int builds; /* under mu */
static gm_chan *start;
static gm_waitgroup wg;

static struct config *get_config(void)
{
    struct config *c = atomic_load_explicit(&cfg, memory_order_acquire);
    if (c == NULL) {
        gm_mutex_lock(&mu);
        c = atomic_load_explicit(&cfg, memory_order_relaxed);
        if (c == NULL) {
            c = gm_malloc(sizeof *c);
            c->verbose = 3;
            c->level = 7;
            for (int i = 0; i < 32; i++)
                c->table[i] = i * i;
            builds++;
            atomic_store_explicit(&cfg, c, memory_order_release);
        }
        gm_mutex_unlock(&mu);
    }
    return c;
}

static void user(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = lp_seed_for(w);
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 300 * lp_scale(); i++) {
        struct config *c = get_config();
        int k = (int)(lp_rand(&rng) % 32);
        LP_CHECK(c->verbose == 3 && c->level == 7, "incomplete config");
        LP_CHECK(c->table[k] == (long)k * k, "table[%d] = %ld", k, c->table[k]);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads() * 2;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(user, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(builds == 1, "%d configs built", builds);
    gm_free(atomic_load_explicit(&cfg, memory_order_relaxed));
    gm_chan_free(start);
    return 0;
}
