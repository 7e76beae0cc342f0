/* litmus-program: expect=norace threads=2,4 category=rwmutex
 * What: a versioned table: writers take the write lock and rewrite every
 * entry to the next version; readers take the read lock (or
 * gm_rwmutex_tryrlock) and check that all entries agree. unlock happens
 * before every later rlock/lock, every runlock before the next lock (M2);
 * readers run together. Twin of rwmutex_write_under_rlock_race and
 * rwmutex_read_after_runlock_race.
 * Invariant: every reader sees a consistent snapshot with a version that
 * never goes back; the final version equals the number of writes.
 */
#include <gomm/gomm.h>

#include "prog.h"

enum { N = 32 };

static gm_rwmutex rw;
static long table[N];
static long version;
static int nwriters, nreaders, writes_per, reads_per;
static gm_chan *start;
static gm_waitgroup wg;
static gm_atomic_i64 max_readers, cur_readers;

static void writer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < writes_per; i++) {
        if (i % 2 == 0 || !gm_rwmutex_trylock(&rw))
            gm_rwmutex_lock(&rw);
        version++;
        for (int k = 0; k < N; k++)
            table[k] = version * 1000 + k;
        gm_rwmutex_unlock(&rw);
        gm_gosched();
    }
    gm_waitgroup_done(&wg);
}

static void reader(void *arg)
{
    (void)arg;
    long last = 0;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < reads_per; i++) {
        if (i % 2 == 0 || !gm_rwmutex_tryrlock(&rw))
            gm_rwmutex_rlock(&rw);
        int64_t now = gm_atomic_i64_add(&cur_readers, 1);
        int64_t m = gm_atomic_i64_load(&max_readers);
        while (now > m && !gm_atomic_i64_cas(&max_readers, m, now))
            m = gm_atomic_i64_load(&max_readers);
        long v = version;
        LP_CHECK(v >= last, "version went back from %ld to %ld", last, v);
        for (int k = 0; k < N; k++)
            LP_CHECK(table[k] == v * 1000 + k, "torn snapshot: table[%d] = %ld at version %ld", k,
                     table[k], v);
        last = v;
        gm_atomic_i64_add(&cur_readers, -1);
        gm_rwmutex_runlock(&rw);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    nwriters = lp_threads() / 2 > 0 ? lp_threads() / 2 : 1;
    nreaders = lp_threads();
    writes_per = 100 * lp_scale();
    reads_per = 200 * lp_scale();
    for (int k = 0; k < N; k++)
        table[k] = k;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nwriters + nreaders);
    for (int i = 0; i < nreaders; i++)
        gm_go(reader, NULL);
    for (int i = 0; i < nwriters; i++)
        gm_go(writer, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(version == (long)nwriters * writes_per, "version %ld", version);
    LP_CHECK(gm_atomic_i64_load(&max_readers) <= nreaders, "max readers %lld",
             (long long)gm_atomic_i64_load(&max_readers));
    gm_chan_free(start);
    return 0;
}
