/* race-corpus: expect=race lines=14,23 category=mutex
 * What: one thread locks around its write, the other reads without the
 * lock. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int balance;

static void *deposit(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    balance += 10; /* race */
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, deposit, NULL);
    int v = balance; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
