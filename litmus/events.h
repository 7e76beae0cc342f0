/*
 * litmus/events.h — a litmus test's threads executed into events (litmus/
 * events.c), the input of the model enumerator (litmus/model.c).
 *
 * Each thread is run on its own, every read taking each value of its
 * location's value domain in turn (and a weak CAS failing spuriously or
 * not); control flow follows the values read. The result per thread is the
 * list of its paths: the events it issued in program order, its registers'
 * final values, and whether the path was cut by the loop-unrolling bound.
 *
 * The value domain of a location is its initial value plus every value a
 * thread path can write there, computed to a fixpoint from the initial
 * values. Values that only a cycle of reads-from and dependencies could
 * justify never enter it (out-of-thin-air values: LB+datas reads 42 in no
 * execution, as herd7 reports).
 *
 * Invariants: every path has at most LT_MAXEV events; a domain holds at
 * most LT_MAXDOM values, sorted, and contains the location's initial
 * value; every read's value and every write's value lie in the domain of
 * its location (writes are truncated to the location's width first).
 * Built once, then read-only: a built lt_program may be read from any
 * thread.
 */
#ifndef GOMM_LITMUS_EVENTS_H
#define GOMM_LITMUS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "relation.h"

#define LT_MAXDOM   64      /* values per location */
#define LT_MAXPATHS 1000000 /* paths per thread */

/* Event kinds (bits: an RMW is one event that is both R and W). */
enum { EV_R = 1, EV_W = 2, EV_F = 4 };

/* Event flags. */
enum {
    EF_LOCK = 1,     /* mtx_lock: an acquire RMW of the lock from 0 to 1 */
    EF_UNLOCK = 2,   /* mtx_unlock: a release store of 0 */
    EF_VOLATILE = 4, /* a plain access through a volatile parameter */
    EF_CASEXP = 8,   /* a CAS's access to its expected location */
    EF_CASFAIL = 16, /* the read of a failed CAS or cmpxchg */
};

typedef struct lt_event {
    int64_t rval; /* EV_R: the value read */
    int64_t wval; /* EV_W: the value written */
    int16_t loc;  /* location index; -1 for a fence */
    int8_t tid;   /* thread; -1 for an initial write */
    uint8_t kind; /* EV_* */
    uint8_t mo;   /* lt_mo; LT_NA for plain accesses and initial writes */
    uint8_t flags;
    int line; /* source line (0 for an initial write) */
} lt_event;

typedef struct lt_path {
    lt_event *ev; /* nev events in program order */
    int nev;
    int64_t *regs;  /* the thread's registers at the end */
    bool cut;       /* stopped at the unrolling bound: no final state */
    uint64_t *need; /* per location: domain indices this path reads */
    uint64_t *prov; /* per location: domain indices this path writes */
} lt_path;

typedef struct lt_thread_paths {
    lt_path *p;
    int n;
    uint64_t *anyprov; /* per location: OR of prov over all paths */
} lt_thread_paths;

typedef struct lt_program {
    const lt_test *t;
    int nthreads, nlocs;
    lt_thread_paths *th; /* one per thread */
    int64_t **dom;       /* per location: its value domain, sorted */
    int *ndom;
    int iterations; /* fixpoint rounds the domain took */
    bool converged; /* false: stopped at the round bound (see events.c) */
    struct lt_pool *pool;
} lt_program;

/* Runs every thread of t (while loops unrolled unroll times) into paths.
 * 0 on success; -1 with a message in err (a path over LT_MAXEV events, a
 * thread over LT_MAXPATHS paths, a domain over LT_MAXDOM values). */
int lt_program_build(const lt_test *t, int unroll, lt_program *p, char *err, size_t errlen);
void lt_program_free(lt_program *p);

/* The index of v in loc's domain, or -1. */
int lt_dom_index(const lt_program *p, int loc, int64_t v);

/* v as stored in a location of l's width and signedness. */
int64_t lt_to_width(const lt_loc *l, int64_t v);

#endif /* GOMM_LITMUS_EVENTS_H */
