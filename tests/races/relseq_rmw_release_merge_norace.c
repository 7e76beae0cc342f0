/* race-corpus: expect=norace category=relseq
 * What: two producers each write their own data and then do a release
 * fetch_add on one counter; the consumer's acquire load that sees 2
 * synchronizes with both (the first RMW heads a release sequence the
 * second continues). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int done;
static long part[2];

static void *producer(void *arg)
{
    long id = (long)arg;
    part[id] = id + 10;
    atomic_fetch_add_explicit(&done, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, producer, (void *)i);
    while (atomic_load_explicit(&done, memory_order_acquire) != 2)
        sched_yield();
    long v = part[0] + part[1];
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", v);
    return 0;
}
