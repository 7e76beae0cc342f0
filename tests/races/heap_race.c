/* race-corpus: expect=race lines=10,19 category=memory
 * What: a heap int written by a thread and by main, unordered. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *writer(void *arg)
{
    int *p = arg;
    *p = 1; /* race */
    return NULL;
}

int main(void)
{
    int *p = malloc(sizeof *p);
    pthread_t t;
    pthread_create(&t, NULL, writer, p);
    *p = 2; /* race */
    pthread_join(t, NULL);
    printf("%d\n", *p);
    free(p);
    return 0;
}
