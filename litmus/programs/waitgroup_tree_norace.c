/* litmus-program: expect=norace threads=2,4 category=waitgroup
 * What: a recursive fan-out: each node adds its children to one shared
 * gm_waitgroup before starting them (Add before go, while its own count is
 * still held, so the counter never reaches zero early), computes its
 * partial sum into its own heap node, and calls done. main waits once,
 * then sums the tree. gm_go orders the parent's writes before the child
 * (G1); every done is merged into wait's return (W1).
 * Invariant: every node ran once; the tree sum equals the closed form.
 */
#include <gomm/gomm.h>

#include "prog.h"

struct node {
    int depth;
    long lo, hi;      /* sums the integers in [lo, hi) */
    long sum;
    int ran;
    struct node *kid[2];
};

static gm_waitgroup wg;
static int max_depth;
static gm_atomic_i64 nodes_run;

static void visit(void *arg)
{
    struct node *n = arg;
    if (n->depth < max_depth && n->hi - n->lo > 1) {
        long mid = n->lo + (n->hi - n->lo) / 2;
        gm_waitgroup_add(&wg, 2);
        for (int k = 0; k < 2; k++) {
            struct node *c = gm_calloc(1, sizeof *c);
            c->depth = n->depth + 1;
            c->lo = k == 0 ? n->lo : mid;
            c->hi = k == 0 ? mid : n->hi;
            n->kid[k] = c;
            gm_go(visit, c);
        }
    } else {
        long s = 0;
        for (long i = n->lo; i < n->hi; i++)
            s += i;
        n->sum = s;
    }
    n->ran++;
    gm_atomic_i64_add(&nodes_run, 1);
    gm_waitgroup_done(&wg);
}

static long collect(struct node *n, long *count)
{
    LP_CHECK(n->ran == 1, "node [%ld,%ld) ran %d times", n->lo, n->hi, n->ran);
    (*count)++;
    long s = n->sum;
    for (int k = 0; k < 2; k++)
        if (n->kid[k]) {
            s += collect(n->kid[k], count);
            gm_free(n->kid[k]);
        }
    return s;
}

int main(void)
{
    max_depth = lp_threads() >= 4 ? 5 : 4;
    long hi = 20000L * lp_scale();
    struct node *root = gm_calloc(1, sizeof *root);
    root->hi = hi;
    gm_waitgroup_add(&wg, 1);
    gm_go(visit, root);
    gm_waitgroup_wait(&wg);
    long count = 0;
    long s = collect(root, &count);
    LP_CHECK(s == hi * (hi - 1) / 2, "sum %ld, want %ld", s, hi * (hi - 1) / 2);
    LP_CHECK(count == gm_atomic_i64_load(&nodes_run), "%ld nodes, %lld ran", count,
             (long long)gm_atomic_i64_load(&nodes_run));
    gm_free(root);
    return 0;
}
