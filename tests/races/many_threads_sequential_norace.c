/* race-corpus: expect=norace category=scale
 * What: 1000 threads created and joined one after another, each updating
 * the same variables as its predecessors: every pair is ordered by a join
 * and a create, however many thread slots the checker recycles. */
#include <pthread.h>
#include <stdio.h>

static long value;
static char buf[64];

static void *worker(void *arg)
{
    long id = (long)arg;
    value += id;
    buf[id % 64] = (char)id;
    return NULL;
}

int main(void)
{
    for (long i = 0; i < 1000; i++) {
        pthread_t t;
        pthread_create(&t, NULL, worker, (void *)i);
        pthread_join(t, NULL);
    }
    printf("%ld %d\n", value, buf[3]);
    return 0;
}
