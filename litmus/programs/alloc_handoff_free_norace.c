/* litmus-program: expect=norace threads=2,4 category=alloc
 * What: objects allocated by one goroutine and freed by another: the
 * owner fills a block, sends it over a buffered channel and waits for the
 * reader's reply before allocating more, the reader checks it and frees
 * it (a cross-thread free into the allocator's shared lists). Receiving
 * the pointer orders the reader after the fill (C1); the free is the
 * reader's last touch. Twin of alloc_use_after_free_race.
 * Invariant: every block arrives intact and is freed exactly once; the
 * allocator's counters move by at least the number of blocks and the
 * live object count returns to where it started.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct blob {
    int owner, seq;
    long words[23]; /* 200 bytes, as in the racy twin */
};

static int npairs, per;
static gm_chan **to_reader, **to_owner, *start;
static gm_waitgroup wg;
static gm_atomic_i64 freed;

static void owner(void *arg)
{
    int k = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int s = 0; s < per; s++) {
        struct blob *b = gm_malloc(sizeof *b);
        b->owner = k;
        b->seq = s;
        for (int i = 0; i < 23; i++)
            b->words[i] = (long)k * 1000000 + s * 100 + i;
        gm_chan_send(to_reader[k], &b);
        int ack;
        gm_chan_recv(to_owner[k], &ack);
        LP_CHECK(ack == s, "owner %d: ack %d for %d", k, ack, s);
    }
    gm_chan_close(to_reader[k]);
    gm_waitgroup_done(&wg);
}

static void reader(void *arg)
{
    int k = (int)(intptr_t)arg;
    struct blob *b;
    int expect = 0;
    gm_chan_recv(start, NULL);
    while (gm_chan_recv(to_reader[k], &b)) {
        LP_CHECK(b->owner == k && b->seq == expect, "reader %d: blob %d/%d", k, b->owner, b->seq);
        for (int i = 0; i < 23; i++)
            LP_CHECK(b->words[i] == (long)k * 1000000 + b->seq * 100 + i, "blob corrupt");
        int ack = b->seq;
        gm_free(b);
        gm_atomic_i64_add(&freed, 1);
        gm_chan_send(to_owner[k], &ack);
        expect++;
    }
    LP_CHECK(expect == per, "reader %d got %d blobs", k, expect);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    npairs = lp_threads();
    per = 300 * lp_scale();
    to_reader = gm_calloc((size_t)npairs, sizeof *to_reader);
    to_owner = gm_calloc((size_t)npairs, sizeof *to_owner);
    for (int k = 0; k < npairs; k++) {
        to_reader[k] = gm_chan_make(sizeof(struct blob *), 1);
        to_owner[k] = gm_chan_make(sizeof(int), 1);
    }
    start = gm_chan_make(0, 0);
    gm_memstats before, after;
    gm_read_memstats(&before);
    gm_waitgroup_add(&wg, 2 * npairs);
    for (int k = 0; k < npairs; k++) {
        gm_go(owner, (void *)(intptr_t)k);
        gm_go(reader, (void *)(intptr_t)k);
    }
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    gm_read_memstats(&after);
    long total = (long)npairs * per;
    LP_CHECK(gm_atomic_i64_load(&freed) == total, "%lld freed, want %ld",
             (long long)gm_atomic_i64_load(&freed), total);
    LP_CHECK(after.mallocs - before.mallocs >= (uint64_t)total, "mallocs moved by %llu",
             (unsigned long long)(after.mallocs - before.mallocs));
    LP_CHECK(after.frees - before.frees >= (uint64_t)total, "frees moved by %llu",
             (unsigned long long)(after.frees - before.frees));
    LP_CHECK(after.heap_objects <= before.heap_objects + 64, "%llu live objects, %llu before",
             (unsigned long long)after.heap_objects, (unsigned long long)before.heap_objects);
    for (int k = 0; k < npairs; k++) {
        gm_chan_free(to_reader[k]);
        gm_chan_free(to_owner[k]);
    }
    gm_chan_free(start);
    gm_free(to_reader);
    gm_free(to_owner);
    return 0;
}
