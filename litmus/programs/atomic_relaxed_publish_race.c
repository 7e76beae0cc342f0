/* litmus-program: expect=race lines=20,30 threads=2,4 category=atomic
 * What: message passing with a C11 atomic flag written and read with
 * memory_order_relaxed: relaxed operations create no happens-before, so
 * the consumer's read of the payload races with the producer's write even
 * though it waited for the flag. (gomm/atomic.h has no relaxed
 * operations; this is the mistake of reaching for <stdatomic.h> with the
 * wrong order.) Twin of atomic_publish_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

static long payload;
static atomic_int flag;
static gm_waitgroup wg;

static void producer(void *arg)
{
    (void)arg;
    payload = 42; /* race */
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    gm_waitgroup_done(&wg);
}

static void consumer(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&flag, memory_order_relaxed))
        gm_gosched();
    long v = payload; /* race */
    lp_use((uint64_t)v);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int nconsumers = lp_threads() > 1 ? lp_threads() - 1 : 1;
    gm_waitgroup_add(&wg, nconsumers + 1);
    for (int i = 0; i < nconsumers; i++)
        gm_go(consumer, NULL);
    gm_go(producer, NULL);
    gm_waitgroup_wait(&wg);
    return 0;
}
