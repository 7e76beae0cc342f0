/*
 * A program outside the project, built against an installed gomm's race
 * build: gm_race_enabled() is true and an unsynchronized pair of writes is
 * reported (the process then exits 66, the checker's exit code).
 */
#include <gomm/gomm.h>
#include <gomm/race.h>
#include <stdatomic.h>
#include <stdio.h>

static int x;
static _Atomic int done; /* relaxed: no edge the checker sees */

static void writer(void *arg)
{
    (void)arg;
    gm_race_write(&x, sizeof x);
    x = 1;
    atomic_store_explicit(&done, 1, memory_order_relaxed);
}

int main(void)
{
    if (!gm_race_enabled())
        return 1;
    gm_go(writer, NULL);
    while (!atomic_load_explicit(&done, memory_order_relaxed)) {
    }
    gm_race_write(&x, sizeof x);
    x = 2;
    printf("race consumer ran\n");
    return 0;
}
