/* race-corpus: expect=race lines=15,15 category=classic
 * What: a plain int reference count decremented by several threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct obj {
    int refs;
    long payload;
};

static void *holder(void *arg)
{
    struct obj *o = arg;
    o->refs--; /* race */
    return NULL;
}

int main(void)
{
    struct obj *o = calloc(1, sizeof *o);
    o->refs = 3;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, holder, o);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%d\n", o->refs);
    free(o);
    return 0;
}
