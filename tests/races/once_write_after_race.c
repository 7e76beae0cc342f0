/* race-corpus: expect=race lines=20,29 category=once
 * What: pthread_once orders the initializer before every caller, but not
 * the callers among themselves: one caller rewrites the initialized value
 * while another reads it. */
#include <pthread.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static long limit;

static void init(void)
{
    limit = 100;
}

static void *tuner(void *arg)
{
    (void)arg;
    pthread_once(&once, init);
    limit = 200; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, tuner, NULL);
    pthread_once(&once, init);
    long v = limit; /* race */
    pthread_join(t, NULL);
    printf("%ld\n", v);
    return 0;
}
