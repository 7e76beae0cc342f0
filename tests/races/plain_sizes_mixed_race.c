/* race-corpus: expect=race lines=15,23 category=plain
 * What: a 1-byte write inside an 8-byte word that another thread reads
 * whole: byte ranges overlap, so the accesses race. */
#include <pthread.h>
#include <stdio.h>

static union {
    long word;
    char bytes[8];
} u;

static void *writer(void *arg)
{
    (void)arg;
    u.bytes[6] = 7; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    long v = u.word; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v != 0);
    return 0;
}
