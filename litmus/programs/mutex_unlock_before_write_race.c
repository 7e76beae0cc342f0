/* litmus-program: expect=race lines=39,51 threads=2,4 category=mutex
 * What: the updater looks an entry up under the lock, unlocks, and only
 * then bumps the entry's hit count. A reader that takes the lock after
 * that unlock acquires everything before the unlock, but not the write
 * after it. The reader waits for the unlock through a relaxed flag (no
 * edge), so the order is fixed and the race always there. Other workers
 * update other entries correctly, inside the lock.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct entry {
    int key;
    long hits;
};

static gm_mutex mu;
static struct entry table[8];
static atomic_int unlocked;
static gm_chan *start;
static gm_waitgroup wg;

static struct entry *find(int key)
{
    for (int i = 0; i < 8; i++)
        if (table[i].key == key)
            return &table[i];
    return NULL;
}

static void updater(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    gm_mutex_lock(&mu);
    struct entry *e = find(3);
    gm_mutex_unlock(&mu);
    e->hits++; /* race */
    atomic_store_explicit(&unlocked, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void reader(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    while (!atomic_load_explicit(&unlocked, memory_order_relaxed))
        gm_gosched();
    gm_mutex_lock(&mu);
    long h = table[3].hits; /* race */
    gm_mutex_unlock(&mu);
    lp_use((uint64_t)h);
    gm_waitgroup_done(&wg);
}

static void correct(void *arg)
{
    int key = 4 + (int)(intptr_t)arg % 4;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < 100; i++) {
        gm_mutex_lock(&mu);
        find(key)->hits++;
        gm_mutex_unlock(&mu);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? lp_threads() - 2 : 0;
    for (int i = 0; i < 8; i++)
        table[i].key = i;
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2 + extra);
    gm_go(updater, NULL);
    gm_go(reader, NULL);
    for (int i = 0; i < extra; i++)
        gm_go(correct, (void *)(intptr_t)i);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    long sum = 0;
    for (int i = 4; i < 8; i++)
        sum += table[i].hits;
    LP_CHECK(sum == 100L * extra, "correct workers: %ld hits", sum);
    return 0;
}
