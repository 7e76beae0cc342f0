/* litmus-program: expect=norace threads=2,4 category=chan
 * What: a producer fills a results table and then closes a "done"
 * channel; several waiters block in (or arrive late at) a receive on it,
 * which returns false because the channel is closed; then they read the
 * table. close happens before a receive that returns because of it (C4),
 * blocking, non-blocking or in a select. Twin of
 * chan_write_after_close_race.
 * Invariant: every waiter sees the complete table.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *done, *never;
static gm_chan *finish; /* closed once every goroutine is started */
static long *table;
static int n;
static gm_waitgroup wg;
static gm_atomic_i64 checked;

static long entry(int i)
{
    return (long)i * i - 5;
}

static void check_table(void)
{
    long sum = 0;
    for (int i = 0; i < n; i++) {
        LP_CHECK(table[i] == entry(i), "table[%d] = %ld", i, table[i]);
        sum += table[i];
    }
    gm_atomic_i64_add(&checked, 1);
    (void)sum;
}

static void producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < n; i++)
        table[i] = entry(i);
    gm_chan_close(done);
    gm_chan_recv(finish, NULL);
    gm_waitgroup_done(&wg);
}

static void waiter(void *arg)
{
    int kind = (int)(intptr_t)arg % 3;
    if (kind == 0) {
        /* blocking receive: false once closed */
        bool ok = gm_chan_recv(done, NULL);
        LP_CHECK(!ok, "receive on the closed done channel returned true");
    } else if (kind == 1) {
        /* polling with try_recv: only a completed receive counts */
        bool ok = true;
        while (!gm_chan_try_recv(done, NULL, &ok))
            gm_gosched();
        LP_CHECK(!ok, "try_recv on the closed done channel: ok");
    } else {
        /* select with a nil channel and a never-ready channel beside it */
        gm_case cases[3] = {
            {.chan = never, .dir = GM_RECV},
            {.chan = NULL, .dir = GM_RECV},
            {.chan = done, .dir = GM_RECV},
        };
        int i = gm_select(cases, 3, false);
        LP_CHECK(i == 2, "select chose %d", i);
        LP_CHECK(!cases[2].ok, "select on the closed done channel: ok");
    }
    check_table();
    gm_chan_recv(finish, NULL);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nwait = 3 * lp_threads();
    n = 2000 * lp_scale();
    table = gm_calloc((size_t)n, sizeof *table);
    done = gm_chan_make(0, 0);
    never = gm_chan_make(sizeof(int), 0);
    finish = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, nwait + 1);
    for (int i = 0; i < nwait / 2; i++)
        gm_go(waiter, (void *)(intptr_t)i);
    gm_go(producer, NULL);
    for (int i = nwait / 2; i < nwait; i++)
        gm_go(waiter, (void *)(intptr_t)i);
    gm_chan_close(finish);
    gm_waitgroup_wait(&wg);
    LP_CHECK(gm_atomic_i64_load(&checked) == nwait, "%ld waiters checked, want %d",
             (long)gm_atomic_i64_load(&checked), nwait);
    check_table();
    gm_chan_free(done);
    gm_chan_free(never);
    gm_chan_free(finish);
    gm_free(table);
    return 0;
}
