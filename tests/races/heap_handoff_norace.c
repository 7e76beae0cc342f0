/* race-corpus: expect=norace category=memory
 * What: a heap block filled before pthread_create, read by the thread,
 * then written and freed by main after the join. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *sum(void *arg)
{
    long *v = arg, s = 0;
    for (int i = 0; i < 64; i++)
        s += v[i];
    v[0] = s;
    return NULL;
}

int main(void)
{
    long *v = malloc(64 * sizeof *v);
    for (int i = 0; i < 64; i++)
        v[i] = i;
    pthread_t t;
    pthread_create(&t, NULL, sum, v);
    pthread_join(t, NULL);
    printf("%ld\n", v[0]);
    v[1] = 0;
    free(v);
    return 0;
}
