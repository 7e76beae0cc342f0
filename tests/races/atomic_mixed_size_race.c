/* race-corpus: expect=race lines=16,24 category=atomics
 * What: a plain 1-byte write into the middle of a word that another thread
 * updates atomically (fetch_add on 4 bytes): atomic vs plain on
 * overlapping bytes races. */
#include <pthread.h>
#include <stdio.h>

static union {
    unsigned word;
    unsigned char bytes[4];
} u;

static void *atomic_user(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&u.word, 1u, __ATOMIC_RELAXED); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, atomic_user, NULL);
    u.bytes[2] = 9; /* race */
    pthread_join(t, NULL);
    printf("%u\n", u.word);
    return 0;
}
