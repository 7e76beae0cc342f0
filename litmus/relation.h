/*
 * litmus/relation.h — binary relations over the events of one candidate
 * execution, as bit matrices: row a is the set of b with (a, b) in the
 * relation, one uint64_t per row (litmus/model.c, litmus/axioms.c).
 *
 * Invariants: an execution has at most LT_MAXEV (64) events, numbered
 * 0..n-1; every operation takes n and never reads or writes rows >= n, so
 * rows past n may hold garbage; bits >= n of a row are always 0 when the
 * inputs' are. Relations are plain values (512 bytes): copy them freely.
 * No global state: safe from any thread.
 */
#ifndef GOMM_LITMUS_RELATION_H
#define GOMM_LITMUS_RELATION_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define LT_MAXEV 64

typedef uint64_t lt_set; /* a set of events: bit e is event e */

typedef struct lt_rel {
    lt_set row[LT_MAXEV];
} lt_rel;

#define LT_BIT(e) ((lt_set)1 << (e))

static inline void rel_clear(lt_rel *r, int n)
{
    memset(r->row, 0, (size_t)n * sizeof r->row[0]);
}

static inline void rel_add(lt_rel *r, int a, int b)
{
    r->row[a] |= LT_BIT(b);
}

static inline bool rel_has(const lt_rel *r, int a, int b)
{
    return (r->row[a] >> b) & 1;
}

/* out = a ∪ b (out may alias either). */
static inline void rel_union(lt_rel *out, const lt_rel *a, const lt_rel *b, int n)
{
    for (int i = 0; i < n; i++)
        out->row[i] = a->row[i] | b->row[i];
}

/* r ∪= a. */
static inline void rel_or(lt_rel *r, const lt_rel *a, int n)
{
    for (int i = 0; i < n; i++)
        r->row[i] |= a->row[i];
}

/* out = a ; b (sequential composition; out must not alias a or b). */
static inline void rel_seq(lt_rel *out, const lt_rel *a, const lt_rel *b, int n)
{
    for (int i = 0; i < n; i++) {
        lt_set acc = 0, s = a->row[i];
        while (s) {
            int j = __builtin_ctzll(s);
            s &= s - 1;
            acc |= b->row[j];
        }
        out->row[i] = acc;
    }
}

/* out = [dom] ; r ; [ran] (out may alias r). */
static inline void rel_restrict(lt_rel *out, const lt_rel *r, lt_set dom, lt_set ran, int n)
{
    for (int i = 0; i < n; i++)
        out->row[i] = (dom >> i & 1) ? r->row[i] & ran : 0;
}

/* out = r^-1 (out must not alias r). */
static inline void rel_inverse(lt_rel *out, const lt_rel *r, int n)
{
    rel_clear(out, n);
    for (int i = 0; i < n; i++) {
        lt_set s = r->row[i];
        while (s) {
            int j = __builtin_ctzll(s);
            s &= s - 1;
            out->row[j] |= LT_BIT(i);
        }
    }
}

/* r = r+ in place (Warshall, one row OR per reachable pair). */
static inline void rel_closure(lt_rel *r, int n)
{
    for (int k = 0; k < n; k++) {
        lt_set rk = r->row[k], kb = LT_BIT(k);
        for (int i = 0; i < n; i++)
            if (r->row[i] & kb)
                r->row[i] |= rk;
    }
}

/* True when no event is related to itself. */
static inline bool rel_irreflexive(const lt_rel *r, int n)
{
    for (int i = 0; i < n; i++)
        if (r->row[i] & LT_BIT(i))
            return false;
    return true;
}

/* True when r has no cycle (r is not modified). Peels events with no
 * successor until none is left (acyclic) or none can be peeled (a cycle). */
static inline bool rel_acyclic(const lt_rel *r, int n)
{
    lt_set live = n == 64 ? ~(lt_set)0 : LT_BIT(n) - 1;
    for (;;) {
        lt_set sinks = 0;
        lt_set s = live;
        while (s) {
            int i = __builtin_ctzll(s);
            s &= s - 1;
            if (!(r->row[i] & live))
                sinks |= LT_BIT(i);
        }
        if (!sinks)
            return live == 0;
        live &= ~sinks;
    }
}

/* True when a ; b is irreflexive: no x -a-> y -b-> x. */
static inline bool rel_seq_irreflexive(const lt_rel *a, const lt_rel *b, int n)
{
    for (int x = 0; x < n; x++) {
        lt_set s = a->row[x];
        while (s) {
            int y = __builtin_ctzll(s);
            s &= s - 1;
            if (b->row[y] & LT_BIT(x))
                return false;
        }
    }
    return true;
}

#endif /* GOMM_LITMUS_RELATION_H */
