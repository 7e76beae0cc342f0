/* race-corpus: expect=norace category=classic
 * What: the classic (Boost, Linux kref) reference count: release fetch_sub,
 * and an acquire FENCE only in the thread that drops the last reference.
 * Correct under C11; TSan, which ignores fences, reports a false race on
 * the free.
 * (fixed gomm bug: this program was marked known until commit d2b923b)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__GNUC__) && !defined(__clang__)
/* gcc 12 warns that TSan does not support atomic_thread_fence; gomm's
 * checker does, and this program is about exactly that. */
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#define N 4
struct obj {
    atomic_int refs;
    long hits[N];
};

static void put(struct obj *o)
{
    if (atomic_fetch_sub_explicit(&o->refs, 1, memory_order_release) == 1) {
        atomic_thread_fence(memory_order_acquire);
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
