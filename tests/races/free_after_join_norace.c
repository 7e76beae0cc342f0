/* race-corpus: expect=norace category=malloc
 * What: threads use a shared block (each its own part); main frees it only
 * after joining them all. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long *block;

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 16; i++)
        block[id * 16 + i] = id;
    return NULL;
}

int main(void)
{
    block = malloc(4 * 16 * sizeof *block);
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    long sum = 0;
    for (int i = 0; i < 64; i++)
        sum += block[i];
    free(block);
    printf("%ld\n", sum);
    return 0;
}
