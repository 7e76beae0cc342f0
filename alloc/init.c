/*
 * alloc/init.c — one-time start-up of the allocator, and fork safety.
 *
 * Start-up runs once (pthread_once) on the first allocation of any thread:
 * central locks, the page heap's options, the cache key.
 * gm_alloc_ready is then set with release (pairs with the acquire in
 * gm_alloc_ensure_init), so a thread that sees it sees every table.
 *
 * fork(): pthread_atfork handlers take every allocator lock before the fork
 * (in the lock order of internal.h) and release them in the parent; the
 * child re-initializes them, and hands the caches of the threads that do not
 * exist in the child back to the pool, so the child's heap stays usable.
 * The handlers are registered after the first cache exists, because
 * pthread_atfork itself may allocate.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "internal.h"
#include "os.h"

_Atomic bool gm_alloc_ready;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Atomic bool atfork_registered;

static void prefork(void)
{
    cache_lock_for_fork();
    central_lock_for_fork();
    heap_lock_for_fork();
    meta_lock_for_fork();
}

static void postfork_parent(void)
{
    meta_unlock_after_fork(0);
    heap_unlock_after_fork(0);
    central_unlock_after_fork(0);
    cache_unlock_after_fork(0);
}

static void postfork_child(void)
{
    meta_unlock_after_fork(1);
    heap_unlock_after_fork(1);
    central_unlock_after_fork(1);
    cache_unlock_after_fork(1);
}

static void init_once_fn(void)
{
    central_init();
    heap_init();
    cache_init();
    /* release: pairs with the acquire in gm_alloc_ensure_init */
    atomic_store_explicit(&gm_alloc_ready, true, memory_order_release);
}

void gm_alloc_init_slow(void)
{
    pthread_once(&init_once, init_once_fn);
}

void gm_alloc_register_atfork(void)
{
    if (!atomic_load_explicit(&atfork_registered, memory_order_relaxed) &&
        !atomic_exchange_explicit(&atfork_registered, true, memory_order_relaxed))
        pthread_atfork(prefork, postfork_parent, postfork_child);
}
