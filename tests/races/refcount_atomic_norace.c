/* race-corpus: expect=norace category=classic
 * What: reference counting with acq_rel fetch_sub: every holder writes the
 * object before dropping its reference; the last one reads it and frees
 * it.
 * (fixed gomm bug: this program was marked known until commit d2b923b)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4
struct obj {
    atomic_int refs;
    long hits[N];
};

static void put(struct obj *o)
{
    if (atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) == 1) {
        long sum = 0;
        for (int i = 0; i < N; i++)
            sum += o->hits[i];
        printf("%ld\n", sum);
        free(o);
    }
}

static void *holder(void *arg)
{
    struct obj *o = arg;
    static atomic_int next;
    int id = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
    o->hits[id] = id + 1;
    put(o);
    return NULL;
}

int main(void)
{
    struct obj *o = calloc(1, sizeof *o);
    atomic_init(&o->refs, N);
    pthread_t t[N];
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, holder, o);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    return 0;
}
