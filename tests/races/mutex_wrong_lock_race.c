/* race-corpus: expect=race lines=14,23 category=mutex
 * What: two threads protect the same counter with two different mutexes. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t ma = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mb = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *inc_a(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&ma);
    counter += 1; /* race */
    pthread_mutex_unlock(&ma);
    return NULL;
}

static void *inc_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mb);
    counter += 2; /* race */
    pthread_mutex_unlock(&mb);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, inc_a, NULL);
    pthread_create(&b, NULL, inc_b, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%ld\n", counter);
    return 0;
}
