/* race-corpus: expect=norace category=mmap
 * What: T1 maps anonymous pages, writes them and unmaps them; T2, ordered
 * with T1 only by a relaxed flag, maps pages at the same address and
 * writes them. The new mapping is new memory: nothing T1 did to the old
 * pages can race with it. (A checker that keeps the old pages' shadow
 * past munmap reports T1's writes here.) The pages sit in a hole between
 * two PROT_NONE guard mappings (T1 maps them over a PROT_NONE reservation),
 * so that no other mapping takes their address in between. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define SIZE (64u << 10)
static atomic_int unmapped;      /* relaxed: orders nothing */
static _Atomic uintptr_t old_at; /* the address only */
static char *slot;               /* SIZE bytes of PROT_NONE between two more */

static void *t1(void *arg)
{
    (void)arg;
    char *p =
        mmap(slot, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        abort();
    for (unsigned i = 0; i < SIZE; i += 8)
        p[i] = 1;
    atomic_store_explicit(&old_at, (uintptr_t)p, memory_order_relaxed);
    munmap(p, SIZE);
    atomic_store_explicit(&unmapped, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&unmapped, memory_order_relaxed))
        sched_yield();
    void *hint = (void *)atomic_load_explicit(&old_at, memory_order_relaxed);
    char *q = mmap(hint, SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (q == MAP_FAILED) /* someone else took the address: any will do */
        q = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        return NULL;
    for (unsigned i = 0; i < SIZE; i += 8)
        q[i] = 2;
    long same = q == hint;
    munmap(q, SIZE);
    return (void *)same;
}

int main(void)
{
    pthread_t a, b;
    void *same;
    char *guards = mmap(NULL, 3 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guards == MAP_FAILED)
        return 1;
    slot = guards + SIZE;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    pthread_join(a, NULL);
    pthread_join(b, &same);
    munmap(guards, 3 * SIZE);
    printf("same address: %ld\n", (long)same);
    return 0;
}
