/*
 * gomm/race.h — race annotations for code not built by `gomm cc`.
 *
 * Tell the race checker about accesses and happens-before edges it cannot
 * see. In a program without the race runtime every call is a no-op and
 * gm_race_enabled() is false; linking libgomm_race turns them on (the same
 * way `go build -race` turns on the runtime's race hooks).
 */
#ifndef GOMM_RACE_H
#define GOMM_RACE_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void gm_race_read(const void *addr, size_t n);
void gm_race_write(const void *addr, size_t n);
void gm_race_acquire(const void *sync_addr);
void gm_race_release(const void *sync_addr);
void gm_race_release_merge(const void *sync_addr);
bool gm_race_enabled(void);

#ifdef __cplusplus
}
#endif

#endif /* GOMM_RACE_H */
