/*
 * alloc/os.c — mmap/madvise wrappers and the metadata bump allocator.
 *
 * Locking: meta_alloc takes meta_lock (a leaf lock: nothing else is taken
 * while it is held). meta_sys is written under the lock and read with a
 * relaxed atomic load by the stats.
 */
#define _GNU_SOURCE
#include "os.h"
#include "nosuspend.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#define META_CHUNK ((size_t)256 << 10)

void *os_map(size_t len)
{
    void *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *os_map_aligned(size_t len, size_t align)
{
    size_t span = len + align;
    uint8_t *p = os_map(span);
    if (!p)
        return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p;
    size_t tail = span - head - len;
    if (head)
        munmap(p, head);
    if (tail)
        munmap((void *)(start + len), tail);
    return (void *)start;
}

void os_release(void *addr, size_t len)
{
    madvise(addr, len, MADV_DONTNEED);
}

static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *meta_cur, *meta_end;
static _Atomic uint64_t meta_sys;

void *meta_alloc(size_t len)
{
    len = (len + 63) & ~(size_t)63;
    gm_lock_nosusp(&meta_lock);
    if ((size_t)(meta_end - meta_cur) < len) {
        size_t chunk = len > META_CHUNK ? len : META_CHUNK;
        uint8_t *p = os_map(chunk);
        if (!p) {
            gm_unlock_nosusp(&meta_lock);
            return NULL;
        }
        meta_cur = p;
        meta_end = p + chunk;
        atomic_store_explicit(&meta_sys,
                              atomic_load_explicit(&meta_sys, memory_order_relaxed) + chunk,
                              memory_order_relaxed);
    }
    void *r = meta_cur;
    meta_cur += len;
    gm_unlock_nosusp(&meta_lock);
    return r; /* fresh mmap memory: already zero */
}

uint64_t meta_sys_bytes(void)
{
    return atomic_load_explicit(&meta_sys, memory_order_relaxed);
}

void meta_lock_for_fork(void)
{
    gm_lock_nosusp(&meta_lock);
}

void meta_unlock_after_fork(int child)
{
    if (child) {
        pthread_mutex_init(&meta_lock, NULL);
        gc_nosuspend_end();
    } else {
        gm_unlock_nosusp(&meta_lock);
    }
}
