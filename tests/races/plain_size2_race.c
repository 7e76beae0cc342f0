/* race-corpus: expect=race lines=11,19 category=plain
 * What: a 2-byte write in one thread and a 2-byte read in another, unordered. */
#include <pthread.h>
#include <stdio.h>

static short s;

static void *writer(void *arg)
{
    (void)arg;
    s = 1234; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    short v = s; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v == 1234);
    return 0;
}
