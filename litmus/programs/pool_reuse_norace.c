/* litmus-program: expect=norace threads=2,4 category=pool
 * What: goroutines take buffers from a gm_pool, fill them with their own
 * pattern, check it, and put them back, while another goroutine forces
 * collections (a pooled object survives one in the victim cache and is
 * dropped by the second, as Go's sync.Pool). A buffer that one goroutine
 * Puts and another Gets is ordered by the pool (Put happens before the Get
 * that returns it), so reuse across goroutines is race-free.
 * Invariant: a buffer never holds another goroutine's pattern while in
 * use; every buffer comes back zeroed from new_fn or with a whole pattern.
 */
#include <gomm/gomm.h>

#include "prog.h"

#define WORDS 16

static gm_pool *pool;
static atomic_long made;
static gm_waitgroup wg, gcwg;
static atomic_int stop;

static void *new_buf(void)
{
    atomic_fetch_add_explicit(&made, 1, memory_order_relaxed);
    return gm_new(WORDS * sizeof(long));
}

static void user(void *arg)
{
    long id = (long)(intptr_t)arg + 1;
    int rounds = 300 * lp_scale();
    for (int r = 0; r < rounds; r++) {
        long *b = gm_pool_get(pool);
        LP_CHECK(b != NULL, "pool gave NULL");
        long first = b[0];
        for (int i = 1; i < WORDS; i++) /* zero, or one owner's whole pattern */
            LP_CHECK(b[i] == (first ? first * 100 + i : 0), "buffer torn at %d", i);
        b[0] = id;
        for (int i = 1; i < WORDS; i++)
            b[i] = id * 100 + i;
        if (r % 16 == 0)
            gm_gosched();
        for (int i = 1; i < WORDS; i++)
            LP_CHECK(b[i] == id * 100 + i, "buffer changed under its owner");
        gm_pool_put(pool, b);
    }
    gm_waitgroup_done(&wg);
}

static void collector(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        gm_gc();
    gm_waitgroup_done(&gcwg);
}

int main(void)
{
    pool = gm_pool_make(new_buf);
    int n = lp_threads();
    gm_waitgroup_add(&gcwg, 1);
    gm_go(collector, NULL);
    gm_waitgroup_add(&wg, n);
    for (int i = 0; i < n; i++)
        gm_go(user, (void *)(intptr_t)i);
    gm_waitgroup_wait(&wg);
    atomic_store_explicit(&stop, 1, memory_order_relaxed);
    gm_waitgroup_wait(&gcwg);
    /* two collections with no Put between: the pool is empty again */
    gm_gc();
    gm_gc();
    long before = atomic_load(&made);
    long *b = gm_pool_get(pool);
    LP_CHECK(b && atomic_load(&made) == before + 1, "the pool kept objects over two collections");
    return 0;
}
