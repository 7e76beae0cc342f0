/* race-corpus: expect=race lines=35,55 category=mmap
 * What: T1 maps a page, keeps a mutex in it, writes `data` under the lock
 * and unmaps the page (without destroying the mutex). T2, ordered with T1
 * only by a relaxed flag, maps a page at the same address, makes a new
 * mutex there and reads `data` under it. The two mutexes are different
 * objects: T1's unlock does not synchronize with T2's lock, so the data
 * races. (A checker that keeps the unmapped mutex's clock lets T2's lock
 * acquire T1's unlock and misses the race.) The page sits in a hole
 * between two PROT_NONE guard mappings (T1 maps it over a PROT_NONE
 * reservation), so that no other mapping takes its address in between. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define SIZE 4096u
static atomic_int unmapped;      /* relaxed: orders nothing */
static _Atomic uintptr_t old_at; /* the address only */
static int data;
static char *slot; /* SIZE bytes of PROT_NONE between two more */

static void *t1(void *arg)
{
    (void)arg;
    pthread_mutex_t *m =
        mmap(slot, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (m == MAP_FAILED)
        abort();
    pthread_mutex_init(m, NULL);
    pthread_mutex_lock(m);
    data = 42; /* race */
    pthread_mutex_unlock(m);
    atomic_store_explicit(&old_at, (uintptr_t)m, memory_order_relaxed);
    munmap(m, SIZE);
    atomic_store_explicit(&unmapped, 1, memory_order_relaxed);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&unmapped, memory_order_relaxed))
        sched_yield();
    void *hint = (void *)atomic_load_explicit(&old_at, memory_order_relaxed);
    pthread_mutex_t *m = mmap(hint, SIZE, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m == MAP_FAILED) /* someone else took the address: the race stays */
        m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_mutex_init(m, NULL);
    pthread_mutex_lock(m);
    long v = data; /* race */
    pthread_mutex_unlock(m);
    long same = (void *)m == hint;
    munmap(m, SIZE);
    return (void *)(v + 100 * same);
}

int main(void)
{
    pthread_t a, b;
    void *v;
    char *guards = mmap(NULL, 3 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guards == MAP_FAILED)
        return 1;
    slot = guards + SIZE;
    pthread_create(&a, NULL, t1, NULL);
    pthread_create(&b, NULL, t2, NULL);
    pthread_join(a, NULL);
    pthread_join(b, &v);
    munmap(guards, 3 * SIZE);
    printf("%ld\n", (long)v);
    return 0;
}
