/* litmus-program: expect=race lines=30,43 threads=2,4 category=alloc
 * What: the owner sends a pointer to a heap object over a buffered
 * channel and frees the object right away, without waiting for the
 * receiver to finish with it. The receiver's read is unordered with the
 * free (a free is a write of the whole block). The reader reads after the
 * free (a relaxed flag, no edge), so it is always reported as a
 * heap-use-after-free. The owner allocates nothing until the reader is
 * done, so the freed block cannot be reused meanwhile. Twin of
 * alloc_handoff_free_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct blob {
    long words[25]; /* 200 bytes: a size class of its own here */
};

static gm_chan *ch;
static atomic_int reader_done, freed;
static gm_waitgroup wg;

static void reader(void *arg)
{
    (void)arg;
    struct blob *b;
    gm_chan_recv(ch, &b);
    while (!atomic_load_explicit(&freed, memory_order_relaxed))
        gm_gosched();
    long w = b->words[3]; /* race */
    atomic_store_explicit(&reader_done, 1, memory_order_relaxed);
    lp_use((uint64_t)w);
    gm_waitgroup_done(&wg);
}

static void owner(void *arg)
{
    (void)arg;
    struct blob *b = gm_malloc(sizeof *b);
    for (int i = 0; i < 25; i++)
        b->words[i] = i;
    gm_chan_send(ch, &b);
    gm_free(b); /* race */
    atomic_store_explicit(&freed, 1, memory_order_relaxed);
    while (!atomic_load_explicit(&reader_done, memory_order_relaxed))
        gm_gosched();
    gm_waitgroup_done(&wg);
}

int main(void)
{
    ch = gm_chan_make(sizeof(struct blob *), 1);
    gm_waitgroup_add(&wg, 2);
    gm_go(reader, NULL);
    gm_go(owner, NULL);
    gm_waitgroup_wait(&wg);
    gm_chan_free(ch);
    return 0;
}
