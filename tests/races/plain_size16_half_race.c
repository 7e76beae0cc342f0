/* race-corpus: expect=race lines=14,22 category=plain
 * What: a 16-byte write overlaps an 8-byte read of its upper half. */
#include <pthread.h>
#include <stdio.h>

static union {
    _Alignas(16) __int128 whole;
    long half[2];
} u;

static void *writer(void *arg)
{
    (void)arg;
    u.whole = -1; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    long v = u.half[1]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v != 0);
    return 0;
}
