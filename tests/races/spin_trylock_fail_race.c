/* race-corpus: expect=race lines=22,48 category=spinlock
 * What: a failed pthread_spin_trylock (EBUSY) acquires nothing; the reader
 * then reads data written before an earlier unlock. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_spinlock_t sl;
static atomic_int step; /* relaxed: orders nothing */
static int data;

static void wait_for(int n)
{
    while (atomic_load_explicit(&step, memory_order_relaxed) < n)
        sched_yield();
}

static void *t1(void *arg)
{
    (void)arg;
    data = 1; /* race */
    pthread_spin_lock(&sl);
    pthread_spin_unlock(&sl);
    atomic_store_explicit(&step, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    wait_for(1);
    pthread_spin_lock(&sl);
    atomic_store_explicit(&step, 2, memory_order_relaxed);
    wait_for(3);
    pthread_spin_unlock(&sl);
    return NULL;
}

int main(void)
{
    pthread_spin_init(&sl, PTHREAD_PROCESS_PRIVATE);
    pthread_t a, b;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    wait_for(2);
    int rc = pthread_spin_trylock(&sl);
    int v = data; /* race */
    atomic_store_explicit(&step, 3, memory_order_relaxed);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d %d\n", rc != 0, v);
    return 0;
}
