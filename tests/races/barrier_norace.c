/* race-corpus: expect=norace category=barrier
 * What: each phase writes own slots, a barrier, then reads the neighbours'
 * slots: the barrier orders every write before every read. */
#include <pthread.h>
#include <stdio.h>

#define N 4
static pthread_barrier_t bar;
static long slot[N];

static void *worker(void *arg)
{
    long id = (long)arg, sum = 0;
    for (int phase = 0; phase < 3; phase++) {
        slot[id] = id + phase;
        pthread_barrier_wait(&bar);
        sum += slot[(id + 1) % N];
        pthread_barrier_wait(&bar);
    }
    return (void *)sum;
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
