/* race-corpus: expect=race lines=11,11 category=memory
 * What: a global counter incremented by two threads without a lock. */
#include <pthread.h>
#include <stdio.h>

long counter;

static void *inc(void *arg)
{
    (void)arg;
    counter++; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, inc, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", counter);
    return 0;
}
