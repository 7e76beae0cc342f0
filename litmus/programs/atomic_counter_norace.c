/* litmus-program: expect=norace threads=2,4 category=atomic
 * What: every gomm/atomic.h operation hammered from several goroutines:
 * add on i32/i64/u32/u64/uptr, a CAS loop computing a maximum, swap
 * collecting tokens, and and/or toggling one bit per goroutine. Atomics
 * never race with each other.
 * Invariant: the adds sum exactly; the maximum is the largest value
 * offered; swaps lose no token; each goroutine's bit ends set.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_atomic_i32 c32;
static gm_atomic_i64 c64;
static gm_atomic_u32 u32c;
static gm_atomic_u64 u64c;
static gm_atomic_uptr uptrc;
static gm_atomic_i64 maxv;
static gm_atomic_i64 token;     /* swapped around */
static gm_atomic_i64 token_sum; /* sum of tokens taken out */
static gm_atomic_u64 bits;
static gm_atomic_ptr last_ptr;
static int iters;
static gm_chan *start;
static gm_waitgroup wg;

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = lp_seed_for(w);
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        gm_atomic_i32_add(&c32, 1);
        gm_atomic_i64_add(&c64, 3);
        gm_atomic_u32_add(&u32c, 2);
        gm_atomic_u64_add(&u64c, 5);
        gm_atomic_uptr_add(&uptrc, 1);
        int64_t v = (int64_t)(lp_rand(&rng) % 1000000);
        int64_t m = gm_atomic_i64_load(&maxv);
        while (v > m && !gm_atomic_i64_cas(&maxv, m, v))
            m = gm_atomic_i64_load(&maxv);
        /* put token i+1 in, take the previous one out */
        int64_t old = gm_atomic_i64_swap(&token, (int64_t)w * iters + i + 1);
        gm_atomic_i64_add(&token_sum, old);
        /* toggle our bit off and on; it must end on */
        gm_atomic_u64_and(&bits, ~(1ull << w));
        gm_atomic_u64_or(&bits, 1ull << w);
        gm_atomic_ptr_store(&last_ptr, &token);
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 1000 * lp_scale();
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(worker, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    long total = (long)n * iters;
    LP_CHECK(gm_atomic_i32_load(&c32) == total, "i32 %d", gm_atomic_i32_load(&c32));
    LP_CHECK(gm_atomic_i64_load(&c64) == 3 * total, "i64");
    LP_CHECK(gm_atomic_u32_load(&u32c) == (uint32_t)(2 * total), "u32");
    LP_CHECK(gm_atomic_u64_load(&u64c) == (uint64_t)(5 * total), "u64");
    LP_CHECK(gm_atomic_uptr_load(&uptrc) == (uintptr_t)total, "uptr");
    /* recompute the largest offered value from the same seeds */
    int64_t want_max = 0;
    for (int w = 0; w < n; w++) {
        uint64_t rng = lp_seed_for(w);
        for (int i = 0; i < iters; i++) {
            int64_t v = (int64_t)(lp_rand(&rng) % 1000000);
            if (v > want_max)
                want_max = v;
        }
    }
    LP_CHECK(gm_atomic_i64_load(&maxv) == want_max, "max %lld want %lld",
             (long long)gm_atomic_i64_load(&maxv), (long long)want_max);
    /* every token put in was taken out exactly once, except the last */
    long all = 0;
    for (int w = 0; w < n; w++)
        for (int i = 0; i < iters; i++)
            all += (long)w * iters + i + 1;
    LP_CHECK(gm_atomic_i64_load(&token_sum) + gm_atomic_i64_load(&token) == all,
             "tokens lost or duplicated");
    LP_CHECK(gm_atomic_u64_load(&bits) == (n >= 64 ? ~0ull : (1ull << n) - 1), "bits %llx",
             (unsigned long long)gm_atomic_u64_load(&bits));
    LP_CHECK(gm_atomic_ptr_load(&last_ptr) == &token, "last_ptr");
    gm_chan_free(start);
    return 0;
}
