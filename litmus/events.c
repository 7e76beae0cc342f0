/*
 * litmus/events.c — executes a litmus test's threads into events, one
 * thread at a time, over every value its reads may return (events.h).
 *
 * A thread is explored depth-first by replay: a run executes the thread's
 * statement tree directly; each read asks pick() for the index of its
 * value among the location's domain. The first run takes index 0
 * everywhere and records how many alternatives each choice had; the next
 * run replays the recorded prefix up to the deepest choice that still has
 * an untried alternative, takes that one, and takes 0 after it. Each run
 * is one path; the runs end when every choice is exhausted. This keeps the
 * interpreter a plain recursive walk (no continuations) at the cost of
 * re-executing each path's prefix, which is a few dozen statements.
 *
 * The value domain is computed first, to a fixpoint: round k runs every
 * thread over the domains of round k-1 and adds every value written. A
 * value first written in round k needs a chain of k reads-from steps
 * through distinct writes, so after as many rounds as one execution can
 * have writes, every value of an execution without a cycle of reads-from
 * and program order is present; the rounds stop there even when later
 * rounds would still add values (those only cyclic, thin-air,
 * justifications could produce, e.g. two fetch_adds reading each other's
 * results).
 *
 * Semantics (docs/litmus-models.md): plain loads and stores are LT_NA
 * events; an RMW is one event that is both a read and a write; a CAS
 * reads its expected location first when that is a location (a plain
 * read), succeeds as an RMW when it reads the expected value, else is a
 * read with the failure order followed by a plain write of the value read
 * to the expected location (or register); a weak CAS may also fail when
 * the values are equal. A cmpxchg returns the value read and fails as a
 * relaxed read. mtx_lock is an acquire RMW reading 0 and writing 1 (only
 * successful acquisitions are executions; a lock that is never free is
 * simply not an execution), mtx_unlock a release store of 0. Signal fences
 * and barrier() are compiler-only and issue no event. Division or modulo
 * by zero gives 0, shift counts are masked to 0..63, and arithmetic wraps,
 * as in the native harness. while loops run their body at most unroll
 * times; a path whose condition still holds then is cut.
 *
 * Threading: no shared state; one lt_program per build.
 */
#include "events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCHOICE 256 /* choices (reads, spurious CAS failures) per path */
#define MAXROUNDS 64  /* fixpoint rounds of the value domain */

/* ---- a bump allocator for the paths' arrays ---- */

typedef struct lt_pool {
    struct lt_pool *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
} lt_pool;

static void *pool_alloc(lt_pool **pp, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    lt_pool *p = *pp;
    if (!p || p->cap - p->used < n) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        lt_pool *q = malloc(sizeof *q + cap);
        if (!q)
            return NULL;
        q->next = p;
        q->used = 0;
        q->cap = cap;
        *pp = q;
        p = q;
    }
    void *r = p->mem + p->used;
    p->used += n;
    return r;
}

static void pool_free(lt_pool *p)
{
    while (p) {
        lt_pool *n = p->next;
        free(p);
        p = n;
    }
}

/* ---- value sets ---- */

typedef struct valset {
    int64_t v[LT_MAXDOM];
    int n;
} valset;

/* Adds x to s (kept sorted); false when s is full. */
static bool vs_add(valset *s, int64_t x)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n && s->v[lo] == x)
        return true;
    if (s->n == LT_MAXDOM)
        return false;
    memmove(&s->v[lo + 1], &s->v[lo], (size_t)(s->n - lo) * sizeof s->v[0]);
    s->v[lo] = x;
    s->n++;
    return true;
}

static int vs_find(const valset *s, int64_t x)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->v[lo] == x ? lo : -1;
}

int64_t lt_to_width(const lt_loc *l, int64_t v)
{
    if (l->width >= 8)
        return v;
    int bits = l->width * 8;
    uint64_t m = ((uint64_t)1 << bits) - 1, u = (uint64_t)v & m;
    if (l->is_signed && (u >> (bits - 1)))
        u |= ~m;
    return (int64_t)u;
}

/* ---- the interpreter ---- */

typedef struct runner {
    const lt_test *t;
    const lt_thread *th;
    int tid, unroll;
    const valset *dom; /* per location */
    int choice[MAXCHOICE], nalt[MAXCHOICE];
    int depth, nfixed;
    lt_event ev[LT_MAXEV];
    int nev;
    int64_t *regs;
    bool stop; /* cut or failed: unwind */
    bool cut;
    const char *fail; /* why the thread cannot be explored */
    int fail_line;
} runner;

/* The index of the alternative to take at this choice point (n > 0). */
static int pick(runner *rn, int n)
{
    if (rn->depth >= MAXCHOICE) {
        rn->fail = "more than 256 reads on one path";
        rn->stop = true;
        return 0;
    }
    int d = rn->depth++;
    if (d < rn->nfixed)
        return rn->choice[d];
    rn->choice[d] = 0;
    rn->nalt[d] = n;
    return 0;
}

static void emit(runner *rn, uint8_t kind, int loc, lt_mo mo, int64_t rv, int64_t wv, int flags,
                 int line)
{
    if (rn->nev >= LT_MAXEV) {
        rn->fail = "more than 64 events on one path";
        rn->fail_line = line;
        rn->stop = true;
        return;
    }
    lt_event *e = &rn->ev[rn->nev++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->loc = (int16_t)loc;
    e->tid = (int8_t)rn->tid;
    e->mo = (uint8_t)mo;
    e->rval = rv;
    e->wval = wv;
    e->flags = (uint8_t)flags;
    e->line = line;
}

/* A value the read of loc returns (0 when the domain is empty, which the
 * domain's invariant rules out). */
static int64_t read_value(runner *rn, int loc)
{
    const valset *d = &rn->dom[loc];
    if (d->n == 0)
        return 0;
    return d->v[pick(rn, d->n)];
}

static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}
static int64_t wrap_sub(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}
static int64_t wrap_mul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int64_t binop(int op, int64_t a, int64_t b)
{
    switch (op) {
    case LB_MUL:
        return wrap_mul(a, b);
    case LB_DIV:
        return b == 0 ? 0 : b == -1 ? wrap_sub(0, a) : a / b;
    case LB_MOD:
        return b == 0 || b == -1 ? 0 : a % b;
    case LB_ADD:
        return wrap_add(a, b);
    case LB_SUB:
        return wrap_sub(a, b);
    case LB_SHL:
        return (int64_t)((uint64_t)a << (b & 63));
    case LB_SHR:
        return a >> (b & 63);
    case LB_LT:
        return a < b;
    case LB_GT:
        return a > b;
    case LB_LE:
        return a <= b;
    case LB_GE:
        return a >= b;
    case LB_EQ:
        return a == b;
    case LB_NE:
        return a != b;
    case LB_BAND:
        return a & b;
    case LB_BXOR:
        return a ^ b;
    case LB_BOR:
        return a | b;
    }
    return 0;
}

static int64_t rmw_op(lt_rmw op, int64_t old, int64_t v)
{
    switch (op) {
    case LR_XCHG:
        return v;
    case LR_ADD:
        return wrap_add(old, v);
    case LR_SUB:
        return wrap_sub(old, v);
    case LR_OR:
        return old | v;
    case LR_AND:
        return old & v;
    case LR_XOR:
        return old ^ v;
    }
    return v;
}

static int64_t eval(runner *rn, const lt_expr *e);

/* A compare-and-swap (LE_CAS): 1 on success, 0 on failure. */
static int64_t eval_cas(runner *rn, const lt_expr *e)
{
    const lt_loc *l = &rn->t->locs[e->loc];
    int64_t expected;
    if (e->exp_reg >= 0) {
        expected = rn->regs[e->exp_reg];
    } else {
        expected = read_value(rn, e->exp_loc);
        emit(rn, EV_R, e->exp_loc, LT_NA, expected, 0, EF_CASEXP, e->line);
    }
    int64_t desired = lt_to_width(l, eval(rn, e->a));
    if (rn->stop)
        return 0;
    int64_t got = read_value(rn, e->loc);
    bool success = got == expected;
    if (success && e->weak)
        success = pick(rn, 2) == 0; /* 1: a spurious failure */
    if (success) {
        emit(rn, EV_R | EV_W, e->loc, e->mo, got, desired, 0, e->line);
        return 1;
    }
    emit(rn, EV_R, e->loc, e->mo_fail, got, 0, EF_CASFAIL, e->line);
    if (e->exp_reg >= 0)
        rn->regs[e->exp_reg] = got;
    else
        emit(rn, EV_W, e->exp_loc, LT_NA, 0, lt_to_width(&rn->t->locs[e->exp_loc], got), EF_CASEXP,
             e->line);
    return 0;
}

static int64_t eval(runner *rn, const lt_expr *e)
{
    if (rn->stop)
        return 0;
    switch (e->kind) {
    case LE_NUM:
        return e->v;
    case LE_REG:
        return rn->regs[e->reg];
    case LE_LOAD: {
        int64_t v = read_value(rn, e->loc);
        emit(rn, EV_R, e->loc, e->mo, v, 0, e->is_volatile ? EF_VOLATILE : 0, e->line);
        return v;
    }
    case LE_UN: {
        int64_t a = eval(rn, e->a);
        switch (e->op) {
        case '-':
            return wrap_sub(0, a);
        case '!':
            return !a;
        case '~':
            return ~a;
        default:
            return a;
        }
    }
    case LE_BIN: {
        int64_t a = eval(rn, e->a);
        if (e->op == LB_LAND)
            return a && eval(rn, e->b) != 0;
        if (e->op == LB_LOR)
            return a || eval(rn, e->b) != 0;
        int64_t b = eval(rn, e->b);
        return binop(e->op, a, b);
    }
    case LE_RMW: {
        const lt_loc *l = &rn->t->locs[e->loc];
        int64_t v = eval(rn, e->a);
        if (rn->stop)
            return 0;
        int64_t old = read_value(rn, e->loc);
        emit(rn, EV_R | EV_W, e->loc, e->mo, old, lt_to_width(l, rmw_op(e->rmw, old, v)), 0,
             e->line);
        return old;
    }
    case LE_CAS:
        return eval_cas(rn, e);
    case LE_CMPXCHG: {
        const lt_loc *l = &rn->t->locs[e->loc];
        int64_t old = eval(rn, e->a);
        int64_t nw = lt_to_width(l, eval(rn, e->b));
        if (rn->stop)
            return 0;
        int64_t got = read_value(rn, e->loc);
        if (got == old)
            emit(rn, EV_R | EV_W, e->loc, e->mo, got, nw, 0, e->line);
        else
            emit(rn, EV_R, e->loc, LT_RLX, got, 0, EF_CASFAIL, e->line);
        return got;
    }
    }
    return 0;
}

static void exec_list(runner *rn, const lt_stmt *s);

static void exec_stmt(runner *rn, const lt_stmt *s)
{
    switch (s->kind) {
    case LS_ASSIGN: {
        int64_t v = eval(rn, s->a);
        if (!rn->stop)
            rn->regs[s->reg] = v;
        break;
    }
    case LS_STORE: {
        int64_t v = eval(rn, s->a);
        if (!rn->stop)
            emit(rn, EV_W, s->loc, s->mo, 0, lt_to_width(&rn->t->locs[s->loc], v),
                 s->is_volatile ? EF_VOLATILE : 0, s->line);
        break;
    }
    case LS_FENCE:
        if (!s->signal)
            emit(rn, EV_F, -1, s->mo, 0, 0, 0, s->line);
        break;
    case LS_EXPR:
        (void)eval(rn, s->a);
        break;
    case LS_IF: {
        int64_t c = eval(rn, s->a);
        if (rn->stop)
            break;
        if (c)
            exec_list(rn, s->body);
        else if (s->els)
            exec_list(rn, s->els);
        break;
    }
    case LS_WHILE:
        for (int round = 0;; round++) {
            int64_t c = eval(rn, s->a);
            if (rn->stop || !c)
                break;
            if (round == rn->unroll) {
                rn->cut = true;
                rn->stop = true;
                break;
            }
            exec_list(rn, s->body);
        }
        break;
    case LS_BLOCK:
        exec_list(rn, s->body);
        break;
    case LS_LOCK:
        emit(rn, EV_R | EV_W, s->loc, LT_ACQ, 0, 1, EF_LOCK, s->line);
        break;
    case LS_UNLOCK:
        emit(rn, EV_W, s->loc, LT_REL, 0, 0, EF_UNLOCK, s->line);
        break;
    }
}

static void exec_list(runner *rn, const lt_stmt *s)
{
    for (; s && !rn->stop; s = s->next)
        exec_stmt(rn, s);
}

/* Runs the path selected by rn's recorded choices; false on failure. */
static bool run_once(runner *rn)
{
    rn->depth = 0;
    rn->nev = 0;
    rn->stop = rn->cut = false;
    for (int i = 0; i < rn->th->nregs; i++)
        rn->regs[i] = rn->th->regs[i].init;
    exec_list(rn, rn->th->body);
    return rn->fail == NULL;
}

/* Selects the next path; false when every path was run. */
static bool next_path(runner *rn)
{
    int d = rn->depth - 1;
    while (d >= 0 && rn->choice[d] + 1 >= rn->nalt[d])
        d--;
    if (d < 0)
        return false;
    rn->choice[d]++;
    rn->nfixed = d + 1;
    return true;
}

typedef void (*path_fn)(void *arg, const runner *rn);

/* Calls fn on every path of thread tid over the domains dom; 0, or -1
 * with a message. */
static int explore(const lt_test *t, int tid, int unroll, const valset *dom, path_fn fn, void *arg,
                   char *err, size_t errlen)
{
    const lt_thread *th = &t->threads[tid];
    runner *rn = calloc(1, sizeof *rn);
    int64_t *regs = calloc((size_t)th->nregs + 1, sizeof *regs);
    if (!rn || !regs) {
        free(rn);
        free(regs);
        snprintf(err, errlen, "%s: out of memory", t->file);
        return -1;
    }
    rn->t = t;
    rn->th = th;
    rn->tid = tid;
    rn->unroll = unroll;
    rn->dom = dom;
    rn->regs = regs;
    long paths = 0;
    int st = 0;
    do {
        if (!run_once(rn)) {
            snprintf(err, errlen, "%s:%d: P%d: %s", t->file,
                     rn->fail_line ? rn->fail_line : th->line, th->id, rn->fail);
            st = -1;
            break;
        }
        if (++paths > LT_MAXPATHS) {
            snprintf(err, errlen, "%s: P%d has more than %d paths (lower --unroll?)", t->file,
                     th->id, LT_MAXPATHS);
            st = -1;
            break;
        }
        fn(arg, rn);
    } while (next_path(rn));
    free(regs);
    free(rn);
    return st;
}

/* ---- the value domain ---- */

typedef struct domain_round {
    const lt_test *t;
    valset *next; /* values written so far, per location */
    int maxw;     /* most writes on one path of this thread */
    bool full;    /* a location overflowed LT_MAXDOM */
    int full_loc;
} domain_round;

static void collect_writes(void *arg, const runner *rn)
{
    domain_round *dr = arg;
    int w = 0;
    for (int i = 0; i < rn->nev; i++) {
        const lt_event *e = &rn->ev[i];
        if (!(e->kind & EV_W))
            continue;
        w++;
        if (!vs_add(&dr->next[e->loc], e->wval) && !dr->full) {
            dr->full = true;
            dr->full_loc = e->loc;
        }
    }
    if (w > dr->maxw)
        dr->maxw = w;
}

/* Computes the domains of t's locations into dom (nlocs entries). */
static int compute_domain(lt_program *p, int unroll, valset *dom, char *err, size_t errlen)
{
    const lt_test *t = p->t;
    valset *next = calloc((size_t)t->nlocs + 1, sizeof *next);
    if (!next) {
        snprintf(err, errlen, "%s: out of memory", t->file);
        return -1;
    }
    for (int l = 0; l < t->nlocs; l++) {
        dom[l].n = 0;
        vs_add(&dom[l], lt_to_width(&t->locs[l], t->locs[l].init));
    }
    p->converged = false;
    for (int round = 1; round <= MAXROUNDS; round++) {
        memcpy(next, dom, (size_t)t->nlocs * sizeof *next);
        int writes = 0;
        for (int k = 0; k < t->nthreads; k++) {
            domain_round dr = {.t = t, .next = next};
            if (explore(t, k, unroll, dom, collect_writes, &dr, err, errlen) < 0) {
                free(next);
                return -1;
            }
            if (dr.full) {
                snprintf(err, errlen,
                         "%s: location %s can hold more than %d values (its value domain does "
                         "not converge)",
                         t->file, t->locs[dr.full_loc].name, LT_MAXDOM);
                free(next);
                return -1;
            }
            writes += dr.maxw;
        }
        p->iterations = round;
        bool same = true;
        for (int l = 0; l < t->nlocs && same; l++)
            same = next[l].n == dom[l].n &&
                   !memcmp(next[l].v, dom[l].v, (size_t)dom[l].n * sizeof dom[l].v[0]);
        memcpy(dom, next, (size_t)t->nlocs * sizeof *next);
        if (same) {
            p->converged = true;
            break;
        }
        if (round > writes)
            break; /* every acyclically justified value is in (see above) */
    }
    free(next);
    return 0;
}

/* ---- building the paths ---- */

typedef struct build {
    lt_program *p;
    const valset *dom;
    lt_thread_paths *tp;
    int cap;
    bool oom;
} build;

static void store_path(void *arg, const runner *rn)
{
    build *b = arg;
    lt_program *p = b->p;
    int nl = p->nlocs;
    if (b->oom)
        return;
    /* a read of a value outside the domain (a lock taken when 0 is never
     * written there) can never be satisfied: no path */
    for (int i = 0; i < rn->nev; i++)
        if ((rn->ev[i].kind & EV_R) && vs_find(&b->dom[rn->ev[i].loc], rn->ev[i].rval) < 0)
            return;
    if (b->tp->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 16;
        lt_path *np = realloc(b->tp->p, (size_t)cap * sizeof *np);
        if (!np) {
            b->oom = true;
            return;
        }
        b->tp->p = np;
        b->cap = cap;
    }
    lt_path *path = &b->tp->p[b->tp->n];
    path->nev = rn->nev;
    path->cut = rn->cut;
    path->ev = pool_alloc(&p->pool, (size_t)rn->nev * sizeof *path->ev + 1);
    path->regs = pool_alloc(&p->pool, (size_t)rn->th->nregs * sizeof *path->regs + 1);
    path->need = pool_alloc(&p->pool, (size_t)nl * sizeof *path->need + 1);
    path->prov = pool_alloc(&p->pool, (size_t)nl * sizeof *path->prov + 1);
    if (!path->ev || !path->regs || !path->need || !path->prov) {
        b->oom = true;
        return;
    }
    memcpy(path->ev, rn->ev, (size_t)rn->nev * sizeof *path->ev);
    memcpy(path->regs, rn->regs, (size_t)rn->th->nregs * sizeof *path->regs);
    memset(path->need, 0, (size_t)nl * sizeof *path->need);
    memset(path->prov, 0, (size_t)nl * sizeof *path->prov);
    for (int i = 0; i < rn->nev; i++) {
        const lt_event *e = &rn->ev[i];
        if (e->kind & EV_R)
            path->need[e->loc] |= LT_BIT(vs_find(&b->dom[e->loc], e->rval));
        if (e->kind & EV_W) {
            int k = vs_find(&b->dom[e->loc], e->wval);
            if (k >= 0) /* always, unless the domain stopped short of converging */
                path->prov[e->loc] |= LT_BIT(k);
        }
    }
    for (int l = 0; l < nl; l++)
        b->tp->anyprov[l] |= path->prov[l];
    b->tp->n++;
}

int lt_program_build(const lt_test *t, int unroll, lt_program *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->t = t;
    p->nthreads = t->nthreads;
    p->nlocs = t->nlocs;
    valset *dom = calloc((size_t)t->nlocs + 1, sizeof *dom);
    p->th = calloc((size_t)t->nthreads + 1, sizeof *p->th);
    p->dom = calloc((size_t)t->nlocs + 1, sizeof *p->dom);
    p->ndom = calloc((size_t)t->nlocs + 1, sizeof *p->ndom);
    if (!dom || !p->th || !p->dom || !p->ndom)
        goto oom;
    if (compute_domain(p, unroll, dom, err, errlen) < 0) {
        free(dom);
        lt_program_free(p);
        return -1;
    }
    for (int l = 0; l < t->nlocs; l++) {
        p->ndom[l] = dom[l].n;
        p->dom[l] = pool_alloc(&p->pool, (size_t)dom[l].n * sizeof(int64_t) + 1);
        if (!p->dom[l])
            goto oom;
        memcpy(p->dom[l], dom[l].v, (size_t)dom[l].n * sizeof(int64_t));
    }
    for (int k = 0; k < t->nthreads; k++) {
        lt_thread_paths *tp = &p->th[k];
        tp->anyprov = pool_alloc(&p->pool, (size_t)t->nlocs * sizeof *tp->anyprov + 1);
        if (!tp->anyprov)
            goto oom;
        memset(tp->anyprov, 0, (size_t)t->nlocs * sizeof *tp->anyprov);
        build b = {.p = p, .dom = dom, .tp = tp};
        if (explore(t, k, unroll, dom, store_path, &b, err, errlen) < 0) {
            free(dom);
            lt_program_free(p);
            return -1;
        }
        if (b.oom)
            goto oom;
    }
    free(dom);
    return 0;
oom:
    free(dom);
    lt_program_free(p);
    snprintf(err, errlen, "%s: out of memory", t->file);
    return -1;
}

void lt_program_free(lt_program *p)
{
    if (p->th)
        for (int k = 0; k < p->nthreads; k++)
            free(p->th[k].p);
    free(p->th);
    free(p->dom);
    free(p->ndom);
    pool_free(p->pool);
    memset(p, 0, sizeof *p);
}

int lt_dom_index(const lt_program *p, int loc, int64_t v)
{
    int lo = 0, hi = p->ndom[loc];
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (p->dom[loc][mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ndom[loc] && p->dom[loc][lo] == v ? lo : -1;
}
