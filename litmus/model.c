/*
 * litmus/model.c — exhaustive enumeration of a litmus test's executions
 * under one memory model (model.h; docs/litmus-models.md).
 *
 * Enumeration, outermost first:
 *   1. litmus/events.c runs each thread into its paths (events, final
 *      registers) over the value domains.
 *   2. One path per thread, depth first. A combination survives only if
 *      every value it reads is written somewhere: by an initial write, a
 *      chosen path, or some path of a thread not chosen yet (per-location
 *      bit masks over domain indices, checked at every level).
 *   3. Per accessed location, one at a time: a coherence order (the
 *      initial write first, then a permutation of the threads' writes that
 *      keeps each thread's writes in program order: CoWW; an RMW only
 *      right after a write of the value it read: atomicity), then a
 *      reads-from source per read of the location, in event order. An RMW
 *      reads from its immediate co-predecessor (atomicity) and nothing
 *      else; a plain read from any same-valued write that is not po-after
 *      it and passes CoWR (not co-before the thread's last write of the
 *      location before it), CoRW (co-before the thread's next write of it)
 *      and CoRR (not co-before what the thread's previous read of it
 *      read). Every model forbids these shapes, so pruning them loses no
 *      consistent execution. After each location, SC and TSO check their
 *      acyclicity axiom on the edges chosen so far, RC11 its no-thin-air
 *      axiom (edges only grow, so a cycle now is a cycle in every
 *      completion).
 *   4. A complete candidate goes to lt_consistent (litmus/axioms.c).
 * A consistent candidate whose paths were all completed gives a final
 * state (registers of the observed variables, each location's co-last
 * value) and, under C11 and RC11, is searched for a data race (filtered
 * executions too: the program races whatever the test observes); one
 * with a path cut by the unrolling bound only sets loop_bound, as in
 * herd7.
 *
 * Invariants: at most LT_MAXEV events per candidate (else an error);
 * states are distinct value vectors over t->vars, counted per execution.
 * Threading: no global state; concurrent lt_enumerate calls on the same
 * read-only test are safe.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axioms.h"
#include "events.h"

#define MAXCANDIDATES 200000000L /* candidates examined before giving up */

typedef struct state_table {
    int nvars;
    int64_t *vals; /* n * nvars */
    long *execs;
    bool *sat, *filtered;
    int n, cap;
    int *hash; /* open addressing: index + 1, 0 empty */
    int hcap;
} state_table;

typedef struct enumerator {
    const lt_test *t;
    const lt_program *p;
    int model;
    lt_model_result *out;
    char *err;
    size_t errlen;
    bool failed;

    /* the combination of paths */
    const lt_path **path; /* per thread */
    uint64_t *prov_stack; /* (nthreads + 1) * nlocs: written values so far */
    uint64_t *need_stack;
    uint64_t *rest_prov; /* (nthreads + 1) * nlocs: anyprov of threads >= k */
    uint64_t *init_mask; /* per location: the initial value's domain bit */

    /* the candidate */
    lt_cand c;
    lt_static st;
    lt_event ev[LT_MAXEV];
    int evloc_init[LT_MAXEV]; /* per location index: its initial write event, -1 */
    int nactive;
    int active[LT_MAXEV]; /* accessed locations */
    int nw[LT_MAXEV], nr[LT_MAXEV];
    int wlist[LT_MAXEV][LT_MAXEV]; /* per active location: thread writes, event order */
    int rlist[LT_MAXEV][LT_MAXEV]; /* per active location: reads, event order */
    int coseq[LT_MAXEV][LT_MAXEV + 1];
    int rank[LT_MAXEV];  /* position of a write in its location's co */
    int prevw[LT_MAXEV]; /* per read: the thread's last same-location write before it */
    int nextw[LT_MAXEV]; /* per read: the thread's next same-location write after it */
    int prevr[LT_MAXEV]; /* per read: the thread's previous same-location read */
    bool cut;            /* a chosen path is cut */
    bool racefound;
    state_table states;
} enumerator;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Stops the enumeration with "FILE: what" in the caller's err. */
static void fail(enumerator *en, const char *what)
{
    if (!en->failed)
        snprintf(en->err, en->errlen, "%s: %s", en->t->file, what);
    en->failed = true;
}

/* Events above e / below e (bit masks; e in 0..64). */
static lt_set above(int e)
{
    return ~((LT_BIT(e) << 1) - 1);
}
static lt_set below(int e)
{
    return e >= 64 ? ~(lt_set)0 : LT_BIT(e) - 1;
}

/* ---- final states ---- */

static uint64_t hash_state(const int64_t *v, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++) {
        h ^= (uint64_t)v[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h;
}

static bool st_grow(state_table *s)
{
    int cap = s->cap ? 2 * s->cap : 16;
    int64_t *vals =
        realloc(s->vals, (size_t)cap * (size_t)(s->nvars ? s->nvars : 1) * sizeof *vals);
    if (vals)
        s->vals = vals;
    long *execs = realloc(s->execs, (size_t)cap * sizeof *execs);
    if (execs)
        s->execs = execs;
    bool *sat = realloc(s->sat, (size_t)cap * sizeof *sat);
    if (sat)
        s->sat = sat;
    bool *fl = realloc(s->filtered, (size_t)cap * sizeof *fl);
    if (fl)
        s->filtered = fl;
    if (!vals || !execs || !sat || !fl)
        return false;
    s->cap = cap;
    int hcap = 2 * cap;
    int *h = calloc((size_t)hcap, sizeof *h);
    if (!h)
        return false;
    for (int i = 0; i < s->n; i++) {
        size_t k =
            hash_state(&s->vals[(size_t)i * (size_t)s->nvars], s->nvars) & (size_t)(hcap - 1);
        while (h[k])
            k = (k + 1) & (size_t)(hcap - 1);
        h[k] = i + 1;
    }
    free(s->hash);
    s->hash = h;
    s->hcap = hcap;
    return true;
}

/* The index of state v, added when new; -1 when out of memory. */
static int st_find(state_table *s, const int64_t *v)
{
    size_t nv = (size_t)s->nvars;
    if (s->n == s->cap && !st_grow(s))
        return -1;
    size_t k = hash_state(v, s->nvars) & (size_t)(s->hcap - 1);
    while (s->hash[k]) {
        int i = s->hash[k] - 1;
        if (!memcmp(&s->vals[(size_t)i * nv], v, nv * sizeof *v))
            return i;
        k = (k + 1) & (size_t)(s->hcap - 1);
    }
    int i = s->n++;
    memcpy(&s->vals[(size_t)i * nv], v, nv * sizeof *v);
    s->execs[i] = 0;
    s->sat[i] = s->filtered[i] = false;
    s->hash[k] = i + 1;
    return i;
}

static void st_free(state_table *s)
{
    free(s->vals);
    free(s->execs);
    free(s->sat);
    free(s->filtered);
    free(s->hash);
}

/* ---- a consistent execution ---- */

static const char *access_word(const lt_event *e)
{
    if ((e->kind & EV_R) && (e->kind & EV_W))
        return "rmw";
    return (e->kind & EV_W) ? "write" : "read";
}

static void note_race(enumerator *en, int a, int b)
{
    lt_model_result *r = en->out;
    r->undef = true;
    if (en->racefound)
        return;
    en->racefound = true;
    const lt_event *x = &en->c.ev[a], *y = &en->c.ev[b];
    if (x->tid > y->tid) {
        const lt_event *t = x;
        x = y;
        y = t;
    }
    snprintf(r->race, sizeof r->race, "P%d line %d (%s %s) / P%d line %d (%s %s)",
             en->t->threads[x->tid].id, x->line, access_word(x), en->t->locs[x->loc].name,
             en->t->threads[y->tid].id, y->line, access_word(y), en->t->locs[y->loc].name);
}

static void record(enumerator *en)
{
    const lt_test *t = en->t;
    lt_model_result *r = en->out;
    if (en->cut) {
        r->loop_bound = true;
        return;
    }
    int64_t v[256];
    int64_t *vals = t->nvars <= 256 ? v : malloc((size_t)t->nvars * sizeof *vals);
    if (!vals) {
        fail(en, "out of memory");
        return;
    }
    for (int i = 0; i < t->nvars; i++) {
        const lt_var *var = &t->vars[i];
        if (var->thread >= 0) {
            vals[i] = en->path[var->thread]->regs[var->index];
        } else {
            int ie = en->evloc_init[var->index];
            if (ie < 0) {
                vals[i] = lt_to_width(&t->locs[var->index], t->locs[var->index].init);
            } else {
                int li = -1;
                for (int k = 0; k < en->nactive; k++)
                    if (en->active[k] == var->index)
                        li = k;
                vals[i] = en->c.ev[en->coseq[li][en->nw[li]]].wval;
            }
        }
    }
    int k = st_find(&en->states, vals);
    if (k < 0) {
        fail(en, "out of memory");
    } else {
        en->states.execs[k]++;
        if (t->filter && !lt_prop_eval(t->filter, vals)) {
            en->states.filtered[k] = true;
        } else {
            bool sat = lt_prop_eval(t->cond, vals);
            en->states.sat[k] = sat;
            if (sat)
                r->positive++;
            else
                r->negative++;
        }
    }
    if (vals != v)
        free(vals);
}

/* ---- rf and co, location by location ---- */

static void choose_location(enumerator *en, int li);

/* Sets rf of the j-th read of active location li, then the next. */
static void choose_rf(enumerator *en, int li, int j)
{
    lt_cand *c = &en->c;
    if (en->failed)
        return;
    if (j == en->nr[li]) {
        if (!lt_partial_ok(en->model, c, &en->st))
            return;
        choose_location(en, li + 1);
        return;
    }
    int r = en->rlist[li][j];
    const lt_event *er = &c->ev[r];
    int nwr = en->nw[li];
    /* candidates: for an RMW its co-predecessor only */
    int lo = 0, hi = nwr; /* co positions 0..nwr (0: the initial write) */
    if ((er->kind & EV_W)) {
        lo = hi = en->rank[r] - 1;
    }
    int pw = en->prevw[r], nx = en->nextw[r], pr = en->prevr[r];
    if (pw >= 0 && en->rank[pw] > lo)
        lo = en->rank[pw]; /* CoWR */
    if (nx >= 0 && en->rank[nx] - 1 < hi)
        hi = en->rank[nx] - 1; /* CoRW */
    if (pr >= 0 && en->rank[c->rfw[pr]] > lo)
        lo = en->rank[c->rfw[pr]]; /* CoRR */
    for (int pos = lo; pos <= hi; pos++) {
        int w = en->coseq[li][pos];
        if (w == r || c->ev[w].wval != er->rval || rel_has(&c->po, r, w))
            continue;
        c->rfw[r] = w;
        rel_add(&c->rf, w, r);
        lt_set later = c->co.row[w] & ~LT_BIT(r);
        c->fr.row[r] = later;
        choose_rf(en, li, j + 1);
        c->rf.row[w] &= ~LT_BIT(r);
        c->fr.row[r] = 0;
        c->rfw[r] = -1;
        if (en->failed)
            return;
    }
}

/* Places the writes of active location li into co from position pos. */
static void choose_co(enumerator *en, int li, int pos, lt_set placed)
{
    lt_cand *c = &en->c;
    int m = en->nw[li];
    if (pos > m) {
        for (int i = 0; i <= m; i++) {
            int w = en->coseq[li][i];
            en->rank[w] = i;
            lt_set after = 0;
            for (int k = i + 1; k <= m; k++)
                after |= LT_BIT(en->coseq[li][k]);
            c->co.row[w] = after;
        }
        choose_rf(en, li, 0);
        for (int i = 0; i <= m; i++)
            c->co.row[en->coseq[li][i]] = 0;
        return;
    }
    for (int k = 0; k < m && !en->failed; k++) {
        int w = en->wlist[li][k];
        if (placed & LT_BIT(w))
            continue;
        /* CoWW: the thread's earlier writes of the location go first */
        bool ok = true;
        for (int q = 0; q < k; q++) {
            int w2 = en->wlist[li][q];
            if (!(placed & LT_BIT(w2)) && rel_has(&c->po, w2, w)) {
                ok = false;
                break;
            }
        }
        if (!ok)
            continue;
        /* atomicity: an RMW reads from its immediate co-predecessor, so
         * that write must hold the value the RMW read */
        const lt_event *ew = &c->ev[w];
        if ((ew->kind & EV_R) && c->ev[en->coseq[li][pos - 1]].wval != ew->rval)
            continue;
        en->coseq[li][pos] = w;
        choose_co(en, li, pos + 1, placed | LT_BIT(w));
    }
}

static void choose_location(enumerator *en, int li)
{
    if (en->failed)
        return;
    if (li == en->nactive) {
        lt_model_result *r = en->out;
        if (++r->candidates > MAXCANDIDATES) {
            fail(en, "more than 200000000 candidate executions");
            return;
        }
        int race[2];
        if (!lt_consistent(en->model, &en->c, &en->st, race))
            return;
        /* as herd7: an execution cut by the unrolling bound only sets the
         * Loop flag (no state, no race) */
        if (race[0] >= 0 && !en->cut)
            note_race(en, race[0], race[1]);
        record(en);
        return;
    }
    en->coseq[li][0] = en->evloc_init[en->active[li]];
    choose_co(en, li, 1, 0);
}

/* ---- one combination of paths ---- */

static void run_combination(enumerator *en)
{
    const lt_test *t = en->t;
    lt_cand *c = &en->c;
    int nl = t->nlocs;
    /* which locations are accessed */
    bool used[LT_MAXEV] = {false}; /* nlocs <= LT_MAXEV (lt_enumerate) */
    int n = 0;
    en->cut = false;
    for (int k = 0; k < t->nthreads; k++) {
        const lt_path *p = en->path[k];
        en->cut |= p->cut;
        for (int i = 0; i < p->nev; i++)
            if (p->ev[i].loc >= 0)
                used[p->ev[i].loc] = true;
    }
    en->nactive = 0;
    for (int l = 0; l < nl; l++) {
        en->evloc_init[l] = -1;
        if (!used[l])
            continue;
        if (n >= LT_MAXEV) {
            fail(en, "more than 64 events in one execution");
            return;
        }
        lt_event *e = &en->ev[n];
        memset(e, 0, sizeof *e);
        e->kind = EV_W;
        e->loc = (int16_t)l;
        e->tid = -1;
        e->mo = LT_NA;
        e->wval = lt_to_width(&t->locs[l], t->locs[l].init);
        en->evloc_init[l] = n;
        en->active[en->nactive++] = l;
        n++;
    }
    int ninit = n;
    int first[65];
    for (int k = 0; k < t->nthreads; k++) {
        const lt_path *p = en->path[k];
        if (n + p->nev > LT_MAXEV) {
            fail(en, "more than 64 events in one execution");
            return;
        }
        first[k] = n;
        memcpy(&en->ev[n], p->ev, (size_t)p->nev * sizeof *p->ev);
        n += p->nev;
    }
    first[t->nthreads] = n;
    c->n = n;
    c->ev = en->ev;
    rel_clear(&c->po, n);
    rel_clear(&c->rf, n);
    rel_clear(&c->co, n);
    rel_clear(&c->fr, n);
    c->init = ninit ? LT_BIT(ninit) - 1 : 0;
    c->R = c->W = c->F = 0;
    /* location index -> active index */
    int lidx[LT_MAXEV];
    for (int li = 0; li < en->nactive; li++) {
        lidx[en->active[li]] = li;
        en->nw[li] = en->nr[li] = 0;
    }
    lt_set locmask[LT_MAXEV];
    for (int li = 0; li < en->nactive; li++)
        locmask[li] = 0;
    for (int i = 0; i < n; i++) {
        const lt_event *e = &en->ev[i];
        c->rfw[i] = -1;
        if (e->kind & EV_R)
            c->R |= LT_BIT(i);
        if (e->kind & EV_W)
            c->W |= LT_BIT(i);
        if (e->kind & EV_F)
            c->F |= LT_BIT(i);
        if (e->loc >= 0)
            locmask[lidx[e->loc]] |= LT_BIT(i);
    }
    for (int i = 0; i < n; i++) {
        const lt_event *e = &en->ev[i];
        c->loc[i] = e->loc >= 0 ? locmask[lidx[e->loc]] : 0;
        if (i < ninit) {
            c->tid[i] = c->init;
            continue;
        }
        int k = e->tid;
        lt_set th = below(first[k + 1]) & ~below(first[k]);
        c->tid[i] = th;
        c->po.row[i] = th & above(i);
        if (e->loc < 0)
            continue;
        int li = lidx[e->loc];
        if (e->kind & EV_R)
            en->rlist[li][en->nr[li]++] = i;
        if (e->kind & EV_W)
            en->wlist[li][en->nw[li]++] = i;
    }
    /* per read: the thread's neighbouring accesses of its location */
    for (int i = ninit; i < n; i++) {
        const lt_event *e = &en->ev[i];
        if (!(e->kind & EV_R))
            continue;
        en->prevw[i] = en->nextw[i] = en->prevr[i] = -1;
        for (int j = first[e->tid]; j < i; j++) {
            const lt_event *f = &en->ev[j];
            if (f->loc != e->loc)
                continue;
            if (f->kind & EV_W)
                en->prevw[i] = j;
            if (f->kind & EV_R)
                en->prevr[i] = j;
        }
        for (int j = i + 1; j < first[e->tid + 1]; j++)
            if (en->ev[j].loc == e->loc && (en->ev[j].kind & EV_W)) {
                en->nextw[i] = j;
                break;
            }
    }
    lt_static_init(c, &en->st);
    choose_location(en, 0);
}

/* Chooses a path for thread k, then the next thread. */
static void choose_paths(enumerator *en, int k)
{
    const lt_program *p = en->p;
    int nl = p->nlocs;
    if (en->failed)
        return;
    if (k == p->nthreads) {
        run_combination(en);
        return;
    }
    const uint64_t *prov0 = &en->prov_stack[(size_t)k * (size_t)nl];
    const uint64_t *need0 = &en->need_stack[(size_t)k * (size_t)nl];
    uint64_t *prov1 = &en->prov_stack[(size_t)(k + 1) * (size_t)nl];
    uint64_t *need1 = &en->need_stack[(size_t)(k + 1) * (size_t)nl];
    const uint64_t *rest = &en->rest_prov[(size_t)(k + 1) * (size_t)nl];
    const lt_thread_paths *tp = &p->th[k];
    for (int i = 0; i < tp->n && !en->failed; i++) {
        const lt_path *path = &tp->p[i];
        bool ok = true;
        for (int l = 0; l < nl; l++) {
            prov1[l] = prov0[l] | path->prov[l];
            need1[l] = need0[l] | path->need[l];
            if (need1[l] & ~(prov1[l] | rest[l] | en->init_mask[l])) {
                ok = false;
                break;
            }
        }
        if (!ok)
            continue;
        en->path[k] = path;
        choose_paths(en, k + 1);
    }
}

/* ---- results ---- */

/* True when state i sorts before state j (value vectors, lexicographic). */
static bool state_less(const state_table *s, int i, int j)
{
    const int64_t *x = &s->vals[(size_t)i * (size_t)s->nvars];
    const int64_t *y = &s->vals[(size_t)j * (size_t)s->nvars];
    for (int k = 0; k < s->nvars; k++)
        if (x[k] != y[k])
            return x[k] < y[k];
    return false;
}

/* Sorts idx[0..n) by state (merge sort through tmp; qsort has no context
 * argument in C11 and a static one would not be reentrant). */
static void sort_states(const state_table *s, int *idx, int *tmp, int n)
{
    if (n < 2)
        return;
    int h = n / 2;
    sort_states(s, idx, tmp, h);
    sort_states(s, idx + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = state_less(s, idx[j], idx[i]) ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

/* Copies the state table into r, sorted by value vector. */
static int finish_states(enumerator *en, lt_model_result *r)
{
    state_table *s = &en->states;
    size_t nv = (size_t)s->nvars;
    int n = s->n;
    int *order = malloc(((size_t)n + 1) * sizeof *order);
    int *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
    r->states = malloc(((size_t)n * nv + 1) * sizeof *r->states);
    r->execs = malloc(((size_t)n + 1) * sizeof *r->execs);
    r->sat = malloc((size_t)n + 1);
    r->filtered = malloc((size_t)n + 1);
    if (!order || !tmp || !r->states || !r->execs || !r->sat || !r->filtered) {
        free(order);
        free(tmp);
        return -1;
    }
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_states(s, order, tmp, n);
    for (int i = 0; i < n; i++) {
        int k = order[i];
        memcpy(&r->states[(size_t)i * nv], &s->vals[(size_t)k * nv], nv * sizeof *r->states);
        r->execs[i] = s->execs[k];
        r->sat[i] = s->sat[k];
        r->filtered[i] = s->filtered[k];
    }
    r->nstates = n;
    free(order);
    free(tmp);
    return 0;
}

int lt_enumerate(const lt_test *t, int model, int unroll, lt_model_result *out, char *err,
                 size_t errlen)
{
    double t0 = now_seconds();
    memset(out, 0, sizeof *out);
    out->model = model;
    out->observation = LX_UNKNOWN;
    if (model < 0 || model >= LM_NMODELS) {
        snprintf(err, errlen, "%s: unknown model %d", t->file, model);
        return -1;
    }
    if (t->nthreads > LT_MAXEV || t->nlocs > LT_MAXEV) {
        snprintf(err, errlen, "%s: more than %d threads or locations", t->file, LT_MAXEV);
        return -1;
    }
    lt_program prog;
    if (lt_program_build(t, unroll < 0 ? 0 : unroll, &prog, err, errlen) < 0)
        return -1;
    enumerator *en = calloc(1, sizeof *en);
    size_t nl = (size_t)t->nlocs, nt = (size_t)t->nthreads;
    if (!en) {
        lt_program_free(&prog);
        snprintf(err, errlen, "%s: out of memory", t->file);
        return -1;
    }
    en->t = t;
    en->p = &prog;
    en->model = model;
    en->out = out;
    en->err = err;
    en->errlen = errlen;
    en->states.nvars = t->nvars;
    en->path = calloc(nt + 1, sizeof *en->path);
    en->prov_stack = calloc((nt + 1) * nl + 1, sizeof(uint64_t));
    en->need_stack = calloc((nt + 1) * nl + 1, sizeof(uint64_t));
    en->rest_prov = calloc((nt + 2) * nl + 1, sizeof(uint64_t));
    en->init_mask = calloc(nl + 1, sizeof(uint64_t));
    int st = 0;
    if (!en->path || !en->prov_stack || !en->need_stack || !en->rest_prov || !en->init_mask) {
        snprintf(err, errlen, "%s: out of memory", t->file);
        st = -1;
        goto done;
    }
    for (size_t l = 0; l < nl; l++) {
        int k = lt_dom_index(&prog, (int)l, lt_to_width(&t->locs[l], t->locs[l].init));
        en->init_mask[l] = k >= 0 ? LT_BIT(k) : 0;
    }
    for (int k = (int)nt - 1; k >= 0; k--)
        for (size_t l = 0; l < nl; l++)
            en->rest_prov[(size_t)k * nl + l] =
                en->rest_prov[(size_t)(k + 1) * nl + l] | prog.th[k].anyprov[l];
    choose_paths(en, 0);
    if (en->failed) {
        st = -1;
        goto done;
    }
    if (finish_states(en, out) < 0) {
        snprintf(err, errlen, "%s: out of memory", t->file);
        st = -1;
        goto done;
    }
    if (model == LM_SC || model == LM_TSO)
        out->undef = false;
    if (out->undef)
        out->observation = LX_UNDEF;
    else if (out->positive == 0)
        out->observation = LX_NEVER;
    else if (out->negative == 0)
        out->observation = LX_ALWAYS;
    else
        out->observation = LX_SOMETIMES;
done:
    if (st < 0)
        lt_model_result_free(out);
    st_free(&en->states);
    free(en->path);
    free(en->prov_stack);
    free(en->need_stack);
    free(en->rest_prov);
    free(en->init_mask);
    free(en);
    lt_program_free(&prog);
    out->seconds = now_seconds() - t0;
    return st;
}

void lt_model_result_free(lt_model_result *r)
{
    free(r->states);
    free(r->execs);
    free(r->sat);
    free(r->filtered);
    r->states = NULL;
    r->execs = NULL;
    r->sat = NULL;
    r->filtered = NULL;
    r->nstates = 0;
}
