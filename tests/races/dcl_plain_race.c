/* race-corpus: expect=race lines=21,26 category=classic
 * What: double-checked locking with a plain flag: the unlocked first check
 * reads the flag that the initializer writes under the lock. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct config {
    int verbose;
};

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_int step; /* relaxed: orders nothing */
static int initialized;
static struct config *cfg;

static struct config *get_config(void)
{
    if (!initialized) { /* race */
        pthread_mutex_lock(&m);
        if (!initialized) {
            cfg = malloc(sizeof *cfg);
            cfg->verbose = 1;
            initialized = 1; /* race */
        }
        pthread_mutex_unlock(&m);
    }
    return cfg;
}

static void *first_user(void *arg)
{
    (void)arg;
    get_config();
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, first_user, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    struct config *c = get_config();
    int v = c->verbose;
    pthread_join(t, NULL);
    printf("%d\n", v);
    free(cfg);
    return 0;
}
