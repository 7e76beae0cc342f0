/* race-corpus: expect=norace category=struct
 * What: bit-fields separated by a non-bit-field member are distinct memory
 * locations (C11 3.14): writes to them by two threads do not race. */
#include <pthread.h>
#include <stdio.h>

static struct {
    unsigned char lo : 4;
    char sep;
    unsigned char hi : 4;
} bf;

static void *writer(void *arg)
{
    (void)arg;
    bf.lo = 5;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    bf.hi = 9;
    pthread_join(t, NULL);
    printf("%u %u\n", bf.lo, bf.hi);
    return 0;
}
