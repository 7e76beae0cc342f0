/*
 * tests/tools/progs/races.c — a pthreads program for the gomm cc / gomm run
 * tests, built by `gomm cc` in every way the tests try.
 *
 *   races none [STATUS]   no race (a mutex orders the counter); exits STATUS
 *   races a [STATUS]      one race: race_a_write vs race_a_read (global)
 *   races ab [STATUS]     the race of `a`, and a second one in race_b (heap);
 *                         the racy modes exit STATUS (the runtime makes it 66)
 *
 * Invariants: the racing accesses are on the lines marked RACE-A-WRITE,
 * RACE-A-READ and RACE-B; each racy mode joins its threads, so every race
 * is reported from a finished pair and the process exits normally (the
 * runtime then turns the status into 66).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int shared_a;
static int counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *race_a_write(void *arg)
{
    (void)arg;
    shared_a = 42; /* RACE-A-WRITE */
    return NULL;
}

static void *race_a_read(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)shared_a; /* RACE-A-READ */
}

static void *race_b(void *arg)
{
    int *p = arg;
    p[1]++; /* RACE-B */
    return NULL;
}

static void *locked(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static void run2(void *(*f)(void *), void *fa, void *(*g)(void *), void *ga)
{
    pthread_t a, b;
    pthread_create(&a, NULL, f, fa);
    pthread_create(&b, NULL, g, ga);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "none";
    if (!strcmp(mode, "none")) {
        run2(locked, NULL, locked, NULL);
        printf("races: none, counter=%d\n", counter);
        return argc > 2 ? atoi(argv[2]) : 0;
    }
    run2(race_a_write, NULL, race_a_read, NULL);
    if (strchr(mode, 'b')) {
        int *p = calloc(4, sizeof *p);
        run2(race_b, p, race_b, p);
        free(p);
    }
    printf("races: %s\n", mode);
    return argc > 2 ? atoi(argv[2]) : 0;
}
