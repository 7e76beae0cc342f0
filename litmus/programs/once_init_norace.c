/* litmus-program: expect=norace threads=2,4 category=once
 * What: lazy initialization through gm_once_do only: every goroutine
 * calls gm_once_do before using the table (the fast path is an acquire
 * load), and one Once per shard initializes shards on first use. The
 * return of fn happens before every gm_once_do returns (O1), so the plain
 * writes inside fn are visible to every caller. Twin of once_peek_race.
 * Invariant: each initializer ran exactly once; every caller sees fully
 * built tables.
 */
#include <gomm/gomm.h>

#include "prog.h"

enum { NSHARD = 8, SHARD_LEN = 64 };

struct shard {
    gm_once once;
    int init_calls;
    long *vals;
};

static gm_once table_once;
static int table_init_calls;
static long *table;
static int table_len;
static struct shard shards[NSHARD];
static gm_chan *start;
static gm_waitgroup wg;

static void init_table(void *arg)
{
    int len = *(int *)arg;
    table = gm_malloc((size_t)len * sizeof *table);
    for (int i = 0; i < len; i++)
        table[i] = (long)i * 3;
    table_len = len;
    table_init_calls++;
}

static void init_shard(void *arg)
{
    struct shard *s = arg;
    int id = (int)(s - shards);
    s->vals = gm_malloc(SHARD_LEN * sizeof *s->vals);
    for (int i = 0; i < SHARD_LEN; i++)
        s->vals[i] = id * 100 + i;
    s->init_calls++;
}

static void user(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = lp_seed_for(w);
    int len = 4096;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 200 * lp_scale(); i++) {
        gm_once_do(&table_once, init_table, &len);
        LP_CHECK(table_len == 4096, "table_len %d", table_len);
        int k = (int)(lp_rand(&rng) % 4096);
        LP_CHECK(table[k] == (long)k * 3, "table[%d] = %ld", k, table[k]);
        struct shard *s = &shards[lp_rand(&rng) % NSHARD];
        gm_once_do(&s->once, init_shard, s);
        int j = (int)(lp_rand(&rng) % SHARD_LEN);
        LP_CHECK(s->vals[j] == (long)(s - shards) * 100 + j, "shard value");
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
    LP_CHECK(table_init_calls == 1, "table initialized %d times", table_init_calls);
    for (int s = 0; s < NSHARD; s++) {
        gm_once_do(&shards[s].once, init_shard, &shards[s]); /* a no-op if done */
        LP_CHECK(shards[s].init_calls == 1, "shard %d initialized %d times", s,
                 shards[s].init_calls);
        gm_free(shards[s].vals);
    }
    gm_free(table);
    gm_chan_free(start);
    return 0;
}
