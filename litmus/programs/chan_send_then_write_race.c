/* litmus-program: expect=race lines=34,47 threads=2,4 category=chan
 * What: the sender hands a heap buffer over a buffered channel and then
 * writes into it once more (a "last-minute fix-up"); the receiver reads
 * that field. Nothing orders the write after the send with the read after
 * the receive. The receiver reads only after the fix-up (a relaxed flag,
 * no edge), so the two accesses never overlap in time and the report is
 * the same in every run. Bystander goroutines pass their own buffers
 * correctly.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct buf {
    int len;
    int checksum;
    int data[16];
};

static gm_chan *ch, *side, *start;
static atomic_int fixed_up;
static gm_waitgroup wg;

static void sender(void *arg)
{
    (void)arg;
    gm_chan_recv(start, NULL);
    struct buf *b = gm_malloc(sizeof *b);
    b->len = 16;
    for (int i = 0; i < 16; i++)
        b->data[i] = i;
    b->checksum = 0;
    gm_chan_send(ch, &b);
    b->checksum = 120; /* race */
    atomic_store_explicit(&fixed_up, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void receiver(void *arg)
{
    (void)arg;
    struct buf *b;
    gm_chan_recv(start, NULL);
    gm_chan_recv(ch, &b);
    while (!atomic_load_explicit(&fixed_up, memory_order_relaxed))
        gm_gosched();
    int sum = b->checksum; /* race */
    lp_use((uint64_t)sum);
    gm_waitgroup_done(&wg);
}

/* Bystanders: correct hand-offs on another channel. */
static void bystander(void *arg)
{
    int id = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    int *v = gm_malloc(sizeof *v);
    *v = id;
    gm_chan_send(side, &v);
    gm_chan_recv(side, &v);
    LP_CHECK(*v >= 0, "bad value %d", *v);
    gm_free(v);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int extra = lp_threads() > 2 ? lp_threads() - 2 : 0;
    ch = gm_chan_make(sizeof(struct buf *), 1);
    side = gm_chan_make(sizeof(int *), 64);
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, 2 + (extra > 0 ? extra : 0));
    gm_go(sender, NULL);
    gm_go(receiver, NULL);
    for (int i = 0; i < extra; i++)
        gm_go(bystander, (void *)(intptr_t)i);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    return 0;
}
