/* litmus-program: expect=norace threads=2,4 category=alloc
 * What: every allocation function under concurrent load: goroutines keep
 * a table of live blocks and randomly allocate (gm_malloc, gm_calloc,
 * gm_aligned_alloc, gm_posix_memalign; small, medium and large sizes),
 * check and free, grow or shrink with gm_realloc, or hand a block to
 * another goroutine over a channel (that one checks and frees it). Each
 * block carries a pattern derived from its address and size.
 * Invariant: no block is corrupted or shared (patterns intact), calloc
 * memory is zero, alignments hold, gm_usable_size >= the request; after
 * everything is freed the live object count is back to where it was.
 */
#include <gomm/gomm.h>
#include <string.h>

#include "prog.h"

enum { SLOTS = 48 };

struct blk {
    unsigned char *p;
    size_t n;
};

static gm_chan *exchange, *start;
static gm_waitgroup wg;
static int iters;
static gm_atomic_i64 handed, received;

static unsigned char pat(const void *p, size_t n, size_t i)
{
    return (unsigned char)(((uintptr_t)p >> 4) ^ n ^ (i * 31));
}

/* fill/check the first and last 64 bytes and a few in between */
static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i = (i < 64 || i + 64 >= n) ? i + 1 : i + n / 16 + 1)
        p[i] = pat(p, n, i);
}

static void check(const unsigned char *p, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i = (i < 64 || i + 64 >= n) ? i + 1 : i + n / 16 + 1)
        LP_CHECK(p[i] == pat(p, n, i), "%s: block %p size %zu corrupt at %zu", what, (void *)p,
                 n, i);
}

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = lp_rand(rng) % 1000;
    if (r < 700)
        return 1 + lp_rand(rng) % 512;
    if (r < 995) /* large blocks are few: each costs the checker madvise calls */
        return 513 + lp_rand(rng) % 8000;
    return 33000 + lp_rand(rng) % 60000;
}

static unsigned char *alloc_one(uint64_t *rng, size_t n)
{
    unsigned char *p = NULL;
    switch (lp_rand(rng) % 4) {
    case 0:
        p = gm_malloc(n);
        break;
    case 1:
        p = gm_calloc(1, n);
        LP_CHECK(p != NULL, "calloc(%zu) failed", n);
        for (size_t i = 0; i < n; i += (n < 256 ? 1 : n / 64))
            LP_CHECK(p[i] == 0, "calloc memory not zero at %zu of %zu", i, n);
        break;
    case 2: {
        size_t align = (size_t)16 << (lp_rand(rng) % 9); /* 16 .. 4096 */
        p = gm_aligned_alloc(align, n);
        LP_CHECK(((uintptr_t)p & (align - 1)) == 0, "aligned_alloc(%zu) gave %p", align,
                 (void *)p);
        break;
    }
    default: {
        void *q = NULL;
        size_t align = sizeof(void *) << (lp_rand(rng) % 6);
        LP_CHECK(gm_posix_memalign(&q, align, n) == 0, "posix_memalign failed");
        LP_CHECK(((uintptr_t)q & (align - 1)) == 0, "posix_memalign(%zu) gave %p", align, q);
        p = q;
        break;
    }
    }
    LP_CHECK(p != NULL, "allocation of %zu failed", n);
    LP_CHECK(gm_usable_size(p) >= n, "usable_size %zu < %zu", gm_usable_size(p), n);
    fill(p, n);
    return p;
}

static void take_handed(void)
{
    struct blk b;
    bool ok;
    while (gm_chan_try_recv(exchange, &b, &ok) && ok) {
        check(b.p, b.n, "handed block");
        gm_free(b.p);
        gm_atomic_i64_add(&received, 1);
    }
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = lp_seed_for(w);
    struct blk live[SLOTS];
    memset(live, 0, sizeof live);
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        struct blk *s = &live[lp_rand(&rng) % SLOTS];
        if (s->p == NULL) {
            s->n = pick_size(&rng);
            s->p = alloc_one(&rng, s->n);
            continue;
        }
        check(s->p, s->n, "own block");
        switch (lp_rand(&rng) % 4) {
        case 0:
            gm_free(s->p);
            s->p = NULL;
            break;
        case 1: {
            size_t n = pick_size(&rng);
            size_t keep = n < s->n ? n : s->n;
            unsigned char *old = s->p;
            unsigned char saved[64];
            size_t k = keep < 64 ? keep : 64;
            memcpy(saved, old, k);
            unsigned char *q = gm_realloc(old, n);
            LP_CHECK(q != NULL, "realloc to %zu failed", n);
            LP_CHECK(memcmp(q, saved, k) == 0, "realloc lost contents");
            s->p = q;
            s->n = n;
            fill(q, n);
            break;
        }
        case 2:
            if (gm_chan_try_send(exchange, s)) {
                gm_atomic_i64_add(&handed, 1);
                s->p = NULL;
            }
            break;
        default:
            take_handed();
            break;
        }
    }
    for (int k = 0; k < SLOTS; k++)
        if (live[k].p) {
            check(live[k].p, live[k].n, "own block at exit");
            gm_free(live[k].p);
        }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 600 * lp_scale();
    exchange = gm_chan_make(sizeof(struct blk), 32);
    start = gm_chan_make(0, 0);
    gm_memstats before, after;
    gm_read_memstats(&before);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(worker, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    take_handed();
    LP_CHECK(gm_atomic_i64_load(&handed) == gm_atomic_i64_load(&received),
             "%lld handed, %lld received", (long long)gm_atomic_i64_load(&handed),
             (long long)gm_atomic_i64_load(&received));
    gm_read_memstats(&after);
    LP_CHECK(after.mallocs - before.mallocs >= (uint64_t)n, "mallocs did not move");
    LP_CHECK(after.heap_objects <= before.heap_objects + 64, "%llu live objects, %llu before",
             (unsigned long long)after.heap_objects, (unsigned long long)before.heap_objects);
    LP_CHECK(after.heap_sys == after.heap_inuse + after.heap_idle, "heap_sys != inuse + idle");
    LP_CHECK(after.heap_released <= after.heap_idle, "released > idle");
    gm_chan_free(exchange);
    gm_chan_free(start);
    return 0;
}
