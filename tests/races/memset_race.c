/* race-corpus: expect=race lines=13,21 category=memfn
 * What: memset of a 64-byte buffer in one thread, a read of its last byte
 * in another: the memset's range write overlaps. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char buf[64];

static void *clear(void *arg)
{
    (void)arg;
    memset(buf, 0x5a, sizeof buf); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, clear, NULL);
    char c = buf[63]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", c);
    return 0;
}
