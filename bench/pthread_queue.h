/*
 * bench/pthread_queue.h — the plain-pthreads baselines of bench/sync_bench.c:
 * what a C programmer writes with one pthread_mutex_t and pthread_cond_t's
 * when there is no channel library.
 *
 *   pq        a FIFO of int64_t values, capacity cap. cap > 0: a bounded
 *             ring (send waits while full, recv while empty). cap == 0: a
 *             rendezvous, like an unbuffered channel: send puts its value in
 *             a one-value slot and returns only once a receiver has taken
 *             it (Go's rule: the receive completes before the send does).
 *   pq_group  NQ bounded rings behind ONE mutex, with one "some ring is not
 *             empty" condvar: the pthread way to wait on several queues at
 *             once (a thread cannot wait on several condvars), used as the
 *             baseline of select. pq_group_recv_any takes from a ready ring
 *             chosen uniformly at random, as select does.
 *
 * Every send signals the receivers' condvar and every receive the senders'
 * (glibc's pthread_cond_signal with no waiter is an atomic load, no system
 * call). No spinning, no atomics of our own: the baseline is the textbook
 * monitor. Errors from pthread calls are ignored (they cannot fail on
 * correctly initialized objects).
 */
#ifndef GOMM_BENCH_PTHREAD_QUEUE_H
#define GOMM_BENCH_PTHREAD_QUEUE_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct pq {
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* receivers wait here */
    pthread_cond_t not_full;  /* senders wait here for space (cap 0: a free slot) */
    pthread_cond_t taken;     /* cap 0: a sender waits for its value to be taken */
    size_t cap;               /* 0: rendezvous */
    size_t head, count;       /* ring of max(cap, 1) slots */
    uint64_t nsent, ntaken;   /* cap 0: values put in / taken out of the slot */
    int64_t *buf;
} pq;

static inline void pq_init(pq *q, size_t cap)
{
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->taken, NULL);
    q->cap = cap;
    q->head = q->count = 0;
    q->nsent = q->ntaken = 0;
    q->buf = calloc(cap ? cap : 1, sizeof *q->buf);
    if (!q->buf)
        abort();
}

static inline void pq_destroy(pq *q)
{
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->taken);
    free(q->buf);
}

static inline void pq_send(pq *q, int64_t v)
{
    size_t slots = q->cap ? q->cap : 1;
    pthread_mutex_lock(&q->mu);
    while (q->count == slots)
        pthread_cond_wait(&q->not_full, &q->mu);
    size_t tail = q->head + q->count;
    q->buf[tail >= slots ? tail - slots : tail] = v;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    if (q->cap == 0) {
        /* rendezvous: wait until a receiver has taken this value */
        uint64_t mine = ++q->nsent;
        while (q->ntaken < mine)
            pthread_cond_wait(&q->taken, &q->mu);
    }
    pthread_mutex_unlock(&q->mu);
}

static inline int64_t pq_recv(pq *q)
{
    size_t slots = q->cap ? q->cap : 1;
    pthread_mutex_lock(&q->mu);
    while (q->count == 0)
        pthread_cond_wait(&q->not_empty, &q->mu);
    int64_t v = q->buf[q->head];
    if (++q->head == slots)
        q->head = 0;
    q->count--;
    if (q->cap == 0) {
        q->ntaken++;
        /* broadcast: the sender of this value may not be the only waiter */
        pthread_cond_broadcast(&q->taken);
    }
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->mu);
    return v;
}

/* ---- NQ rings behind one lock: the baseline of a select over NQ channels ---- */

#define PQ_GROUP_MAX 8

typedef struct pq_group {
    pthread_mutex_t mu;
    pthread_cond_t any_not_empty;          /* the receiver waits here */
    pthread_cond_t not_full[PQ_GROUP_MAX]; /* senders to ring i wait here */
    size_t nq, cap;
    size_t head[PQ_GROUP_MAX], count[PQ_GROUP_MAX];
    size_t total;  /* values in all rings */
    uint64_t rand; /* xorshift64 state (receiver's pick) */
    int64_t *buf[PQ_GROUP_MAX];
} pq_group;

static inline void pq_group_init(pq_group *g, size_t nq, size_t cap)
{
    if (nq == 0 || nq > PQ_GROUP_MAX || cap == 0)
        abort();
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->any_not_empty, NULL);
    g->nq = nq;
    g->cap = cap;
    g->total = 0;
    g->rand = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < nq; i++) {
        pthread_cond_init(&g->not_full[i], NULL);
        g->head[i] = g->count[i] = 0;
        g->buf[i] = calloc(cap, sizeof *g->buf[i]);
        if (!g->buf[i])
            abort();
    }
}

static inline void pq_group_destroy(pq_group *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->any_not_empty);
    for (size_t i = 0; i < g->nq; i++) {
        pthread_cond_destroy(&g->not_full[i]);
        free(g->buf[i]);
    }
}

static inline void pq_group_send(pq_group *g, size_t i, int64_t v)
{
    pthread_mutex_lock(&g->mu);
    while (g->count[i] == g->cap)
        pthread_cond_wait(&g->not_full[i], &g->mu);
    size_t tail = g->head[i] + g->count[i];
    g->buf[i][tail >= g->cap ? tail - g->cap : tail] = v;
    g->count[i]++;
    g->total++;
    pthread_cond_signal(&g->any_not_empty);
    pthread_mutex_unlock(&g->mu);
}

/* Receive from any non-empty ring, chosen uniformly among the non-empty
 * ones; *which = its index. */
static inline int64_t pq_group_recv_any(pq_group *g, size_t *which)
{
    pthread_mutex_lock(&g->mu);
    while (g->total == 0)
        pthread_cond_wait(&g->any_not_empty, &g->mu);
    size_t ready[PQ_GROUP_MAX], nready = 0;
    for (size_t i = 0; i < g->nq; i++)
        if (g->count[i])
            ready[nready++] = i;
    uint64_t x = g->rand;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g->rand = x;
    size_t i = ready[(size_t)((x >> 32) * nready >> 32)];
    int64_t v = g->buf[i][g->head[i]];
    if (++g->head[i] == g->cap)
        g->head[i] = 0;
    g->count[i]--;
    g->total--;
    pthread_cond_signal(&g->not_full[i]);
    pthread_mutex_unlock(&g->mu);
    *which = i;
    return v;
}

#endif /* GOMM_BENCH_PTHREAD_QUEUE_H */
