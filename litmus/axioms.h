/*
 * litmus/axioms.h — the consistency axioms of SC, x86-TSO, RC11 and
 * herd7's C11 (c11_partialSC) over one complete candidate execution
 * (litmus/axioms.c; docs/litmus-models.md gives the relations).
 *
 * A candidate is the events of one path per thread plus one initial write
 * per accessed location, program order, reads-from and a coherence order
 * per location. litmus/model.c builds candidates; this file only judges
 * them.
 *
 * Invariants of a candidate handed to lt_consistent: n <= LT_MAXEV;
 * initial writes come first and are co-before every other write of their
 * location; every read (incl. an RMW) has exactly one rf source, a write
 * of the same location and value that is not the read itself; co is a
 * strict total order per location, stored transitively; an RMW reads from
 * its immediate co-predecessor (atomicity is built in by model.c). No
 * global state: safe from any thread.
 */
#ifndef GOMM_LITMUS_AXIOMS_H
#define GOMM_LITMUS_AXIOMS_H

#include <stdbool.h>

#include "events.h"
#include "relation.h"

typedef struct lt_cand {
    int n;
    const lt_event *ev;   /* n events */
    lt_rel po;            /* program order (strict, transitive; no initial writes) */
    lt_rel rf;            /* write -> read */
    lt_rel co;            /* write -> later write of the same location (transitive) */
    lt_rel fr;            /* read -> write co-after the one it read (an RMW not to itself) */
    int rfw[LT_MAXEV];    /* the write each read reads from (-1: not a read) */
    lt_set loc[LT_MAXEV]; /* per event: the events of its location (none for fences) */
    lt_set tid[LT_MAXEV]; /* per event: the events of its thread (init: the initial writes) */
    lt_set init;          /* the initial writes */
    lt_set R, W, F;       /* reads (incl. RMWs), writes (incl. RMWs), fences */
} lt_cand;

/* Relations every model derives from a candidate's events only (the same
 * for all rf/co choices of one combination of paths): model.c computes
 * them once per combination. */
typedef struct lt_static {
    lt_rel ppo_tso;  /* TSO preserved program order */
    lt_set live_tso; /* TSO: events that are instructions (not non-SC fences) */
    lt_set A;        /* atomic accesses (not plain, not initial) */
    lt_set sc;       /* seq_cst events of threads */
    lt_rel po_nl;    /* po between events of different locations (fences included) */
} lt_static;

void lt_static_init(const lt_cand *c, lt_static *s);

/* True when the candidate is consistent under model. For C11 and RC11
 * race[0], race[1] receive a data race of the execution (two conflicting
 * events, one plain, of different threads, unordered by hb), or -1. */
bool lt_consistent(int model, const lt_cand *c, const lt_static *s, int race[2]);

/* Necessary conditions on a partial candidate (rf and co chosen for some
 * locations only; edges only grow as more are chosen): false when no
 * completion can be consistent under model. */
bool lt_partial_ok(int model, const lt_cand *c, const lt_static *s);

#endif /* GOMM_LITMUS_AXIOMS_H */
