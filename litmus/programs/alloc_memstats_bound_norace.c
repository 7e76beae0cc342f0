/* litmus-program: expect=norace threads=2,4 category=alloc
 * What: rounds of "every goroutine allocates a batch and keeps it, then
 * frees it". Between rounds (no allocation in flight) main reads
 * gm_read_memstats and checks gomm's documented identities and that the
 * heap does not grow from round to round: freed memory is reused.
 * Invariant: heap_sys == heap_inuse + heap_idle; heap_released <=
 * heap_idle; heap_objects == mallocs - frees; live bytes return to the
 * baseline after each round; heap_sys after the last round stays within a
 * bound of heap_sys after the first.
 */
#include <gomm/gomm.h>

#include "prog.h"

static int nworkers, batch;
static void ***kept; /* kept[w][i] */
static gm_waitgroup wg;

static size_t size_of(int w, int i)
{
    static const size_t sizes[] = {8, 24, 48, 100, 256, 700, 1500, 3000, 4000, 6000};
    if (i == 0)
        return 40000 + (size_t)w * 1000; /* one large object each */
    return sizes[(w * 7 + i) % 10];
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    for (int i = 0; i < batch; i++) {
        kept[w][i] = gm_malloc(size_of(w, i));
        ((unsigned char *)kept[w][i])[0] = (unsigned char)i;
    }
    gm_waitgroup_done(&wg);
}

static void releaser(void *arg)
{
    int w = (int)(intptr_t)arg;
    for (int i = 0; i < batch; i++) {
        LP_CHECK(((unsigned char *)kept[w][i])[0] == (unsigned char)i, "block %d/%d", w, i);
        gm_free(kept[w][i]);
        kept[w][i] = NULL;
    }
    gm_waitgroup_done(&wg);
}

static void check_identities(const gm_memstats *m, const char *when)
{
    LP_CHECK(m->heap_sys == m->heap_inuse + m->heap_idle, "%s: heap_sys %llu != %llu + %llu",
             when, (unsigned long long)m->heap_sys, (unsigned long long)m->heap_inuse,
             (unsigned long long)m->heap_idle);
    LP_CHECK(m->heap_released <= m->heap_idle, "%s: released %llu > idle %llu", when,
             (unsigned long long)m->heap_released, (unsigned long long)m->heap_idle);
    LP_CHECK(m->heap_objects == m->mallocs - m->frees, "%s: heap_objects %llu, mallocs-frees %llu",
             when, (unsigned long long)m->heap_objects,
             (unsigned long long)(m->mallocs - m->frees));
    LP_CHECK(m->total_alloc >= m->heap_alloc, "%s: total_alloc < heap_alloc", when);
}

int main(void)
{
    nworkers = lp_threads();
    batch = 200;
    int rounds = 4 * lp_scale();
    kept = gm_calloc((size_t)nworkers, sizeof *kept);
    for (int w = 0; w < nworkers; w++)
        kept[w] = gm_calloc((size_t)batch, sizeof **kept);
    gm_memstats base, m, first_round = {0};
    gm_read_memstats(&base);
    check_identities(&base, "baseline");
    for (int r = 0; r < rounds; r++) {
        gm_waitgroup_add(&wg, nworkers);
        for (int w = 0; w < nworkers; w++)
            gm_go(worker, (void *)(intptr_t)w);
        gm_waitgroup_wait(&wg);
        gm_read_memstats(&m);
        check_identities(&m, "after allocating");
        LP_CHECK(m.heap_objects >= base.heap_objects + (uint64_t)(nworkers * batch) - 64,
                 "round %d: only %llu live objects", r, (unsigned long long)m.heap_objects);
        gm_waitgroup_add(&wg, nworkers);
        for (int w = 0; w < nworkers; w++)
            gm_go(releaser, (void *)(intptr_t)w);
        gm_waitgroup_wait(&wg);
        gm_read_memstats(&m);
        check_identities(&m, "after freeing");
        LP_CHECK(m.heap_alloc <= base.heap_alloc + 256 * 1024, "round %d: %llu live bytes, %llu at start", r,
                 (unsigned long long)m.heap_alloc, (unsigned long long)base.heap_alloc);
        if (r == 0)
            first_round = m;
    }
    LP_CHECK(m.heap_sys <= first_round.heap_sys * 2 + 4 * 1024 * 1024,
             "heap grew from %llu to %llu bytes over %d rounds",
             (unsigned long long)first_round.heap_sys, (unsigned long long)m.heap_sys, rounds);
    for (int w = 0; w < nworkers; w++)
        gm_free(kept[w]);
    gm_free(kept);
    return 0;
}
