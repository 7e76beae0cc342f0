/* race-corpus: expect=race lines=11,19 category=plain
 * What: 8-byte (double) writes from two threads, unordered. */
#include <pthread.h>
#include <stdio.h>

static double d;

static void *writer(void *arg)
{
    (void)arg;
    d = 1.5; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    d = 2.5; /* race */
    pthread_join(t, NULL);
    printf("%g\n", d);
    return 0;
}
