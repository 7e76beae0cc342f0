/* race-corpus: expect=norace category=plain
 * What: an unaligned 4-byte write to bytes 6..9 (across a granule boundary)
 * and writes to the neighbouring bytes 5 and 10 by another thread: the
 * byte ranges do not overlap, so there is no race. */
#include <pthread.h>
#include <stdio.h>

static _Alignas(8) struct __attribute__((packed)) {
    char pad[5];
    char before; /* byte 5 */
    int value;   /* bytes 6..9 */
    char after;  /* byte 10 */
} p;

static void *writer(void *arg)
{
    (void)arg;
    p.value = 0x11223344;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    p.before = 1;
    p.after = 2;
    pthread_join(t, NULL);
    printf("%d %d %x\n", p.before, p.after, (unsigned)p.value);
    return 0;
}
