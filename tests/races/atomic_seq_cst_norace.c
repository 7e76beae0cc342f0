/* race-corpus: expect=norace category=atomics
 * What: message passing with the default (seq_cst) atomic_store and
 * atomic_load. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_long flag;
static long data[4];

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++)
        data[i] = i + 1;
    atomic_store(&flag, 1);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!atomic_load(&flag))
        sched_yield();
    long v = data[0] + data[3];
    data[1] = 0;
    pthread_join(p, NULL);
    printf("%ld\n", v);
    return 0;
}
