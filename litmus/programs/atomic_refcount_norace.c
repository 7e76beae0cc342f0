/* litmus-program: expect=norace threads=2,4 category=atomic
 * What: reference-counted shared objects: each holder reads the object
 * and then drops its reference with gm_atomic_i32_add(-1); whoever drops
 * the last one frees it. The decrements are seq_cst read-modify-writes,
 * so every holder's reads happen before the final decrement, and so
 * before the free (a release sequence of RMWs, A1). Twin of
 * atomic_refcount_relaxed_race.
 * Invariant: each object is freed exactly once, by a holder that saw
 * the count reach zero, after every holder checked it.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct obj {
    gm_atomic_i32 refs;
    int id;
    long data[8];
};

static int nholders, nobjs;
static gm_chan **inbox;
static gm_atomic_i64 frees, checks;
static gm_waitgroup wg;

static void holder(void *arg)
{
    int h = (int)(intptr_t)arg;
    struct obj *o;
    for (int k = 0; k < nobjs; k++) {
        gm_chan_recv(inbox[h], &o);
        for (int i = 0; i < 8; i++)
            LP_CHECK(o->data[i] == (long)o->id * 8 + i, "object %d corrupt", o->id);
        gm_atomic_i64_add(&checks, 1);
        if (gm_atomic_i32_add(&o->refs, -1) == 0) {
            gm_free(o);
            gm_atomic_i64_add(&frees, 1);
        }
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    nholders = lp_threads();
    nobjs = 300 * lp_scale();
    inbox = gm_calloc((size_t)nholders, sizeof *inbox);
    for (int h = 0; h < nholders; h++)
        inbox[h] = gm_chan_make(sizeof(struct obj *), 8);
    gm_waitgroup_add(&wg, nholders);
    for (int h = 0; h < nholders; h++)
        gm_go(holder, (void *)(intptr_t)h);
    for (int k = 0; k < nobjs; k++) {
        struct obj *o = gm_malloc(sizeof *o);
        o->id = k;
        for (int i = 0; i < 8; i++)
            o->data[i] = (long)k * 8 + i;
        gm_atomic_i32_store(&o->refs, nholders);
        for (int h = 0; h < nholders; h++)
            gm_chan_send(inbox[h], &o);
    }
    gm_waitgroup_wait(&wg);
    LP_CHECK(gm_atomic_i64_load(&frees) == nobjs, "%lld frees for %d objects",
             (long long)gm_atomic_i64_load(&frees), nobjs);
    LP_CHECK(gm_atomic_i64_load(&checks) == (int64_t)nobjs * nholders, "checks");
    for (int h = 0; h < nholders; h++)
        gm_chan_free(inbox[h]);
    gm_free(inbox);
    return 0;
}
