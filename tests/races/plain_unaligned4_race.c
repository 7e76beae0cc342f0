/* race-corpus: expect=race lines=15,23 category=plain
 * What: an unaligned 4-byte write (packed field at offset 1) covers byte 3,
 * which another thread reads. */
#include <pthread.h>
#include <stdio.h>

static struct __attribute__((packed)) {
    char tag;
    int value; /* bytes 1..4 */
} p;

static void *writer(void *arg)
{
    (void)arg;
    p.value = 0x01020304; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    char v = ((volatile char *)&p)[3]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
