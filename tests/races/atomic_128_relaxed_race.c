/* race-corpus: expect=race lines=14,25 category=atomics cflags=-mcx16
 * What: a 16-byte atomic flag stored and loaded relaxed: no edge, the data
 * races. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static _Alignas(16) __int128 flag;
static long data;

static void *producer(void *arg)
{
    (void)arg;
    data = 5; /* race */
    __atomic_store_n(&flag, (__int128)1 << 70, __ATOMIC_RELAXED);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (__atomic_load_n(&flag, __ATOMIC_RELAXED) == 0)
        sched_yield();
    long v = data; /* race */
    pthread_join(p, NULL);
    printf("%ld\n", v);
    return 0;
}
