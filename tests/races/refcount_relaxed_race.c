/* race-corpus: expect=race lines=22,28 category=classic
 * What: reference counting with RELAXED decrements: the thread that drops
 * the last reference frees the object, but nothing orders the other
 * holder's write before that free. Two holders; the early one drops first
 * (a relaxed flag makes the order certain). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct obj {
    long stamp; /* first: the free's range check meets it before refs */
    atomic_int refs;
};

static atomic_int step; /* relaxed: orders nothing */

static void put(struct obj *o)
{
    if (atomic_fetch_sub_explicit(&o->refs, 1, memory_order_relaxed) == 1)
        free(o); /* race */
}

static void *early(void *arg)
{
    struct obj *o = arg;
    o->stamp = 1; /* race */
    put(o);
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

static void *late(void *arg)
{
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    put(arg);
    return NULL;
}

int main(void)
{
    struct obj *o = calloc(1, sizeof *o);
    atomic_init(&o->refs, 2);
    pthread_t a, b;
    pthread_create(&a, NULL, early, o);
    pthread_create(&b, NULL, late, o);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("done\n");
    return 0;
}
