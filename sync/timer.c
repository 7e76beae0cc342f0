/*
 * sync/timer.c — gm_after (time.After): one timer thread for all timers.
 *
 * Timers sit in a binary min-heap ordered by deadline (CLOCK_MONOTONIC),
 * under timer_lock (a pthread mutex: the timer thread sleeps on a condition
 * variable with a deadline). The thread starts with the first timer. When
 * a timer is due the thread sends the current time (CLOCK_REALTIME ns, an
 * int64_t) on the timer's channel, which has capacity 1 so the send never
 * blocks, then drops its reference to the channel.
 *
 * A gm_after channel has two references, the caller's and the timer's, so
 * that gm_chan_free before the timer fires is safe: it removes the timer
 * (dropping the timer's reference) or, if the timer thread already took
 * it, leaves the channel to the timer thread's reference.
 *
 * gm_timers_pending counts timers not yet delivered; the deadlock detector
 * never reports while one is pending (it could still wake somebody). It is
 * decremented after the send, so a receiver is already runnable by then.
 * fork: the child re-initializes the lock and restarts the thread if any
 * timer is pending.
 */
#define _GNU_SOURCE
#include "timer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <gomm/alloc.h>

#include "../alloc/fatal.h"
#include "chan_internal.h"
#include "race_hooks.h"

typedef struct gm_timer {
    int64_t when; /* CLOCK_MONOTONIC deadline, ns */
    gm_chan *c;
    size_t index;   /* position in the heap */
    void *race_ctx; /* race build: the delivery runs as a goroutine that
                       gm_after started (Go orders the call before it) */
} gm_timer;

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond;
static gm_timer **heap;
static size_t heap_len, heap_cap;
static bool thread_running;
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static void heap_swap(size_t i, size_t j)
{
    gm_timer *t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
    heap[i]->index = i;
    heap[j]->index = j;
}

static void heap_up(size_t i)
{
    while (i > 0 && heap[(i - 1) / 2]->when > heap[i]->when) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_len && heap[l]->when < heap[m]->when)
            m = l;
        if (r < heap_len && heap[r]->when < heap[m]->when)
            m = r;
        if (m == i)
            return;
        heap_swap(i, m);
        i = m;
    }
}

static void heap_remove(size_t i)
{
    heap_len--;
    if (i != heap_len) {
        heap[i] = heap[heap_len];
        heap[i]->index = i;
        heap_down(i);
        heap_up(i);
    }
}

static void deliver(gm_timer *t)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t v = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    RACE_GO_START(t->race_ctx);
    chan_send_unless_closed(t->c, &v);
    gm_chan_release_ref(t->c);
    RACE_GO_END();
    gm_free(t);
    atomic_fetch_sub_explicit(&gm_timers_pending, 1, memory_order_seq_cst);
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&timer_lock);
    for (;;) {
        if (heap_len == 0) {
            pthread_cond_wait(&timer_cond, &timer_lock);
            continue;
        }
        int64_t now = gm_nanotime();
        gm_timer *t = heap[0];
        if (t->when > now) {
            struct timespec ts = {t->when / 1000000000, t->when % 1000000000};
            pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
            continue;
        }
        heap_remove(0);
        t->c->timer = NULL;
        pthread_mutex_unlock(&timer_lock);
        deliver(t);
        pthread_mutex_lock(&timer_lock);
    }
    return NULL;
}

static void start_thread_locked(void)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, timer_main, NULL) != 0)
        gm_fatal("gm_after: cannot start the timer thread");
    pthread_attr_destroy(&attr);
    thread_running = true;
    atomic_fetch_add_explicit(&gm_runtime_threads, 1, memory_order_seq_cst);
}

static void timer_init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&timer_cond, &attr);
    pthread_condattr_destroy(&attr);
}

void gm_timer_atfork_prepare(void)
{
    pthread_mutex_lock(&timer_lock);
}

void gm_timer_atfork_parent(void)
{
    pthread_mutex_unlock(&timer_lock);
}

void gm_timer_atfork_child(void)
{
    /* the timer thread may have been waiting on the condition variable: its
     * state belongs to a thread the child does not have */
    pthread_mutex_init(&timer_lock, NULL);
    timer_init();
    thread_running = false; /* (g.c's handler reset the thread count) */
    pthread_mutex_lock(&timer_lock);
    if (heap_len > 0)
        start_thread_locked();
    pthread_mutex_unlock(&timer_lock);
}

gm_chan *gm_after(int64_t ns)
{
    gm_chan *c = gm_chan_make(sizeof(int64_t), 1);
    if (ns <= 0) { /* already due: deliver now */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t v = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
        gm_chan_try_send(c, &v);
        return c;
    }
    gm_sync_init();
    pthread_once(&timer_once, timer_init);
    gm_timer *t = gm_malloc(sizeof *t);
    if (!t)
        gm_fatal("gm_after: out of memory");
    t->when = gm_nanotime() + ns;
    t->c = c;
    t->race_ctx = RACE_GO_CREATE();
    atomic_store_explicit(&c->refs, 2, memory_order_relaxed);
    atomic_fetch_add_explicit(&gm_timers_pending, 1, memory_order_seq_cst);
    pthread_mutex_lock(&timer_lock);
    if (heap_len == heap_cap) {
        size_t ncap = heap_cap ? heap_cap * 2 : 64;
        gm_timer **n = gm_realloc(heap, ncap * sizeof *n);
        if (!n)
            gm_fatal("gm_after: out of memory");
        heap = n;
        heap_cap = ncap;
    }
    c->timer = t;
    t->index = heap_len;
    heap[heap_len++] = t;
    heap_up(t->index);
    if (!thread_running)
        start_thread_locked();
    if (heap[0] == t)
        pthread_cond_signal(&timer_cond);
    pthread_mutex_unlock(&timer_lock);
    return c;
}

void gm_timer_cancel(gm_chan *c)
{
    pthread_mutex_lock(&timer_lock);
    gm_timer *t = c->timer;
    if (t) {
        heap_remove(t->index);
        c->timer = NULL;
    }
    pthread_mutex_unlock(&timer_lock);
    if (t) {
        RACE_GO_DISCARD(t->race_ctx); /* the delivery will never run */
        gm_free(t);
        atomic_fetch_sub_explicit(&gm_timers_pending, 1, memory_order_seq_cst);
        gm_chan_release_ref(c); /* the timer's reference */
    }
}
