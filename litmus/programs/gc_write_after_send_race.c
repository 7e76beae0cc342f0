/* litmus-program: expect=race lines=35,50 threads=2,4 category=gc
 * What: the classic hand-off mistake on collected memory: the producer
 * sends a gm_new object's pointer over a buffered channel and then writes
 * one more field; the consumer reads that field after its receive. The
 * send orders only what came before it. The consumer reads after the late
 * write (a relaxed flag, no edge), so the report is the same in every run;
 * collections run meanwhile and must not disturb the verdict.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct obj {
    struct obj *next;
    long value;
    long stamp;
};

static gm_chan *ch;
static atomic_int written;
static gm_waitgroup wg;

static void producer(void *arg)
{
    (void)arg;
    struct obj *keep = NULL;
    for (int i = 0; i < 8; i++) { /* some garbage and some kept objects */
        struct obj *o = gm_new(sizeof *o);
        gm_write_ptr(&o->next, keep);
        keep = o;
    }
    struct obj *o = gm_new(sizeof *o);
    o->value = 42;
    gm_chan_send(ch, &o);
    o->stamp = 7; /* race: written after the send */
    atomic_store_explicit(&written, 1, memory_order_relaxed);
    lp_use((uint64_t)(uintptr_t)keep);
    gm_waitgroup_done(&wg);
}

static void consumer(void *arg)
{
    (void)arg;
    struct obj *o;
    LP_CHECK(gm_chan_recv(ch, &o), "channel closed");
    while (!atomic_load_explicit(&written, memory_order_relaxed))
        gm_gosched();
    gm_gc();
    LP_CHECK(o->value == 42, "value %ld", o->value);
    long s = o->stamp; /* race: read after the receive */
    lp_use((uint64_t)s);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    ch = gm_chan_make(sizeof(struct obj *), 1);
    gm_waitgroup_add(&wg, 2);
    gm_go(consumer, NULL);
    gm_go(producer, NULL);
    for (int i = 1; i < lp_threads(); i++)
        gm_gc();
    gm_waitgroup_wait(&wg);
    return 0;
}
