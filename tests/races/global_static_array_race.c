/* race-corpus: expect=race lines=12,20 category=memory
 * What: a static array element written by one thread and read by another
 * through a different index expression. */
#include <pthread.h>
#include <stdio.h>

static int grid[4][4];

static void *writer(void *arg)
{
    (void)arg;
    grid[2][1] = 5; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    int v = ((int *)grid)[9]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
