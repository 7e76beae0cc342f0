/* race-corpus: expect=norace category=atomics
 * What: a pointer published with a release store and read with a consume
 * load; the data is reached through the pointer (a carried dependency).
 * Compilers and checkers treat consume as acquire. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct msg {
    int a, b;
};
static _Atomic(struct msg *) published;

static void *producer(void *arg)
{
    (void)arg;
    struct msg *m = malloc(sizeof *m);
    m->a = 1;
    m->b = 2;
    atomic_store_explicit(&published, m, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t p;
    struct msg *m;
    pthread_create(&p, NULL, producer, NULL);
    while (!(m = atomic_load_explicit(&published, memory_order_consume)))
        sched_yield();
    int v = m->a + m->b;
    pthread_join(p, NULL);
    free(m);
    printf("%d\n", v);
    return 0;
}
