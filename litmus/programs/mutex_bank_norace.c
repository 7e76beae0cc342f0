/* litmus-program: expect=norace threads=2,4 category=mutex
 * What: transfers between random accounts, each account with its own
 * gm_mutex, two locks taken in index order (no deadlock), both balances
 * written inside. An auditor takes every lock in order and sums. Twin of
 * mutex_unlock_before_write_race: every write is inside its lock.
 * Invariant: the total is conserved in every audit and at the end; the
 * number of transfers adds up.
 */
#include <gomm/gomm.h>

#include "prog.h"

enum { NACC = 16, START_BALANCE = 1000 };

struct account {
    gm_mutex mu;
    long balance;
    long ops;
};

static struct account acc[NACC];
static int iters;
static gm_chan *start;
static gm_waitgroup wg;
static gm_atomic_i64 transfers;

static long audit(void)
{
    long total = 0;
    for (int i = 0; i < NACC; i++)
        gm_mutex_lock(&acc[i].mu);
    for (int i = 0; i < NACC; i++)
        total += acc[i].balance;
    for (int i = NACC - 1; i >= 0; i--)
        gm_mutex_unlock(&acc[i].mu);
    return total;
}

static void teller(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = lp_seed_for(w);
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        int a = (int)(lp_rand(&rng) % NACC), b = (int)(lp_rand(&rng) % NACC);
        if (a == b)
            continue;
        long amount = (long)(lp_rand(&rng) % 50);
        int lo = a < b ? a : b, hi = a < b ? b : a;
        gm_mutex_lock(&acc[lo].mu);
        gm_mutex_lock(&acc[hi].mu);
        acc[a].balance -= amount;
        acc[b].balance += amount;
        acc[a].ops++;
        acc[b].ops++;
        gm_mutex_unlock(&acc[hi].mu);
        gm_mutex_unlock(&acc[lo].mu);
        gm_atomic_i64_add(&transfers, 1);
        if (i % 100 == 0)
            LP_CHECK(audit() == (long)NACC * START_BALANCE, "total not conserved");
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 500 * lp_scale();
    for (int i = 0; i < NACC; i++)
        acc[i].balance = START_BALANCE;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(teller, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    long total = 0, ops = 0;
    for (int i = 0; i < NACC; i++) {
        total += acc[i].balance;
        ops += acc[i].ops;
    }
    LP_CHECK(total == (long)NACC * START_BALANCE, "total %ld", total);
    LP_CHECK(ops == 2 * gm_atomic_i64_load(&transfers), "ops %ld, transfers %lld", ops,
             (long long)gm_atomic_i64_load(&transfers));
    gm_chan_free(start);
    return 0;
}
