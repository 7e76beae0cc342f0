/*
 * tests/alloc/test_gc_stress.c — the write barrier under concurrent
 * marking: threads keep moving the only pointer to objects between
 * collected objects, their stacks and a shared mailbox while collections
 * run back to back. No object that is reachable may ever be freed: every
 * object carries a canary derived from its id, checked on every visit (a
 * freed and reused slot fails it; under ASan a freed slot is poisoned and
 * the read itself is reported). The verdict depends on iteration counts
 * only, never on timing. In GOMM_GC=stw mode (CTest runs it both ways) the
 * same moves happen with plain stores, which that mode allows.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomm/gomm.h>

#include "test_util.h"

#define NTHREADS 4
#define SLOTS    64
#define MAILBOX  32
#define MAGIC    0xc0ffee1234567890ull

typedef struct node {
    uint64_t canary; /* MAGIC ^ id */
    uint64_t id;
    struct node *child;
    uint64_t pad[3];
} node;

typedef struct holder {
    node *slot[SLOTS];
} holder;

static holder *holders[NTHREADS]; /* globals: roots */
static holder *mailbox;
static gm_mutex mailbox_mu;
static _Atomic int failures;
static _Atomic int done_workers;
static _Atomic uint64_t next_id = 1;
static bool plain_stores; /* GOMM_GC=stw: no barrier needed */

static void store(void *slot, void *val)
{
    if (plain_stores)
        *(void **)slot = val;
    else
        gm_write_ptr(slot, val);
}

static void check(const node *n)
{
    if (n && n->canary != (MAGIC ^ n->id)) {
        if (atomic_fetch_add(&failures, 1) < 5)
            fprintf(stderr, "node %p: canary %llx id %llu: freed while reachable\n", (void *)n,
                    (unsigned long long)n->canary, (unsigned long long)n->id);
    }
}

/* Check n and its chain of children (bounded: chains may form cycles). */
static void walk(const node *n)
{
    for (int depth = 0; n && depth < 32; depth++, n = n->child)
        check(n);
}

static node *new_node(void)
{
    node *n = gm_new(sizeof *n);
    n->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    n->canary = MAGIC ^ n->id;
    return n;
}

static void *worker(void *arg)
{
    int self = (int)(intptr_t)arg;
    gm_gc_register_thread();
    holder *h = holders[self];
    uint64_t rnd = 0x9E3779B97F4A7C15ull * (uint64_t)(self + 1);
    long iters = GT_SCALED(1000000);
    for (long it = 0; it < iters; it++) {
        unsigned i = (unsigned)(gt_rand(&rnd) % SLOTS), j = (unsigned)(gt_rand(&rnd) % SLOTS);
        switch (gt_rand(&rnd) % 6) {
        case 0: /* a new object replaces whatever the slot held */
            store(&h->slot[i], new_node());
            break;
        case 1: { /* the only pointer goes to the stack for a while */
            node *volatile n = h->slot[i];
            store(&h->slot[i], NULL);
            for (int k = 0; k < 8; k++)
                (void)gm_new(48); /* garbage: drives cycles and assists */
            check(n);
            if (!h->slot[j])
                store(&h->slot[j], n);
            else if (n)
                store(&h->slot[i], n);
            break;
        }
        case 2: { /* the only pointer goes into another object */
            node *n = h->slot[i], *m = h->slot[j];
            if (n && m && i != j) {
                store(&m->child, n);
                store(&h->slot[i], NULL);
            }
            break;
        }
        case 3: { /* and back out */
            node *m = h->slot[j];
            if (m && m->child && !h->slot[i]) {
                node *c = m->child;
                check(c);
                store(&h->slot[i], c);
                store(&m->child, NULL);
            }
            break;
        }
        case 4: { /* swap with the mailbox: objects change threads */
            unsigned k = (unsigned)(gt_rand(&rnd) % MAILBOX);
            gm_mutex_lock(&mailbox_mu);
            node *mine = h->slot[i], *theirs = mailbox->slot[k];
            store(&mailbox->slot[k], mine);
            store(&h->slot[i], theirs);
            gm_mutex_unlock(&mailbox_mu);
            walk(theirs);
            break;
        }
        default:
            walk(h->slot[i]);
            break;
        }
    }
    for (int i = 0; i < SLOTS; i++)
        walk(h->slot[i]);
    atomic_fetch_add(&done_workers, 1);
    return NULL;
}

static void test_moving_the_only_pointer_during_marking_never_loses_an_object(void **state)
{
    (void)state;
    const char *mode = getenv("GOMM_GC");
    plain_stores = (mode && !strcmp(mode, "stw")) || getenv("GC_STRESS_NO_BARRIER");
    gm_memstats ms0, ms1;
    gm_read_memstats(&ms0);
    mailbox = gm_new(sizeof(holder));
    for (int t = 0; t < NTHREADS; t++)
        holders[t] = gm_new(sizeof(holder));
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t), 0);
    int forced = 0;
    while (atomic_load(&done_workers) < NTHREADS) {
        gm_gc();
        forced++;
    }
    gm_blocking_enter(); /* waiting outside gomm: not a stop's concern */
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    gm_blocking_exit();
    gm_gc();
    gm_gc();
    for (int t = 0; t < NTHREADS; t++)
        for (int i = 0; i < SLOTS; i++)
            walk(holders[t]->slot[i]);
    for (int i = 0; i < MAILBOX; i++)
        walk(mailbox->slot[i]);
    gm_read_memstats(&ms1);
    print_message("%d forced cycles, %u cycles in all, %llu objects freed\n", forced,
                  ms1.num_gc - ms0.num_gc,
                  (unsigned long long)(ms1.gc_freed_objects - ms0.gc_freed_objects));
    assert_int_equal(atomic_load(&failures), 0);
    assert_true(ms1.num_gc - ms0.num_gc >= 3);
    assert_true(ms1.gc_freed_objects > ms0.gc_freed_objects);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moving_the_only_pointer_during_marking_never_loses_an_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
