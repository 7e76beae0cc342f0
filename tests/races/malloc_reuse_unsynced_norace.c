/* race-corpus: expect=norace category=malloc
 * What: T1 writes a large block and frees it; T2, ordered with T1 only by
 * a relaxed flag, allocates the same size and writes it. C11 (7.22.3p2)
 * makes each deallocation synchronize with the next allocation of that
 * memory, so even when the block comes back at the same address there is
 * no race. The block is mmapped (mallopt below), so munmap and the next
 * mmap usually give the same address. */
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (4u << 20)
static atomic_int freed;              /* relaxed: orders nothing */
static _Atomic uintptr_t first_block; /* the address only, for the report */

static void *t1(void *arg)
{
    (void)arg;
    char *p = malloc(SIZE);
    for (unsigned i = 0; i < SIZE; i += 4096)
        p[i] = 1;
    atomic_store_explicit(&first_block, (uintptr_t)p, memory_order_relaxed);
    free(p);
    atomic_store_explicit(&freed, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&freed, memory_order_relaxed))
        sched_yield();
    char *q = malloc(SIZE);
    for (unsigned i = 0; i < SIZE; i += 4096)
        q[i] = 2;
    long reused = (uintptr_t)q == atomic_load_explicit(&first_block, memory_order_relaxed);
    free(q);
    return (void *)reused;
}

int main(void)
{
    pthread_t a, b;
    void *reused;
    mallopt(M_MMAP_THRESHOLD, 1 << 20); /* fixed: blocks above 1 MiB are mmapped */
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    pthread_join(a, NULL);
    pthread_join(b, &reused);
    printf("reused=%ld\n", (long)reused);
    return 0;
}
