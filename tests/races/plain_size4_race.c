/* race-corpus: expect=race lines=11,19 category=plain
 * What: a 4-byte read in a thread and a 4-byte write in main, unordered. */
#include <pthread.h>
#include <stdio.h>

static int i;

static void *reader(void *arg)
{
    (void)arg;
    return (void *)(long)i; /* race */
}

int main(void)
{
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, reader, NULL);
    i = 42; /* race */
    pthread_join(t, &ret);
    printf("%d\n", ret != NULL);
    return 0;
}
