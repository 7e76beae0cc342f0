/* litmus-program: expect=norace threads=2,4 category=waitgroup
 * What: fan-out/fan-in with a gm_waitgroup, reused for several rounds:
 * main adds the count before starting the workers, each worker writes its
 * slice of the results and calls done; main reads the results only after
 * wait returns. Every done happens before the return of the wait it
 * releases (W1); a round starts only after the previous wait returned.
 * Twin of waitgroup_missing_wait_race and waitgroup_done_early_race.
 * Invariant: every result of every round is present and right.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct task {
    int round, first, count;
    long *out;
};

static gm_waitgroup wg;

static long f(int round, int i)
{
    return (long)round * 100003 + (long)i * i;
}

static void worker(void *arg)
{
    struct task *t = arg;
    for (int i = t->first; i < t->first + t->count; i++)
        t->out[i] = f(t->round, i);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    int per = 500;
    int rounds = 10 * lp_scale();
    long *results = gm_calloc((size_t)(n * per), sizeof *results);
    struct task *tasks = gm_calloc((size_t)n, sizeof *tasks);
    for (int r = 0; r < rounds; r++) {
        gm_waitgroup_add(&wg, n);
        for (int w = 0; w < n; w++) {
            tasks[w] = (struct task){.round = r, .first = w * per, .count = per, .out = results};
            gm_go(worker, &tasks[w]);
        }
        gm_waitgroup_wait(&wg);
        long sum = 0, want = 0;
        for (int i = 0; i < n * per; i++) {
            LP_CHECK(results[i] == f(r, i), "round %d: results[%d] = %ld", r, i, results[i]);
            sum += results[i];
            want += f(r, i);
        }
        LP_CHECK(sum == want, "round %d: sum %ld want %ld", r, sum, want);
    }
    gm_free(results);
    gm_free(tasks);
    return 0;
}
