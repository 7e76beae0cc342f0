/* race-corpus: expect=norace category=mmap
 * What: main maps pages; T1 writes them; T2, ordered with T1 only by a
 * relaxed flag, maps new anonymous pages over them with MAP_FIXED (which
 * discards the old pages) and writes those. The writes are to different
 * memory, so they do not race. (A checker that does not see mmap keeps
 * T1's writes in the shadow of the replaced pages and reports them.) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>

#define SIZE (16u << 10)
static atomic_int written; /* relaxed: orders nothing */
static char *region;

static void *t1(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < SIZE; i += 8)
        region[i] = 1;
    atomic_store_explicit(&written, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&written, memory_order_relaxed))
        sched_yield();
    char *q =
        mmap(region, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (q == MAP_FAILED)
        return (void *)1;
    long sum = 0;
    for (unsigned i = 0; i < SIZE; i += 8) {
        sum += q[i]; /* 0: fresh pages */
        q[i] = 2;
    }
    return (void *)sum;
}

int main(void)
{
    pthread_t a, b;
    void *sum;
    region = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        return 1;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    pthread_join(a, NULL);
    pthread_join(b, &sum);
    munmap(region, SIZE);
    printf("%ld\n", (long)sum);
    return 0;
}
