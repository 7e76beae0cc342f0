/* race-corpus: expect=race lines=19,32 category=condvar
 * What: the data is written after the mutex is released, just before the
 * signal. pthread_cond_signal orders nothing by itself, so the waiter's
 * read races with that write. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;
static int data;

static void *signaller(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_mutex_unlock(&m);
    data = 42; /* race */
    pthread_cond_signal(&cv);
    return NULL;
}

int main(void)
{
    pthread_t s;
    pthread_create(&s, NULL, signaller, NULL);
    pthread_mutex_lock(&m);
    while (!ready)
        pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
    int v = data; /* race */
    pthread_join(s, NULL);
    printf("%d\n", v);
    return 0;
}
