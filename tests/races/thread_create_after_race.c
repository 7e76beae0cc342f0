/* race-corpus: expect=race lines=12,20 category=threads
 * What: data written after pthread_create is not ordered with the thread's
 * read. */
#include <pthread.h>
#include <stdio.h>

static int config;

static void *reader(void *arg)
{
    (void)arg;
    return (void *)(long)config; /* race */
}

int main(void)
{
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, reader, NULL);
    config = 42; /* race */
    pthread_join(t, &ret);
    printf("%ld\n", (long)ret);
    return 0;
}
