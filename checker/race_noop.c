/*
 * checker/race_noop.c — gomm/race.h in a program without the race runtime.
 *
 * The plain library (libgomm) carries these no-ops so that annotated code
 * links and runs at full speed; the race runtime (libgomm_race) defines the
 * same names for real. No state, nothing to lock.
 */
#include <gomm/race.h>

void gm_race_read(const void *addr, size_t n)
{
    (void)addr;
    (void)n;
}

void gm_race_write(const void *addr, size_t n)
{
    (void)addr;
    (void)n;
}

void gm_race_acquire(const void *sync_addr)
{
    (void)sync_addr;
}

void gm_race_release(const void *sync_addr)
{
    (void)sync_addr;
}

void gm_race_release_merge(const void *sync_addr)
{
    (void)sync_addr;
}

bool gm_race_enabled(void)
{
    return false;
}
