/* race-corpus: expect=race lines=12,19 category=threads
 * What: two sibling threads created by a third write the same variable;
 * being created by the same parent orders nothing between them. */
#include <pthread.h>
#include <stdio.h>

static int shared;

static void *left(void *arg)
{
    (void)arg;
    shared = 1; /* race */
    return NULL;
}

static void *right(void *arg)
{
    (void)arg;
    shared = 2; /* race */
    return NULL;
}

static void *parent(void *arg)
{
    pthread_t l, r;
    (void)arg;
    pthread_create(&l, NULL, left, NULL);
    pthread_create(&r, NULL, right, NULL);
    pthread_join(l, NULL);
    pthread_join(r, NULL);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, parent, NULL);
    pthread_join(p, NULL);
    printf("%d\n", shared);
    return 0;
}
