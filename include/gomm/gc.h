/*
 * gomm/gc.h — garbage-collected memory and sync.Pool.
 *
 * Objects from gm_new* live in gomm's size-class heap and are freed by a
 * concurrent mark-sweep collector after Go's once no root reaches them.
 * Roots: the stacks and registers of every thread gomm knows (threads
 * started by gm_go, and any thread once it called into gomm), the data and
 * bss of the program and its libraries, ranges given to gm_gc_add_roots,
 * and gm_malloc memory (which is never collected; channels live there, so
 * values in flight count too). Scanning is conservative: any word that
 * points into a live object (interior pointers too) keeps it alive;
 * gm_new_typed objects are scanned through their pointer mask only.
 *
 * The rule for stores: while the program runs, a pointer store INTO a
 * collected object (gm_new memory) must go through gm_write_ptr (or
 * gm_gc_memmove). Stores into stack variables, globals, registered roots
 * and gm_malloc memory need nothing. A store into a collected object that
 * bypasses the barrier can, if it happens while a collection is marking,
 * hide an object from the collector, which then frees it while it is still
 * in use. Code that cannot route such stores through the barrier runs with
 * GOMM_GC=stw (marking with the world stopped: no barrier needed).
 * docs/gc.md has the details, the environment variables and the limits.
 */
#ifndef GOMM_GC_H
#define GOMM_GC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A zeroed collected object of n bytes, scanned conservatively. NULL and
 * errno ENOMEM if no memory. gm_free must not be called on it. */
void *gm_new(size_t n);
/* A zeroed collected object that holds no pointers: never scanned. */
void *gm_new_noscan(size_t n);
/* A zeroed collected object scanned precisely: bit i of ptrmask (bit i%64
 * of ptrmask[i/64]) set iff word i (bytes 8i..8i+7) may hold a pointer.
 * The mask covers (n + 7) / 8 words and is copied (interned): it need not
 * outlive the call. ptrmask NULL is gm_new_noscan. */
void *gm_new_typed(size_t n, const uint64_t *ptrmask);

/* The write barrier: *(void **)slot = val, for slot inside a collected
 * object. One predictable branch when no collection is marking. */
void gm_write_ptr(void *slot, void *val);
/* memmove(dst, src, n) for dst inside a collected object, with the barrier
 * for every word it overwrites (pointer-aligned words). */
void gm_gc_memmove(void *dst, const void *src, size_t n);

/* Run a full collection now and wait for it: mark and sweep. */
void gm_gc(void);
/* [start, start+len) holds pointers to collected objects: scan it as a
 * root until removed (same start and len). */
void gm_gc_add_roots(void *start, size_t len);
void gm_gc_remove_roots(void *start, size_t len);
/* Run fn(obj, arg) on the finalizer thread once obj is unreachable; obj is
 * freed the cycle after, unless fn stored it somewhere reachable. fn NULL
 * removes obj's finalizer. obj must be the start of a gm_new object. */
void gm_gc_set_finalizer(void *obj, void (*fn)(void *obj, void *arg), void *arg);
/* Make the calling thread known to the collector (its stack becomes a
 * root). Any gomm call does it; a thread that holds collected pointers
 * before its first gomm call should call this first. */
void gm_gc_register_thread(void);

/* sync.Pool: a cache of interchangeable objects (gm_new objects: pooled
 * objects are dropped by collections, like Go's). Get returns an object
 * some Put gave it, or new_fn() (NULL if new_fn is NULL and the pool is
 * empty). Objects survive one collection in the victim cache and are
 * dropped by the second. Pools are never freed. */
typedef struct gm_pool gm_pool;
gm_pool *gm_pool_make(void *(*new_fn)(void));
void *gm_pool_get(gm_pool *p);
void gm_pool_put(gm_pool *p, void *x); /* x NULL: no-op */

#ifdef __cplusplus
}
#endif

#endif /* GOMM_GC_H */
