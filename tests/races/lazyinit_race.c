/* race-corpus: expect=race lines=15,17 category=classic
 * What: lazy initialization without any synchronization: the second user
 * reads the pointer the first user wrote. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int step; /* relaxed: orders nothing */
static int *table;

static int *get_table(void)
{
    if (table == NULL) { /* race */
        int *t = calloc(16, sizeof *t);
        table = t; /* race */
    }
    return table;
}

static void *first(void *arg)
{
    (void)arg;
    get_table();
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, first, NULL);
    while (!atomic_load_explicit(&step, memory_order_relaxed))
        sched_yield();
    int *tab = get_table();
    pthread_join(t, NULL);
    printf("%d\n", tab != NULL);
    free(table);
    return 0;
}
