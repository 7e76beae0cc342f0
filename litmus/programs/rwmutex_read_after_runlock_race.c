/* litmus-program: expect=race lines=33,45 threads=2,4 category=rwmutex
 * What: a reader takes a pointer to the current entry under the read
 * lock, releases it, and dereferences the pointer afterwards; a writer
 * updates the entry in place under the write lock. runlock happens before
 * the writer's lock (M2), but the read after runlock is ordered with
 * nothing. The writer waits for the runlock through a relaxed flag (no
 * edge), so the order is fixed. Extra readers read inside the lock.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct entry {
    long value;
    long generation;
};

static gm_rwmutex rw;
static struct entry e0 = {10, 1};
static struct entry *current = &e0;
static atomic_int runlocked;
static gm_chan *start;
static gm_waitgroup wg;

static void reader(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_rwmutex_rlock(&rw);
    struct entry *e = current;
    gm_rwmutex_runlock(&rw);
    atomic_store_explicit(&runlocked, 1, memory_order_relaxed);
    long v = e->value; /* race */
    lp_use((uint64_t)v);
    gm_waitgroup_done(&wg);
}

static void writer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&runlocked, memory_order_relaxed))
        gm_gosched();
    gm_rwmutex_lock(&rw);
    current->value = 20; /* race */
    current->generation++;
    gm_rwmutex_unlock(&rw);
    gm_waitgroup_done(&wg);
}

static void good_reader(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 50; i++) {
        gm_rwmutex_rlock(&rw);
        long g = current->generation;
        gm_rwmutex_runlock(&rw);
        LP_CHECK(g == 1 || g == 2, "generation %ld", g);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? lp_threads() - 2 : 0;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2 + extra);
    gm_go(reader, NULL);
    gm_go(writer, NULL);
    for (int i = 0; i < extra; i++)
        gm_go(good_reader, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(e0.generation == 2, "generation %ld", e0.generation);
    return 0;
}
