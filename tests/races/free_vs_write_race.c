/* race-corpus: expect=race lines=17,26 category=malloc
 * What: main writes a block and, ordered only by a relaxed flag, another
 * thread frees it: free counts as a write of the whole block, unordered
 * with main's write. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int written; /* relaxed: orders nothing */

static void *releaser(void *arg)
{
    while (!atomic_load_explicit(&written, memory_order_relaxed))
        sched_yield();
    free(arg); /* race */
    return NULL;
}

int main(void)
{
    long *p = malloc(8 * sizeof *p);
    pthread_t t;
    pthread_create(&t, NULL, releaser, p);
    p[5] = 1; /* race */
    atomic_store_explicit(&written, 1, memory_order_relaxed);
    pthread_join(t, NULL);
    printf("done\n");
    return 0;
}
