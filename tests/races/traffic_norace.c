/* race-corpus: expect=norace category=scale
 * What: two threads stream 50 MB through their own halves of one buffer,
 * then main reads all of it after the joins: lots of traffic, no race. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define TRAFFIC (50u << 20)
static long *buf;

static void *worker(void *arg)
{
    long id = (long)arg;
    size_t half = TRAFFIC / sizeof *buf / 2;
    for (size_t i = id * half; i < (id + 1) * half; i++)
        buf[i] = (long)i;
    return NULL;
}

int main(void)
{
    buf = malloc(TRAFFIC);
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    long sum = 0;
    for (size_t i = 0; i < TRAFFIC / sizeof *buf; i += 4096)
        sum += buf[i];
    free(buf);
    printf("%ld\n", sum);
    return 0;
}
