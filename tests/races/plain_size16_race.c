/* race-corpus: expect=race lines=11,19 category=plain
 * What: a 16-byte (__int128, aligned) write against a 16-byte read. */
#include <pthread.h>
#include <stdio.h>

static _Alignas(16) __int128 q;

static void *writer(void *arg)
{
    (void)arg;
    q = (__int128)1 << 100; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    __int128 v = q; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v != 0);
    return 0;
}
