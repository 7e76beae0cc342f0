/*
 * litmus/axioms.c — consistency of one candidate execution under SC,
 * x86-TSO, RC11 and herd7's C11 (axioms.h). Every relation is a bit
 * matrix (relation.h); closures are Warshall's, cycles are found by
 * peeling sinks.
 *
 * SC: acyclic(po ∪ rf ∪ co ∪ fr).
 *
 * TSO (the C test compiled with the standard mapping, Owens et al.'s
 * axiomatic x86-TSO): non-SC fences emit nothing; an SC fence is MFENCE;
 * an SC store is XCHG and every RMW (locks included) is LOCKed, so those
 * are "locked"; everything else is a MOV. uniproc: acyclic(po-loc ∪ rf ∪
 * co ∪ fr); ppo = po minus (non-locked store, later plain load); acyclic(
 * ppo ∪ rfe ∪ co ∪ fr).
 *
 * RC11 (Lahav et al., PLDI'17): rs = [W];(po|loc)?;[W atomic];(rf;rmw)*;
 * sw = [E ⊒rel];([F];po)?;rs;rf;[R atomic];(po;[F])?;[E ⊒acq];
 * hb = (po ∪ sw ∪ init×E)+; irreflexive(hb ; eco?) with eco = (rf ∪ co ∪
 * fr)+; atomicity (built into the candidate); acyclic(po ∪ rf) (no
 * thin air); acyclic(psc_base ∪ psc_F) with scb = po ∪ po≠loc;hb;po≠loc ∪
 * hb|loc ∪ co ∪ fr, psc_base = ([SC] ∪ [F_sc];hb?) ; scb ; ([SC] ∪
 * hb?;[F_sc]), psc_F = [F_sc];(hb ∪ hb;eco;hb);[F_sc].
 *
 * C11 (herd7's c11_base.cat + c11_partialSC.cat, Batty et al. POPL'11
 * with the POPL'16 partial-SC repair): rs = co restricted to same-thread
 * writes and RMWs, cut at the first other write; sw = [rel-ish];([F];po)?;
 * [W atomic];rs?;rf;[R atomic];(po;[F])?;[acq-ish], between threads;
 * hb = (po ∪ sw ∪ init×E)+; Coh: irreflexive((rf^-1)?;co;rf?;hb); Rf:
 * irreflexive(rf;hb); NaRf: a plain read reads a visible side effect
 * (hb|loc-before it, no write hb|loc-between); a co-final plain write is
 * hb|loc-before no write; acyclic of the partial SC order over SC events:
 * hb ∪ (F;po)?;co;(po;F)? ∪ rf^-1 from SC writes;co ∪ rf^-1;hb|loc;[W] ∪
 * F;po;fr ∪ fr;po;F ∪ F;po;fr;po;F (fr here including an RMW's to itself).
 *
 * Data race (C11, RC11): two events of different threads on one location,
 * at least one a write, not both atomic, unordered by hb either way.
 *
 * Memory orders: consume counts as acquire (as compilers implement it);
 * "rel-ish"/"acq-ish" as each model defines them (below). Threading: pure
 * functions of their arguments.
 */
#include "axioms.h"

#include <string.h>

static lt_set all_of(int n)
{
    return n == 64 ? ~(lt_set)0 : LT_BIT(n) - 1;
}

/* Events whose memory order is in mask (bit per lt_mo). */
static lt_set with_mo(const lt_cand *c, unsigned mask)
{
    lt_set s = 0;
    for (int i = 0; i < c->n; i++)
        if (!(c->init >> i & 1) && (mask >> c->ev[i].mo & 1))
            s |= LT_BIT(i);
    return s;
}

#define MO(x) (1u << (x))

void lt_static_init(const lt_cand *c, lt_static *s)
{
    int n = c->n;
    memset(s, 0, sizeof *s);
    s->A = ~c->init & all_of(n) & ~with_mo(c, MO(LT_NA));
    s->sc = with_mo(c, MO(LT_SC));
    /* TSO: live events and preserved program order */
    lt_set sc_fences = c->F & s->sc;
    s->live_tso = all_of(n) & ~(c->F & ~sc_fences);
    lt_set locked = (c->R & c->W) | (c->W & s->sc);
    lt_set pure_r = c->R & ~c->W;
    for (int i = 0; i < n; i++) {
        lt_set row = (s->live_tso >> i & 1) ? c->po.row[i] & s->live_tso : 0;
        if ((c->W >> i & 1) && !(locked >> i & 1))
            row &= ~pure_r;
        s->ppo_tso.row[i] = row;
        s->po_nl.row[i] = c->po.row[i] & ~c->loc[i];
    }
}

/* ---- SC and TSO ---- */

static bool sc_consistent(const lt_cand *c)
{
    lt_rel r;
    int n = c->n;
    for (int i = 0; i < n; i++)
        r.row[i] = c->po.row[i] | c->rf.row[i] | c->co.row[i] | c->fr.row[i];
    return rel_acyclic(&r, n);
}

static bool tso_consistent(const lt_cand *c, const lt_static *s)
{
    lt_rel r;
    int n = c->n;
    /* uniproc */
    for (int i = 0; i < n; i++)
        r.row[i] = (c->po.row[i] & c->loc[i]) | c->rf.row[i] | c->co.row[i] | c->fr.row[i];
    if (!rel_acyclic(&r, n))
        return false;
    for (int i = 0; i < n; i++)
        r.row[i] = s->ppo_tso.row[i] | (c->rf.row[i] & ~c->tid[i]) | c->co.row[i] | c->fr.row[i];
    return rel_acyclic(&r, n);
}

/* ---- shared by C11 and RC11 ---- */

/* hb = (po ∪ sw ∪ init × thread events)+. */
static void happens_before(const lt_cand *c, const lt_rel *sw, lt_rel *hb)
{
    int n = c->n;
    lt_set threads = all_of(n) & ~c->init;
    for (int i = 0; i < n; i++)
        hb->row[i] = c->po.row[i] | sw->row[i] | ((c->init >> i & 1) ? threads : 0);
    rel_closure(hb, n);
}

/* The first data race, in event order: race[] = {-1, -1} when none. */
static void find_race(const lt_cand *c, const lt_rel *hb, lt_set atomic, int race[2])
{
    int n = c->n;
    race[0] = race[1] = -1;
    lt_set threads = all_of(n) & ~c->init;
    for (int a = 0; a < n; a++) {
        if (!(threads >> a & 1) || !c->loc[a])
            continue;
        lt_set cand = c->loc[a] & threads & ~c->tid[a] & ~hb->row[a] & (all_of(n) << 1 << a);
        if (!(c->W >> a & 1))
            cand &= c->W;
        if (atomic >> a & 1)
            cand &= ~atomic;
        while (cand) {
            int b = __builtin_ctzll(cand);
            cand &= cand - 1;
            if (!rel_has(hb, b, a)) {
                race[0] = a;
                race[1] = b;
                return;
            }
        }
    }
}

/* ---- RC11 ---- */

static bool rc11_consistent(const lt_cand *c, const lt_static *s, int race[2])
{
    int n = c->n;
    lt_set rel = with_mo(c, MO(LT_REL) | MO(LT_ACQ_REL) | MO(LT_SC)) & (c->W | c->F);
    lt_set acq = with_mo(c, MO(LT_ACQ) | MO(LT_CON) | MO(LT_ACQ_REL) | MO(LT_SC)) & (c->R | c->F);
    lt_set rmw = c->R & c->W;

    /* no thin air first: cheapest and most selective */
    lt_rel r;
    for (int i = 0; i < n; i++)
        r.row[i] = c->po.row[i] | c->rf.row[i];
    if (!rel_acyclic(&r, n))
        return false;

    /* release sequences, per head write h */
    lt_set rs[LT_MAXEV];
    for (int h = 0; h < n; h++) {
        if (!(c->W >> h & 1) || (c->init >> h & 1)) {
            rs[h] = 0;
            continue;
        }
        lt_set cur = (LT_BIT(h) | (c->po.row[h] & c->loc[h] & c->W)) & s->A;
        for (;;) {
            lt_set nx = cur, t = cur;
            while (t) {
                int w = __builtin_ctzll(t);
                t &= t - 1;
                nx |= c->rf.row[w] & rmw;
            }
            if (nx == cur)
                break;
            cur = nx;
        }
        rs[h] = cur;
    }
    lt_rel sw;
    rel_clear(&sw, n);
    for (int a = 0; a < n; a++) {
        if (!(rel >> a & 1))
            continue;
        lt_set heads = (c->W >> a & 1) ? LT_BIT(a) : c->po.row[a] & c->W;
        lt_set seq = 0, t = heads;
        while (t) {
            int h = __builtin_ctzll(t);
            t &= t - 1;
            seq |= rs[h];
        }
        lt_set reads = 0;
        t = seq;
        while (t) {
            int w = __builtin_ctzll(t);
            t &= t - 1;
            reads |= c->rf.row[w];
        }
        reads &= s->A & c->R;
        lt_set b = reads;
        t = reads;
        while (t) {
            int x = __builtin_ctzll(t);
            t &= t - 1;
            b |= c->po.row[x] & c->F;
        }
        sw.row[a] = b & acq;
    }
    lt_rel hb;
    happens_before(c, &sw, &hb);
    if (!rel_irreflexive(&hb, n))
        return false;
    lt_rel eco;
    rel_union(&eco, &c->rf, &c->co, n);
    rel_or(&eco, &c->fr, n);
    rel_closure(&eco, n);
    if (!rel_seq_irreflexive(&hb, &eco, n))
        return false;

    /* SC: acyclic(psc_base ∪ psc_F) */
    lt_set scf = c->F & s->sc;
    if (s->sc) {
        lt_rel scb, tmp, tmp2;
        rel_seq(&tmp, &s->po_nl, &hb, n);
        rel_seq(&scb, &tmp, &s->po_nl, n);
        for (int i = 0; i < n; i++)
            scb.row[i] |= c->po.row[i] | (hb.row[i] & c->loc[i]) | c->co.row[i] | c->fr.row[i];
        lt_rel left, right;
        for (int i = 0; i < n; i++) {
            left.row[i] = (s->sc >> i & 1) ? LT_BIT(i) : 0;
            if (scf >> i & 1)
                left.row[i] |= hb.row[i];
            right.row[i] = ((s->sc >> i & 1) ? LT_BIT(i) : 0) | (hb.row[i] & scf);
        }
        rel_seq(&tmp, &left, &scb, n);
        lt_rel psc;
        rel_seq(&psc, &tmp, &right, n);
        if (scf) {
            /* psc_F = [F_sc];(hb ∪ hb;eco;hb);[F_sc] */
            rel_seq(&tmp, &hb, &eco, n);
            rel_seq(&tmp2, &tmp, &hb, n);
            for (int i = 0; i < n; i++)
                if (scf >> i & 1)
                    psc.row[i] |= (hb.row[i] | tmp2.row[i]) & scf;
        }
        if (!rel_acyclic(&psc, n))
            return false;
    }
    find_race(c, &hb, s->A, race);
    return true;
}

/* ---- C11 (herd7's c11_partialSC) ---- */

static bool c11_consistent(const lt_cand *c, const lt_static *s, int race[2])
{
    int n = c->n;
    lt_set A = s->A;
    lt_set R = c->R, W = c->W, F = c->F, U = c->R & c->W;
    lt_set cacq =
        with_mo(c, MO(LT_ACQ) | MO(LT_CON) | MO(LT_ACQ_REL)) | (with_mo(c, MO(LT_SC)) & (R | F));
    lt_set crel = with_mo(c, MO(LT_REL) | MO(LT_ACQ_REL)) | (with_mo(c, MO(LT_SC)) & (W | F));

    /* rs: co to writes of the same thread or RMWs, up to the first other */
    lt_set rs[LT_MAXEV];
    for (int a = 0; a < n; a++) {
        rs[a] = 0;
        if (!(W >> a & 1))
            continue;
        lt_set ok = c->tid[a] | U;
        lt_set bad = c->co.row[a] & ~ok, blocked = 0, t = bad;
        while (t) {
            int x = __builtin_ctzll(t);
            t &= t - 1;
            blocked |= c->co.row[x];
        }
        rs[a] = c->co.row[a] & ok & ~blocked;
    }
    lt_rel sw;
    rel_clear(&sw, n);
    for (int a = 0; a < n; a++) {
        if (!(crel >> a & 1))
            continue;
        lt_set s2 = (LT_BIT(a) | ((F >> a & 1) ? c->po.row[a] : 0)) & A & W;
        lt_set s3 = s2, t = s2;
        while (t) {
            int w = __builtin_ctzll(t);
            t &= t - 1;
            s3 |= rs[w];
        }
        lt_set s4 = 0;
        t = s3;
        while (t) {
            int w = __builtin_ctzll(t);
            t &= t - 1;
            s4 |= c->rf.row[w];
        }
        s4 &= R & A;
        lt_set s5 = s4;
        t = s4;
        while (t) {
            int r = __builtin_ctzll(t);
            t &= t - 1;
            s5 |= c->po.row[r] & F;
        }
        sw.row[a] = s5 & cacq & ~c->tid[a];
    }
    lt_rel hb;
    happens_before(c, &sw, &hb);
    if (!rel_irreflexive(&hb, n))
        return false;
    lt_rel hbl;
    for (int i = 0; i < n; i++)
        hbl.row[i] = hb.row[i] & c->loc[i];

    /* Rf: irreflexive(rf ; hb) */
    if (!rel_seq_irreflexive(&c->rf, &hb, n))
        return false;
    /* Coh: irreflexive(hb ; (rf^-1)? ; co ; rf?) */
    lt_rel rfi, y, tmp;
    rel_inverse(&rfi, &c->rf, n);
    for (int i = 0; i < n; i++)
        rfi.row[i] |= LT_BIT(i);
    rel_seq(&tmp, &rfi, &c->co, n);
    for (int i = 0; i < n; i++) {
        lt_set acc = tmp.row[i], t = tmp.row[i];
        while (t) {
            int w = __builtin_ctzll(t);
            t &= t - 1;
            acc |= c->rf.row[w];
        }
        y.row[i] = acc;
    }
    if (!rel_seq_irreflexive(&hb, &y, n))
        return false;
    /* NaRf: a plain read reads a visible side effect */
    lt_set plain_reads = R & ~W & ~A & ~c->init;
    for (int r = 0; r < n; r++) {
        if (!(plain_reads >> r & 1))
            continue;
        int w = c->rfw[r];
        if (!rel_has(&hbl, w, r))
            return false;
        lt_set mid = hbl.row[w] & W, t = mid;
        while (t) {
            int x = __builtin_ctzll(t);
            t &= t - 1;
            if (rel_has(&hbl, x, r))
                return false;
        }
    }
    /* a co-final plain write is hb-before no write of its location */
    for (int x = 0; x < n; x++)
        if ((W >> x & 1) && !(c->init >> x & 1) && !(A >> x & 1) && !c->co.row[x] &&
            (hbl.row[x] & W))
            return false;

    /* partial SC */
    lt_set sc = s->sc;
    if (sc) {
        lt_rel fsb, sbf, frh, scp, t1, t2;
        for (int i = 0; i < n; i++) {
            fsb.row[i] = (F >> i & 1) ? c->po.row[i] : 0;
            sbf.row[i] = c->po.row[i] & F;
        }
        /* frh = rf^-1 ; co (an RMW to itself included) */
        for (int i = 0; i < n; i++)
            frh.row[i] = c->rfw[i] >= 0 ? c->co.row[c->rfw[i]] : 0;
        for (int i = 0; i < n; i++) {
            lt_set row = hb.row[i];
            /* r2 = (id ∪ fsb) ; co ; (id ∪ sbf) */
            lt_set x = c->co.row[i], t = fsb.row[i];
            while (t) {
                int k = __builtin_ctzll(t);
                t &= t - 1;
                x |= c->co.row[k];
            }
            lt_set y2 = x;
            t = x;
            while (t) {
                int k = __builtin_ctzll(t);
                t &= t - 1;
                y2 |= sbf.row[k];
            }
            row |= y2;
            if (c->rfw[i] >= 0) {
                int w = c->rfw[i];
                if (sc >> w & 1) /* r3 */
                    row |= c->co.row[w];
                row |= hbl.row[w] & W; /* r4 */
            }
            scp.row[i] = row;
        }
        rel_seq(&t1, &fsb, &frh, n); /* r5 */
        rel_seq(&t2, &frh, &sbf, n); /* r6 */
        rel_or(&scp, &t1, n);
        rel_or(&scp, &t2, n);
        rel_seq(&t2, &t1, &sbf, n); /* r7 */
        rel_or(&scp, &t2, n);
        for (int i = 0; i < n; i++)
            scp.row[i] = (sc >> i & 1) ? scp.row[i] & sc & ~LT_BIT(i) : 0;
        if (!rel_acyclic(&scp, n))
            return false;
    }
    find_race(c, &hb, A, race);
    return true;
}

bool lt_consistent(int model, const lt_cand *c, const lt_static *s, int race[2])
{
    race[0] = race[1] = -1;
    switch (model) {
    case LM_SC:
        return sc_consistent(c);
    case LM_TSO:
        return tso_consistent(c, s);
    case LM_RC11:
        return rc11_consistent(c, s, race);
    case LM_C11:
        return c11_consistent(c, s, race);
    }
    return false;
}

bool lt_partial_ok(int model, const lt_cand *c, const lt_static *s)
{
    switch (model) {
    case LM_SC:
        return sc_consistent(c);
    case LM_TSO:
        return tso_consistent(c, s);
    case LM_RC11: {
        lt_rel r;
        for (int i = 0; i < c->n; i++)
            r.row[i] = c->po.row[i] | c->rf.row[i];
        return rel_acyclic(&r, c->n);
    }
    }
    return true; /* C11's axioms are not monotone in rf and co */
}
