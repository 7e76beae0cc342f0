/* litmus-program: expect=race lines=33,44 threads=2,4 category=mutex
 * What: two code paths guard the same field with two different mutexes
 * (each "locks", so it looks right). An unlock orders only later locks of
 * the same mutex (M1), so the writer under mu_a and the reader under mu_b
 * are unordered. The adders start after the logger is done (a relaxed
 * flag, no edge), so the accesses never overlap in time. Twin of
 * mutex_counter_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct stats {
    gm_mutex mu_a; /* meant to guard everything */
    gm_mutex mu_b; /* guards the log only, but used for total too */
    long total;
    long log[8];
};

static struct stats st;
static gm_chan *start;
static atomic_int logged;
static gm_waitgroup wg;

static void adder(void *arg)
{
    int w = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&logged, memory_order_relaxed))
        gm_gosched();
    for (int i = 0; i < 50; i++) {
        gm_mutex_lock(&st.mu_a);
        st.total += w + 1; /* race */
        gm_mutex_unlock(&st.mu_a);
    }
    gm_waitgroup_done(&wg);
}

static void logger(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_mutex_lock(&st.mu_b);
    st.log[0] = st.total; /* race */
    gm_mutex_unlock(&st.mu_b);
    atomic_store_explicit(&logged, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nadders = lp_threads() > 1 ? lp_threads() - 1 : 1;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nadders + 1);
    for (int w = 0; w < nadders; w++)
        gm_go(adder, (void *)(intptr_t)w);
    gm_go(logger, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(st.total == 50L * nadders * (nadders + 1) / 2, "total %ld", st.total);
    gm_chan_free(start);
    return 0;
}
