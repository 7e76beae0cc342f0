/* litmus-program: expect=race lines=26,40 threads=2,4 category=rwmutex
 * What: a "reader" updates a statistics field while holding only the read
 * lock, and another reader reads it under the read lock. Readers are not
 * ordered with each other (M2), so the write and the read race. No writer
 * ever takes the write lock, so nothing can order them by chance. The
 * stats reader reads after the update (a relaxed flag, no edge). Extra
 * readers only read the table. Twin of rwmutex_snapshot_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_rwmutex rw;
static long table[16];
static long lookups; /* "statistics", written under rlock: wrong */
static gm_chan *start;
static atomic_int counted;
static gm_waitgroup wg;

static void counting_reader(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_rwmutex_rlock(&rw);
    long v = table[5];
    lookups = lookups + 1; /* race */
    gm_rwmutex_runlock(&rw);
    atomic_store_explicit(&counted, 1, memory_order_relaxed);
    lp_use((uint64_t)v);
    gm_waitgroup_done(&wg);
}

static void stats_reader(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&counted, memory_order_relaxed))
        gm_gosched();
    gm_rwmutex_rlock(&rw);
    long n = lookups; /* race */
    gm_rwmutex_runlock(&rw);
    lp_use((uint64_t)n);
    gm_waitgroup_done(&wg);
}

static void plain_reader(void *arg)
{
    (void)arg;
    long s = 0;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 50; i++) {
        gm_rwmutex_rlock(&rw);
        for (int k = 0; k < 16; k++)
            s += table[k];
        gm_rwmutex_runlock(&rw);
    }
    LP_CHECK(s == 50L * 120, "sum %ld", s);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? lp_threads() - 2 : 0;
    for (int k = 0; k < 16; k++)
        table[k] = k;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2 + extra);
    gm_go(counting_reader, NULL);
    gm_go(stats_reader, NULL);
    for (int i = 0; i < extra; i++)
        gm_go(plain_reader, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    return 0;
}
