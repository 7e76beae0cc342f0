/* race-corpus: expect=race lines=16,24 category=plain
 * What: an unaligned 8-byte write at offset 5 crosses an 8-byte boundary;
 * a 1-byte read of byte 9 (in the next granule) races with it. */
#include <pthread.h>
#include <stdio.h>

static _Alignas(8) struct __attribute__((packed)) {
    char pad[5];
    long value; /* bytes 5..12 */
    char tail[3];
} p;

static void *writer(void *arg)
{
    (void)arg;
    p.value = -1; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    char v = ((volatile char *)&p)[9]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
