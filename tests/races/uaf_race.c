/* race-corpus: expect=race lines=15,28 category=malloc
 * What: a thread frees a block while main still uses it, with nothing in
 * between but a relaxed flag: main's read is a use after free, unordered
 * with the free (reported as heap-use-after-free). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int freed; /* relaxed: orders nothing */

static void *releaser(void *arg)
{
    free(arg); /* race */
    atomic_store_explicit(&freed, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    int *p = malloc(16 * sizeof *p);
    p[3] = 5;
    pthread_t t;
    pthread_create(&t, NULL, releaser, p);
    while (!atomic_load_explicit(&freed, memory_order_relaxed))
        sched_yield();
    int v = p[3]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v != 12345);
    return 0;
}
