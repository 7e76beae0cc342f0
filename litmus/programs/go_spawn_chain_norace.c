/* litmus-program: expect=norace threads=2,4 category=go
 * What: ownership passed only through gm_go: each goroutine appends to a
 * heap log, then starts the next goroutine with it and touches it no
 * more. G1 is transitive along the chain, so every link sees all earlier
 * writes; the last link stores the log where main finds it and calls
 * gm_waitgroup_done. Several chains run at once. (No goroutine here takes
 * the address of a local: see README.md on pool threads.)
 * Invariant: every chain's log holds every link's entry, in order.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct chainlog {
    int chain;
    int len, cap;
    int *entries;
};

static int links;
static struct chainlog **finished; /* finished[chain], set by the last link */
static gm_waitgroup wg;

static void link_run(void *p)
{
    struct chainlog *log = p;
    for (int i = 0; i < log->len; i++)
        LP_CHECK(log->entries[i] == log->chain * 1000 + i, "chain %d: entry %d", log->chain, i);
    if (log->len == log->cap) {
        log->cap *= 2;
        log->entries = gm_realloc(log->entries, (size_t)log->cap * sizeof *log->entries);
    }
    log->entries[log->len] = log->chain * 1000 + log->len;
    log->len++;
    if (log->len < links)
        gm_go(link_run, log); /* nothing after this: the log is no longer ours */
    else {
        finished[log->chain] = log;
        gm_waitgroup_done(&wg);
    }
}

int main(void)
{
    int nchains = lp_threads();
    links = 40 * lp_scale();
    finished = gm_calloc((size_t)nchains, sizeof *finished);
    gm_waitgroup_add(&wg, nchains);
    for (int c = 0; c < nchains; c++) {
        struct chainlog *log = gm_malloc(sizeof *log);
        log->chain = c;
        log->len = 0;
        log->cap = 2;
        log->entries = gm_malloc(2 * sizeof(int));
        gm_go(link_run, log);
    }
    gm_waitgroup_wait(&wg);
    for (int c = 0; c < nchains; c++) {
        struct chainlog *log = finished[c];
        LP_CHECK(log->len == links, "chain %d: %d links", log->chain, log->len);
        for (int i = 0; i < links; i++)
            LP_CHECK(log->entries[i] == log->chain * 1000 + i, "chain %d: entry %d", log->chain,
                     i);
        gm_free(log->entries);
        gm_free(log);
    }
    gm_free(finished);
    return 0;
}
