/* litmus-program: expect=norace threads=2,4 category=mixed
 * What: a Go-style pipeline using most of gomm at once: a generator
 * feeds an unbuffered channel and closes it; a pool of workers ranges over
 * it, looks each number up in a table built once with gm_once_do, counts
 * its work in a gm_mutex-guarded histogram and sends a heap-allocated
 * result on a buffered channel; a closer goroutine waits on a
 * gm_waitgroup and closes the results channel; main drains the results
 * with gm_select against a gm_after timeout that never fires, then frees
 * the pending timer's channel (which stops it).
 * Invariant: every number processed exactly once; the sums and the
 * histogram agree; the timeout never wins.
 */
#include <gomm/gomm.h>

#include "prog.h"

enum { TABLE = 256 };

struct result {
    int n;
    long value;
    int worker;
};

static gm_chan *nums, *results, *start;
static gm_once table_once;
static long *table;
static gm_mutex hist_mu;
static long *hist; /* hist[worker], under hist_mu */
static gm_waitgroup workers_wg;
static int count;

static void build_table(void *arg)
{
    (void)arg;
    table = gm_malloc(TABLE * sizeof *table);
    for (int i = 0; i < TABLE; i++)
        table[i] = (long)i * i;
}

static void generator(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < count; i++)
        gm_chan_send(nums, &i);
    gm_chan_close(nums);
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    int n;
    gm_chan_recv(start, NULL);
    while (gm_chan_recv(nums, &n)) {
        gm_once_do(&table_once, build_table, NULL);
        struct result *r = gm_malloc(sizeof *r);
        r->n = n;
        r->value = table[n % TABLE] + n / TABLE;
        r->worker = w;
        gm_mutex_lock(&hist_mu);
        hist[w]++;
        gm_mutex_unlock(&hist_mu);
        gm_chan_send(results, &r);
    }
    gm_waitgroup_done(&workers_wg);
}

static void closer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_waitgroup_wait(&workers_wg);
    gm_chan_close(results);
}

int main(void)
{
    int nworkers = lp_threads();
    count = 600 * lp_scale();
    nums = gm_chan_make(sizeof(int), 0);
    results = gm_chan_make(sizeof(struct result *), 8);
    start = gm_chan_make(0, 0);
    hist = gm_calloc((size_t)nworkers, sizeof *hist);
    char *seen = gm_calloc((size_t)count, 1);
    gm_waitgroup_add(&workers_wg, nworkers);
    gm_go(generator, NULL);
    for (int w = 0; w < nworkers; w++)
        gm_go(worker, (void *)(intptr_t)w);
    gm_go(closer, NULL);
    gm_chan_close(start);

    gm_chan *timeout = gm_after(30LL * 1000 * 1000 * 1000);
    long sum = 0;
    int got = 0;
    for (;;) {
        struct result *r = NULL;
        int64_t when;
        gm_case cases[2] = {
            {.chan = results, .dir = GM_RECV, .elem = &r},
            {.chan = timeout, .dir = GM_RECV, .elem = &when},
        };
        int i = gm_select(cases, 2, false);
        LP_CHECK(i == 0, "the 30 s timeout fired");
        if (!cases[0].ok)
            break;
        LP_CHECK(r->n >= 0 && r->n < count && !seen[r->n], "result %d twice or bad", r->n);
        seen[r->n] = 1;
        LP_CHECK(r->value == (long)(r->n % TABLE) * (r->n % TABLE) + r->n / TABLE,
                 "result %d: value %ld", r->n, r->value);
        sum += r->value;
        got++;
        gm_free(r);
    }
    gm_chan_free(timeout); /* stops the timer that has not fired */
    LP_CHECK(got == count, "%d results, want %d", got, count);
    long want = 0, hsum = 0;
    for (int n = 0; n < count; n++)
        want += (long)(n % TABLE) * (n % TABLE) + n / TABLE;
    LP_CHECK(sum == want, "sum %ld want %ld", sum, want);
    for (int w = 0; w < nworkers; w++)
        hsum += hist[w];
    LP_CHECK(hsum == count, "histogram holds %ld", hsum);
    gm_free(table);
    gm_free(hist);
    gm_free(seen);
    gm_chan_free(nums);
    gm_chan_free(results);
    gm_chan_free(start);
    return 0;
}
