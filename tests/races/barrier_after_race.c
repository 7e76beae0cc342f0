/* race-corpus: expect=race lines=14,24 category=barrier
 * What: the write comes after the barrier, so the barrier does not order
 * it with the other thread's read, also after the barrier. */
#include <pthread.h>
#include <stdio.h>

static pthread_barrier_t bar;
static int shared;

static void *writer(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&bar);
    shared = 1; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_barrier_init(&bar, NULL, 2);
    pthread_create(&t, NULL, writer, NULL);
    pthread_barrier_wait(&bar);
    int v = shared; /* race */
    pthread_join(t, NULL);
    pthread_barrier_destroy(&bar);
    printf("%d\n", v);
    return 0;
}
