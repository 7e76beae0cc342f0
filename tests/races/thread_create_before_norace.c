/* race-corpus: expect=norace category=threads
 * What: data written before pthread_create is visible to the new thread
 * (creation is a happens-before edge). */
#include <pthread.h>
#include <stdio.h>

static int config;

static void *reader(void *arg)
{
    (void)arg;
    return (void *)(long)config;
}

int main(void)
{
    pthread_t t;
    void *ret;
    config = 42;
    pthread_create(&t, NULL, reader, NULL);
    pthread_join(t, &ret);
    printf("%ld\n", (long)ret);
    return 0;
}
