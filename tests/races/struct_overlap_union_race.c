/* race-corpus: expect=race lines=17,25 category=struct
 * What: one thread writes a union's 8-byte member, another reads a 2-byte
 * member that lies inside it: the bytes overlap. */
#include <pthread.h>
#include <stdio.h>

static union {
    long long whole;
    struct {
        short lo, mid, hi, top;
    } parts;
} u;

static void *writer(void *arg)
{
    (void)arg;
    u.whole = 0x0102030405060708LL; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    short v = u.parts.hi; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
