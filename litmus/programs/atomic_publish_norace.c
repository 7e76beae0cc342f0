/* litmus-program: expect=norace threads=2,4 category=atomic
 * What: a single writer publishes records one after another: it fills
 * record k (plain writes) and then stores k+1 into a gm_atomic_u64
 * "published" counter; readers spin on gm_atomic_u64_load and read every
 * record below the count. gomm's atomics are seq_cst: a load that sees a
 * store synchronizes with it (A1). A gm_atomic_bool ends the run. Twin of
 * atomic_relaxed_publish_race.
 * Invariant: every reader reads every record, and each is complete.
 */
#include <gomm/gomm.h>

#include <string.h>

#include "prog.h"

struct record {
    long a, b;
    char tag[16];
};

static struct record *recs;
static int nrecs;
static gm_atomic_u64 published;
static gm_atomic_bool finished;
static gm_atomic_i64 records_read;
static gm_chan *start;
static gm_waitgroup wg;

static void writer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int k = 0; k < nrecs; k++) {
        recs[k].a = k;
        recs[k].b = (long)k * k;
        snprintf(recs[k].tag, sizeof recs[k].tag, "rec-%d", k % 1000);
        gm_atomic_u64_store(&published, (uint64_t)k + 1);
    }
    gm_atomic_bool_store(&finished, true);
    gm_waitgroup_done(&wg);
}

static void reader(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    uint64_t seen = 0;
    for (;;) {
        bool fin = gm_atomic_bool_load(&finished);
        uint64_t upto = gm_atomic_u64_load(&published);
        for (; seen < upto; seen++) {
            struct record *r = &recs[seen];
            LP_CHECK(r->a == (long)seen && r->b == (long)(seen * seen), "record %llu torn",
                     (unsigned long long)seen);
            char want[16];
            snprintf(want, sizeof want, "rec-%d", (int)(seen % 1000));
            LP_CHECK(strcmp(r->tag, want) == 0, "record %llu: tag '%s'",
                     (unsigned long long)seen, r->tag);
        }
        if (fin && seen == (uint64_t)nrecs)
            break;
        gm_gosched();
    }
    gm_atomic_i64_add(&records_read, (int64_t)seen);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nreaders = lp_threads();
    nrecs = 500 * lp_scale();
    recs = gm_calloc((size_t)nrecs, sizeof *recs);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nreaders + 1);
    for (int i = 0; i < nreaders; i++)
        gm_go(reader, NULL);
    gm_go(writer, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(gm_atomic_i64_load(&records_read) == (int64_t)nreaders * nrecs, "%lld records read",
             (long long)gm_atomic_i64_load(&records_read));
    gm_free(recs);
    gm_chan_free(start);
    return 0;
}
