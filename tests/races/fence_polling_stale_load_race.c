/* race-corpus: expect=race lines=19,34 category=fences
 * What: polling with the acquire fence BEFORE each relaxed load: the load
 * that finally reads 1 has no acquire fence after it, and the fences
 * before it follow loads that read 0, so nothing synchronizes and the data
 * races. A tight loop (no yield), so loads run while the store happens.
 * (fixed gomm bug: a load now takes the clock of the store it read, not a newer one)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;
static int data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42; /* race */
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
    return NULL;
}

int main(void)
{
    pthread_t p;
    int seen;
    pthread_create(&p, NULL, producer, NULL);
    do {
        atomic_thread_fence(memory_order_acquire);
        seen = atomic_load_explicit(&flag, memory_order_relaxed);
    } while (!seen);
    int v = data; /* race */
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
