/* race-corpus: expect=race lines=18,29 category=malloc
 * What: one thread grows a buffer with realloc (which moves it and frees
 * the old block) while another still reads the old block. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int step; /* relaxed: orders nothing */
static char *buf;

static void *grower(void *arg)
{
    char *old = arg;
    while (atomic_load_explicit(&step, memory_order_relaxed) < 1)
        sched_yield();
    char *grown = realloc(old, 1 << 20); /* race */
    buf = grown;
    return NULL;
}

int main(void)
{
    char *p = malloc(16);
    p[0] = 'a';
    pthread_t t;
    pthread_create(&t, NULL, grower, p);
    char c = p[0]; /* race */
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    pthread_join(t, NULL);
    printf("%c %d\n", c, buf != NULL);
    free(buf);
    return 0;
}
