/* race-corpus: expect=norace category=threads
 * What: a thread leaves through pthread_exit from a nested call; the join
 * still orders its writes before main's reads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void finish(long *out)
{
    out[1] = out[0] * 2;
    pthread_exit(out);
}

static void *worker(void *arg)
{
    long *out = arg;
    out[0] = 21;
    finish(out);
    return NULL;
}

int main(void)
{
    long *out = malloc(2 * sizeof *out);
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, worker, out);
    pthread_join(t, &ret);
    printf("%ld\n", ((long *)ret)[1]);
    free(out);
    return 0;
}
