/* race-corpus: expect=norace category=classic
 * What: double-checked locking done right: the fast path is an acquire
 * load of the pointer, the slow path publishes with a release store under
 * the lock. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct config {
    int verbose;
    int level;
};

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct config *) cfg;

static struct config *get_config(void)
{
    struct config *c = atomic_load_explicit(&cfg, memory_order_acquire);
    if (!c) {
        pthread_mutex_lock(&m);
        c = atomic_load_explicit(&cfg, memory_order_relaxed);
        if (!c) {
            c = malloc(sizeof *c);
            c->verbose = 1;
            c->level = 3;
            atomic_store_explicit(&cfg, c, memory_order_release);
        }
        pthread_mutex_unlock(&m);
    }
    return c;
}

static void *user(void *arg)
{
    (void)arg;
    struct config *c = get_config();
    return (void *)(long)(c->verbose + c->level);
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long sum = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, user, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("%ld\n", sum);
    free(atomic_load(&cfg));
    return 0;
}
