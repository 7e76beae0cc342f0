/*
 * alloc/os.h — the allocator's view of the OS: address space and metadata.
 *
 * os_map / os_map_aligned reserve and commit anonymous memory (never
 * touched, so not resident until used); os_release gives pages back with
 * MADV_DONTNEED (RSS drops at once and the pages read as zero afterwards,
 * unlike MADV_FREE: the behaviour users watching RSS expect, see Go #28466).
 * meta_alloc is a bump allocator for metadata that is never freed (span
 * descriptors, caches), under its own lock; bytes counted in meta_sys.
 */
#ifndef GOMM_ALLOC_OS_H
#define GOMM_ALLOC_OS_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden) /* internal to the library */

void *os_map(size_t len);                       /* NULL on failure */
void *os_map_aligned(size_t len, size_t align); /* NULL on failure */
void os_release(void *addr, size_t len);
void *meta_alloc(size_t len); /* zeroed, 64-byte aligned */
uint64_t meta_sys_bytes(void);
void meta_lock_for_fork(void);
void meta_unlock_after_fork(int child);

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_OS_H */
