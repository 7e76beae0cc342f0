/* race-corpus: expect=norace category=mmap
 * What: T1 writes the pages at `target`; T2, ordered with T1 only by a
 * relaxed flag, moves a mapping of its own onto `target` with
 * mremap(MREMAP_MAYMOVE | MREMAP_FIXED), which replaces T1's pages, and
 * writes the moved pages. Different memory: no race. (A checker that does
 * not see mremap keeps T1's writes in the target's shadow.) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>

#define SIZE (16u << 10)
static atomic_int written; /* relaxed: orders nothing */
static char *target;

static void *t1(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < SIZE; i += 8)
        target[i] = 1;
    atomic_store_explicit(&written, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    char *own = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (own == MAP_FAILED)
        return (void *)-1;
    for (unsigned i = 0; i < SIZE; i += 8)
        own[i] = 3;
    while (!atomic_load_explicit(&written, memory_order_relaxed))
        sched_yield();
    char *q = mremap(own, SIZE, SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    if (q == MAP_FAILED)
        return (void *)-1;
    long sum = 0;
    for (unsigned i = 0; i < SIZE; i += 8) {
        sum += q[i]; /* 3: T2's own data moved along */
        q[i] = 2;
    }
    return (void *)sum;
}

int main(void)
{
    pthread_t a, b;
    void *sum;
    target = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (target == MAP_FAILED)
        return 1;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    pthread_join(a, NULL);
    pthread_join(b, &sum);
    munmap(target, SIZE);
    printf("%ld\n", (long)sum);
    return 0;
}
