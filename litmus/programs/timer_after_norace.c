/* litmus-program: expect=norace threads=2,4 category=timer
 * What: gm_after timers in selects. A set of short timers (1-4 ms) is
 * drained with gm_select until each has fired once; each delivers the
 * time it fired. Meanwhile workers send results on a channel raced
 * against a long timeout that never fires, and the results are read only
 * through the chosen result case (C1). A timer's delivery acts as a send
 * (T1); timers that never fire are stopped by gm_chan_free. Twin of
 * timer_sleep_sync_race.
 * Invariant: every short timer fires exactly once, not before its delay;
 * every result arrives before the long timeout and is right.
 */
#include <gomm/gomm.h>
#include <time.h>

#include "prog.h"

static gm_chan *results, *start;
static long *slot;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    long s = 0;
    for (int i = 0; i <= 500 * (w + 1); i++)
        s += i;
    slot[w] = s;
    gm_chan_send(results, &w);
}

int main(void)
{
    int ntimers = 2 * lp_threads();
    int nworkers = lp_threads();
    slot = gm_calloc((size_t)nworkers, sizeof *slot);
    results = gm_chan_make(sizeof(int), 0);
    start = gm_chan_make(0, 0);

    /* short timers, drained by a select over all of them */
    gm_chan **timers = gm_calloc((size_t)ntimers, sizeof *timers);
    int64_t *delay = gm_calloc((size_t)ntimers, sizeof *delay);
    int64_t *fired = gm_calloc((size_t)ntimers, sizeof *fired);
    gm_case *cases = gm_calloc((size_t)ntimers, sizeof *cases);
    int64_t t0 = now_ns();
    for (int i = 0; i < ntimers; i++) {
        delay[i] = (int64_t)(1 + i % 4) * 1000000;
        timers[i] = gm_after(delay[i]);
        LP_CHECK(gm_chan_cap(timers[i]) == 1, "timer channel cap %zu", gm_chan_cap(timers[i]));
        cases[i] = (gm_case){.chan = timers[i], .dir = GM_RECV, .elem = &fired[i]};
    }
    for (int left = ntimers; left > 0; left--) {
        int i = gm_select(cases, (size_t)ntimers, false);
        LP_CHECK(i >= 0 && i < ntimers && cases[i].ok, "select returned %d", i);
        LP_CHECK(fired[i] >= t0 + delay[i] - 1000000, "timer %d fired %lld ns early", i,
                 (long long)(t0 + delay[i] - fired[i]));
        cases[i].chan = NULL; /* fired once: disable */
    }
    for (int i = 0; i < ntimers; i++) {
        bool ok = true;
        LP_CHECK(!gm_chan_try_recv(timers[i], NULL, &ok), "timer %d fired twice", i);
        gm_chan_free(timers[i]);
    }

    /* results raced against a timeout that never fires */
    for (int w = 0; w < nworkers; w++)
        gm_go(worker, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_chan *timeout = gm_after(30LL * 1000 * 1000 * 1000);
    char *got = gm_calloc((size_t)nworkers, 1);
    for (int k = 0; k < nworkers; k++) {
        int w = -1;
        gm_case c[2] = {
            {.chan = results, .dir = GM_RECV, .elem = &w},
            {.chan = timeout, .dir = GM_RECV},
        };
        int i = gm_select(c, 2, false);
        LP_CHECK(i == 0, "the timeout fired");
        LP_CHECK(w >= 0 && w < nworkers && !got[w], "bad result %d", w);
        got[w] = 1;
        long n = 500L * (w + 1);
        LP_CHECK(slot[w] == n * (n + 1) / 2, "worker %d: %ld", w, slot[w]);
    }
    gm_chan_free(timeout);
    gm_free(got);
    gm_free(timers);
    gm_free(delay);
    gm_free(fired);
    gm_free(cases);
    gm_free(slot);
    gm_chan_free(results);
    gm_chan_free(start);
    return 0;
}
