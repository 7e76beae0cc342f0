/*
 * checker/mem.c — the checker's own allocator (see mem.h).
 *
 * Power-of-two classes from 16 B to 64 KiB. Each class has a LIFO free
 * list and a bump region carved from 1 MiB chunks; both under the class's
 * spin lock (test-and-test-and-set, acquire on lock, release on unlock).
 * Freed blocks are zeroed by gm_rt_free's caller-independent memset before
 * they go back on the list, so gm_rt_alloc returns zeroed memory without
 * touching fresh (already zero) pages. Chunks are never returned to the OS:
 * the checker's metadata lives as long as the process.
 */
#define _GNU_SOURCE
#include "mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "../alloc/fatal.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 16
#define NCLASS    (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK     (1u << 20)

typedef struct free_block {
    struct free_block *next;
} free_block;

typedef struct rt_class {
    _Atomic int lock;
    free_block *free;
    char *bump, *end;
} rt_class;

static rt_class classes[NCLASS];

static void spin_lock(_Atomic int *l)
{
    for (;;) {
        if (!atomic_exchange_explicit(l, 1, memory_order_acquire))
            return;
        while (atomic_load_explicit(l, memory_order_relaxed))
            __builtin_ia32_pause();
    }
}

static void spin_unlock(_Atomic int *l)
{
    atomic_store_explicit(l, 0, memory_order_release);
}

void *gm_rt_map(size_t n)
{
    n = (n + 4095) & ~(size_t)4095;
    void *p =
        mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        gm_fatal("race checker: out of memory mapping %zu bytes", n);
    return p;
}

void gm_rt_unmap(void *p, size_t n)
{
    n = (n + 4095) & ~(size_t)4095;
    munmap(p, n);
}

static int class_of(size_t n)
{
    if (n <= (1u << MIN_SHIFT))
        return 0;
    int s = 64 - __builtin_clzll((unsigned long long)(n - 1));
    return s - MIN_SHIFT;
}

void *gm_rt_alloc(size_t n)
{
    if (n > (1u << MAX_SHIFT))
        return gm_rt_map(n);
    int c = class_of(n);
    size_t sz = (size_t)1 << (c + MIN_SHIFT);
    rt_class *k = &classes[c];
    spin_lock(&k->lock);
    void *p = k->free;
    if (p) {
        k->free = k->free->next;
        spin_unlock(&k->lock);
        ((free_block *)p)->next = NULL; /* the rest was zeroed on free */
        return p;
    }
    if (k->bump == NULL || (size_t)(k->end - k->bump) < sz) {
        spin_unlock(&k->lock);
        char *chunk = gm_rt_map(CHUNK); /* outside the lock */
        spin_lock(&k->lock);
        /* the tail of an old region is dropped; a lost race wastes a chunk
         * region at worst, never hands out a block twice */
        k->bump = chunk;
        k->end = chunk + CHUNK;
    }
    p = k->bump;
    k->bump += sz;
    spin_unlock(&k->lock);
    return p;
}

void gm_rt_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n > (1u << MAX_SHIFT)) {
        gm_rt_unmap(p, n);
        return;
    }
    int c = class_of(n);
    size_t sz = (size_t)1 << (c + MIN_SHIFT);
    memset(p, 0, sz);
    rt_class *k = &classes[c];
    spin_lock(&k->lock);
    ((free_block *)p)->next = k->free;
    k->free = p;
    spin_unlock(&k->lock);
}

char *gm_rt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gm_rt_alloc(n);
    memcpy(p, s, n);
    return p;
}

/* fork child: a class lock another thread held is free again */
void gm_rt_mem_fork_child(void)
{
    for (int c = 0; c < NCLASS; c++)
        atomic_store_explicit(&classes[c].lock, 0, memory_order_relaxed);
}
