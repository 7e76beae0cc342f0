/* litmus-program: expect=race lines=28,39 threads=2,4 category=go
 * What: the loop-variable bug: main starts each goroutine with a pointer
 * to one shared argument struct and overwrites it for the next goroutine.
 * (The struct is on the heap: clang 14 does not instrument stores to the
 * fields of an address-taken local struct, see README.md.)
 * gm_go orders only what came before the call (G1): the goroutine's read
 * of the argument races with main's write for the next iteration. The
 * goroutines read only after main's loop (a relaxed flag, no edge), so
 * every read comes after every write. Twin of go_arg_copy_norace.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct arg {
    int index;
};

static gm_atomic_i64 sum;
static atomic_int loop_done;
static gm_waitgroup wg;

static void task(void *p)
{
    struct arg *a = p;
    while (!atomic_load_explicit(&loop_done, memory_order_relaxed))
        gm_gosched();
    int i = a->index; /* race */
    gm_atomic_i64_add(&sum, i);
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads() < 2 ? 2 : lp_threads();
    struct arg *shared_arg = gm_malloc(sizeof *shared_arg); /* one for all: the bug */
    gm_waitgroup_add(&wg, n);
    for (int k = 0; k < n; k++) {
        shared_arg->index = k; /* race */
        gm_go(task, shared_arg);
    }
    atomic_store_explicit(&loop_done, 1, memory_order_relaxed);
    gm_waitgroup_wait(&wg);
    gm_free(shared_arg);
    lp_use((uint64_t)gm_atomic_i64_load(&sum));
    return 0;
}
