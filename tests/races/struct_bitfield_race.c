/* race-corpus: expect=race lines=16,24 category=struct
 * What: two adjacent bit-fields are one memory location in C11 (3.14): a
 * store to either rewrites the shared storage unit, so writes to different
 * bit-fields race. */
#include <pthread.h>
#include <stdio.h>

static struct {
    unsigned lo : 4;
    unsigned hi : 4;
} bf;

static void *writer(void *arg)
{
    (void)arg;
    bf.lo = 5; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    bf.hi = 9; /* race */
    pthread_join(t, NULL);
    printf("%u %u\n", bf.lo, bf.hi);
    return 0;
}
