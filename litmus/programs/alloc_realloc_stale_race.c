/* litmus-program: expect=race lines=25,40 threads=2,4 category=alloc
 * What: a growing buffer shared by pointer: the owner hands the current
 * pointer to a reader, then grows the buffer with gm_realloc, which moves
 * it (16 bytes to 64 KiB: another size class) and frees the old block.
 * The reader still reads through the stale pointer: unordered with the
 * free inside gm_realloc. The owner grows the buffer only after the read
 * (a relaxed flag, no edge), so it is always reported as a data race.
 * (Fixed gomm bug: the free's stack lacked the frame of gm_realloc's
 * caller, so the report named no line of this file for that access; the
 * program was marked known until then. README.md, "gomm issues found".)
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_chan *ch;
static atomic_int reader_done;
static gm_waitgroup wg;

static void reader(void *arg)
{
    (void)arg;
    long *buf;
    gm_chan_recv(ch, &buf);
    long first = buf[0]; /* race */
    atomic_store_explicit(&reader_done, 1, memory_order_relaxed);
    lp_use((uint64_t)first);
    gm_waitgroup_done(&wg);
}

static void owner(void *arg)
{
    (void)arg;
    long *buf = gm_malloc(2 * sizeof *buf);
    buf[0] = 11;
    buf[1] = 22;
    gm_chan_send(ch, &buf);
    while (!atomic_load_explicit(&reader_done, memory_order_relaxed))
        gm_gosched();
    long *bigger = gm_realloc(buf, 8192 * sizeof *buf); /* race */
    LP_CHECK(bigger[0] == 11 && bigger[1] == 22, "realloc lost the contents");
    gm_free(bigger);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    ch = gm_chan_make(sizeof(long *), 1);
    gm_waitgroup_add(&wg, 2);
    gm_go(reader, NULL);
    gm_go(owner, NULL);
    gm_waitgroup_wait(&wg);
    gm_chan_free(ch);
    return 0;
}
