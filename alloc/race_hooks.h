/*
 * alloc/race_hooks.h — where the allocator tells the race checker about
 * memory (the allocator side of ARCHITECTURE.md's "race hooks").
 *
 * The plain build (libgomm) compiles these to nothing. The race build
 * (libgomm_race, GOMM_RACE defined) reports every block it hands out (the
 * checker resets the block's shadow: reused memory raises no false race,
 * and records the allocation for "Location is heap block" reports) and
 * every free (a write to the whole block: an unordered access before it
 * is a race, one after it a use-after-free). The allocator registers a
 * finder so reports can name the block holding an address. Nothing here
 * takes an allocator lock; the checker never calls back into the heap.
 */
#ifndef GOMM_ALLOC_RACE_HOOKS_H
#define GOMM_ALLOC_RACE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

#ifdef GOMM_RACE
void gm_race_alloc_hook(void *p, size_t req, size_t usable, uintptr_t pc);
void gm_race_free_hook(void *p, size_t usable, uintptr_t pc);
void gm_race_read_pc(const void *p, size_t n, uintptr_t pc);
void gm_race_set_block_finder(bool (*f)(uintptr_t addr, uintptr_t *start, size_t *size));
#define RACE_CALLER_PC ((uintptr_t)__builtin_return_address(0))
#define RACE_ALLOC(p, req, usable)                                                                 \
    do {                                                                                           \
        if (p)                                                                                     \
            gm_race_alloc_hook((p), (req), (usable), RACE_CALLER_PC);                              \
    } while (0)
#define RACE_FREE(p, usable) gm_race_free_hook((p), (usable), RACE_CALLER_PC)
/* The same, naming pc as the caller (gm_realloc passes its own caller's). */
#define RACE_ALLOC_PC(p, req, usable, pc)                                                          \
    do {                                                                                           \
        if (p)                                                                                     \
            gm_race_alloc_hook((p), (req), (usable), (pc));                                        \
    } while (0)
#define RACE_FREE_PC(p, usable, pc) gm_race_free_hook((p), (usable), (pc))
#define RACE_READ_RANGE(p, n)       gm_race_read_pc((p), (n), RACE_CALLER_PC)
#else
#define RACE_ALLOC(p, req, usable)        ((void)(p), (void)(req))
#define RACE_FREE(p, usable)              ((void)(p))
#define RACE_ALLOC_PC(p, req, usable, pc) ((void)(p), (void)(req), (void)(pc))
#define RACE_FREE_PC(p, usable, pc)       ((void)(p), (void)(pc))
#define RACE_READ_RANGE(p, n)             ((void)(p), (void)(n))
#endif

#pragma GCC visibility pop

#endif /* GOMM_ALLOC_RACE_HOOKS_H */
