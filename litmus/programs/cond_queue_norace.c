/* litmus-program: expect=norace threads=2,4 category=cond
 * What: a bounded queue guarded by a gm_mutex with two gm_conds
 * (not_empty, not_full); producers and consumers wait in predicate loops
 * and signal/broadcast under the lock; a closed flag and a broadcast end
 * the consumers. Items are heap objects: the producer fills one, the
 * consumer that dequeues it checks and frees it. Twin of
 * cond_peek_unlocked_race and cond_predicate_unlocked_write_race.
 * Invariant: every item dequeued exactly once, intact; the queue never
 * holds more than its capacity.
 */
#include <gomm/gomm.h>

#include "prog.h"

enum { CAP = 4 };

struct item {
    int id;
    int check;
};

static gm_mutex mu;
static gm_cond not_empty, not_full;
static struct item *q[CAP];
static int head, len, closed;
static int nprod, ncons, per;
static int *got; /* got[id], under mu */
static gm_chan *start;
static gm_waitgroup prod_wg, cons_wg;

static void producer(void *arg)
{
    int p = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < per; i++) {
        struct item *it = gm_malloc(sizeof *it);
        it->id = p * per + i;
        it->check = it->id * 3 + 7;
        gm_mutex_lock(&mu);
        while (len == CAP)
            gm_cond_wait(&not_full, &mu);
        q[(head + len) % CAP] = it;
        len++;
        gm_cond_signal(&not_empty);
        gm_mutex_unlock(&mu);
    }
    gm_waitgroup_done(&prod_wg);
}

static void consumer(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (;;) {
        gm_mutex_lock(&mu);
        while (len == 0 && !closed)
            gm_cond_wait(&not_empty, &mu);
        if (len == 0) {
            gm_mutex_unlock(&mu);
            break;
        }
        LP_CHECK(len <= CAP, "queue holds %d", len);
        struct item *it = q[head];
        head = (head + 1) % CAP;
        len--;
        got[it->id]++;
        gm_cond_signal(&not_full);
        gm_mutex_unlock(&mu);
        LP_CHECK(it->check == it->id * 3 + 7, "item %d corrupt", it->id);
        gm_free(it);
    }
    gm_waitgroup_done(&cons_wg);
}

int main(void)
{
    nprod = lp_threads();
    ncons = lp_threads();
    per = 300 * lp_scale();
    got = gm_calloc((size_t)(nprod * per), sizeof *got);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&prod_wg, nprod);
    gm_waitgroup_add(&cons_wg, ncons);
    for (int i = 0; i < ncons; i++)
        gm_go(consumer, NULL);
    for (int i = 0; i < nprod; i++)
        gm_go(producer, (void *)(intptr_t)i);
    gm_chan_close(start);
    gm_waitgroup_wait(&prod_wg);
    gm_mutex_lock(&mu);
    closed = 1;
    gm_cond_broadcast(&not_empty);
    gm_mutex_unlock(&mu);
    gm_waitgroup_wait(&cons_wg);
    for (int i = 0; i < nprod * per; i++)
        LP_CHECK(got[i] == 1, "item %d dequeued %d times", i, got[i]);
    LP_CHECK(len == 0, "queue holds %d at the end", len);
    gm_free(got);
    gm_chan_free(start);
    return 0;
}
