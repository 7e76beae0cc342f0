/* race-corpus: expect=norace category=atomics cflags=-mcx16
 * What: a 16-byte atomic (__int128, lock-free with -mcx16) used as a
 * release/acquire flag.
 * (fixed gomm bug: this program was marked known until commit d2b923b)
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static _Alignas(16) __int128 flag;
static long data;

static void *producer(void *arg)
{
    (void)arg;
    data = 5;
    __atomic_store_n(&flag, (__int128)1 << 70, __ATOMIC_RELEASE);
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (__atomic_load_n(&flag, __ATOMIC_ACQUIRE) == 0)
        sched_yield();
    long v = data;
    pthread_join(p, NULL);
    printf("%ld\n", v);
    return 0;
}
