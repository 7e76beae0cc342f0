/* race-corpus: expect=norace category=malloc
 * What: blocks from calloc, aligned_alloc and posix_memalign handed to a
 * worker through a mutex-protected queue and freed by the worker. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long *queue[3];
static int count;

static void *worker(void *arg)
{
    long sum = 0;
    (void)arg;
    pthread_mutex_lock(&m);
    while (count < 3)
        pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
    for (int i = 0; i < 3; i++) {
        sum += queue[i][0] + queue[i][7];
        free(queue[i]);
    }
    return (void *)sum;
}

int main(void)
{
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, worker, NULL);
    long *a = calloc(8, sizeof *a);
    long *b = aligned_alloc(64, 64);
    void *c = NULL;
    if (posix_memalign(&c, 128, 64) != 0)
        return 1;
    a[0] = 1;
    b[0] = 2;
    b[7] = 0;
    ((long *)c)[0] = 3;
    ((long *)c)[7] = 0;
    pthread_mutex_lock(&m);
    queue[0] = a;
    queue[1] = b;
    queue[2] = c;
    count = 3;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&m);
    pthread_join(t, &ret);
    printf("%ld\n", (long)ret);
    return 0;
}
