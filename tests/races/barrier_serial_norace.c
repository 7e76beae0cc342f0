/* race-corpus: expect=norace category=barrier
 * What: after the first barrier, the one thread that gets
 * PTHREAD_BARRIER_SERIAL_THREAD sums every slot into a total; everybody
 * reads the total after the second barrier. */
#include <pthread.h>
#include <stdio.h>

#define N 4
static pthread_barrier_t bar;
static long slot[N];
static long total;

static void *worker(void *arg)
{
    long id = (long)arg;
    slot[id] = (id + 1) * 10;
    if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD) {
        for (int i = 0; i < N; i++)
            total += slot[i];
    }
    pthread_barrier_wait(&bar);
    return (void *)total;
}

int main(void)
{
    pthread_t t[N];
    void *ret;
    long sum = 0;
    pthread_barrier_init(&bar, NULL, N);
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    pthread_barrier_destroy(&bar);
    printf("%ld\n", sum);
    return 0;
}
