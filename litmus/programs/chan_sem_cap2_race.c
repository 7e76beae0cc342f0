/* litmus-program: expect=race lines=26,42 threads=2,4 category=chan
 * What: a capacity-2 channel used as if it were a lock. Two holders can
 * be inside at once: the first two sends go into different buffer slots
 * and neither synchronizes with the other's receive (C3 orders the k-th
 * receive only with the (k+2)-th send), so the two updates of the total
 * are unordered. add_two enters only after add_one's update (a relaxed
 * flag, no edge), while add_one still holds its slot. Extra threads use a
 * correct capacity-1 lock. Twin of chan_sem_cap1_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *sem2, *sem1, *start; /* start: closed once all are running */
static long total;
static long other;
static atomic_int one_added, two_added;
static gm_waitgroup wg;

static void add_one(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    char t = 1;
    gm_chan_send(sem2, &t);
    total += 1; /* race */
    atomic_store_explicit(&one_added, 1, memory_order_relaxed);
    while (!atomic_load_explicit(&two_added, memory_order_relaxed))
        gm_gosched(); /* keep the slot until add_two is inside too */
    gm_chan_recv(sem2, &t);
    gm_waitgroup_done(&wg);
}

static void add_two(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    char t = 1;
    while (!atomic_load_explicit(&one_added, memory_order_relaxed))
        gm_gosched();
    gm_chan_send(sem2, &t);
    total += 2; /* race */
    atomic_store_explicit(&two_added, 1, memory_order_relaxed);
    gm_chan_recv(sem2, &t);
    gm_waitgroup_done(&wg);
}

static void correct(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 100; i++) {
        char t = 1;
        gm_chan_send(sem1, &t);
        other++;
        gm_chan_recv(sem1, &t);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? lp_threads() - 2 : 0;
    sem2 = gm_chan_make(1, 2);
    sem1 = gm_chan_make(1, 1);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2 + extra);
    gm_go(add_one, NULL);
    for (int i = 0; i < extra; i++)
        gm_go(correct, NULL);
    gm_go(add_two, NULL);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(other == 100L * extra, "other %ld", other);
    printf("%ld\n", total);
    return 0;
}
