/*
 * tests/alloc/preload_probe.c — a plain C program that knows nothing of
 * gomm, run with LD_PRELOAD=libgomm_malloc.so.
 *
 * It first proves that the malloc family really is gomm's (the symbols of
 * libgomm_malloc.so are in the process and malloc resolves into it), then
 * exercises every function of the family with glibc's contracts, then
 * stresses malloc/free from several threads, and uses libc functions that
 * allocate internally (stdio, strdup, qsort, getline). Exit status 0 and
 * "preload probe: ok" on success; the first failed check prints what and
 * exits 1. Not a cmocka test: it must not link anything but libc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "preload probe: %s:%d: check failed: %s\n", __FILE__, __LINE__,        \
                    #cond);                                                                        \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Sizes from a volatile, so the compiler cannot fold calls or warn about
 * sizes it can see. */
static volatile size_t vsize_max = SIZE_MAX;
static volatile size_t v0 = 0;
static volatile size_t v24 = 24;
/* Hides a pointer's provenance: the failed reallocarray below leaves its
 * argument valid, which the compiler's use-after-free check cannot know. */
static void *volatile vptr;
static void *hide(void *p)
{
    vptr = p;
    return vptr;
}

typedef void *(*malloc_fn)(size_t);
typedef size_t (*usable_fn)(const void *);

static void check_running_on_gomm(void)
{
    void *gm = dlsym(RTLD_DEFAULT, "gm_malloc");
    CHECK(gm != NULL);
    usable_fn gm_usable = (usable_fn)dlsym(RTLD_DEFAULT, "gm_usable_size");
    CHECK(gm_usable != NULL);
    /* malloc itself resolves into libgomm_malloc.so */
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    CHECK(m != NULL && dladdr(m, &info) != 0 && info.dli_fname != NULL &&
          strstr(info.dli_fname, "libgomm_malloc") != NULL);
    if (failures) {
        fprintf(stderr, "preload probe: not running on gomm (is LD_PRELOAD set?)\n");
        exit(1);
    }
    /* and a malloc'd pointer is a gomm block: gomm's 112-byte class for
     * 100 bytes (glibc would say 104) */
    void *p = malloc(100);
    CHECK(gm_usable(p) == 112);
    CHECK(malloc_usable_size(p) == 112);
    free(p);
}

static void check_malloc_free(void)
{
    void *a = malloc(v0), *b = malloc(v0);
    CHECK(a != NULL && b != NULL && a != b); /* malloc(0): unique pointers */
    free(a);
    free(b);
    free(NULL);
    for (size_t n = 1; n <= 1 << 20; n = n * 2 + 1) {
        unsigned char *p = malloc(n);
        CHECK(p != NULL);
        memset(p, 0xab, n);
        CHECK(malloc_usable_size(p) >= n);
        CHECK((uintptr_t)p % (n >= 16 ? 16 : 8) == 0);
        free(p);
    }
    errno = 0;
    CHECK(malloc(vsize_max) == NULL && errno == ENOMEM);
}

static void check_calloc(void)
{
    unsigned char *d = malloc(4000);
    memset(d, 0xff, 4000);
    free(d);
    unsigned char *z = calloc(40, 100);
    CHECK(z != NULL);
    for (int i = 0; i < 4000; i++)
        if (z[i]) {
            CHECK(z[i] == 0);
            break;
        }
    free(z);
    errno = 0;
    CHECK(calloc(vsize_max, 2) == NULL && errno == ENOMEM);
    void *c0 = calloc(v0, 8);
    CHECK(c0 != NULL);
    free(c0);
}

static void check_realloc(void)
{
    char *p = realloc(NULL, 10);
    CHECK(p != NULL);
    memcpy(p, "0123456789", 10);
    p = realloc(p, 100000);
    CHECK(p != NULL && memcmp(p, "0123456789", 10) == 0);
    p = realloc(p, 5);
    CHECK(p != NULL && memcmp(p, "01234", 5) == 0);
    char *q = realloc(p, v0); /* glibc: frees, returns NULL */
    CHECK(q == NULL);

    char *r = malloc(64);
    strcpy(r, "reallocarray");
    errno = 0;
    CHECK(reallocarray(hide(r), vsize_max, 2) == NULL && errno == ENOMEM);
    CHECK(strcmp(r, "reallocarray") == 0); /* untouched */
    r = reallocarray(r, 1000, 10);
    CHECK(r != NULL && strcmp(r, "reallocarray") == 0);
    free(r);
}

static void check_aligned(void)
{
    for (size_t a = sizeof(void *); a <= 1 << 20; a <<= 1) {
        void *p = NULL;
        CHECK(posix_memalign(&p, a, 100) == 0 && p != NULL && (uintptr_t)p % a == 0);
        free(p);
        p = aligned_alloc(a, a * 2);
        CHECK(p != NULL && (uintptr_t)p % a == 0);
        free(p);
        p = memalign(a, 10);
        CHECK(p != NULL && (uintptr_t)p % a == 0);
        free(p);
    }
    void *sentinel = &failures, *p = sentinel;
    CHECK(posix_memalign(&p, v24, 100) == EINVAL && p == sentinel);
    CHECK(posix_memalign(&p, 4, 100) == EINVAL && p == sentinel);
    /* memalign rounds a non-power-of-two alignment up (glibc does too) */
    p = memalign(v24, 100);
    CHECK(p != NULL && (uintptr_t)p % 32 == 0);
    free(p);

    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    p = valloc(10);
    CHECK(p != NULL && (uintptr_t)p % page == 0);
    free(p);
    p = pvalloc(page + 1);
    CHECK(p != NULL && (uintptr_t)p % page == 0 && malloc_usable_size(p) >= 2 * page);
    free(p);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* libc calling malloc on our behalf */
static void check_libc_internal_allocations(void)
{
    char *s = strdup("a string from strdup");
    CHECK(s != NULL && strcmp(s, "a string from strdup") == 0);
    free(s);
    char *out = NULL;
    CHECK(asprintf(&out, "%d-%s", 42, "x") == 4 && strcmp(out, "42-x") == 0);
    free(out);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        for (int i = 0; i < 1000; i++)
            fprintf(f, "line %d\n", i);
        rewind(f);
        char *line = NULL;
        size_t cap = 0;
        int n = 0;
        while (getline(&line, &cap, f) > 0)
            n++;
        CHECK(n == 1000);
        free(line);
        fclose(f);
    }
    enum { N = 100000 };
    int *v = malloc(N * sizeof *v); /* qsort may malloc a temporary */
    for (int i = 0; i < N; i++)
        v[i] = (i * 7919) % N;
    qsort(v, N, sizeof *v, cmp_int);
    for (int i = 0; i < N; i++)
        if (v[i] != i) {
            CHECK(v[i] == i);
            break;
        }
    free(v);
}

/* ---- threads: allocate, hand half to the next thread, free ---- */
#define NT     4
#define ROUNDS 20000
static pthread_mutex_t hand_lock = PTHREAD_MUTEX_INITIALIZER;
static void *hand[NT][64];
static int hand_n[NT];
static int thread_failures[NT];

static void *thread_main(void *arg)
{
    int me = (int)(intptr_t)arg;
    unsigned seed = (unsigned)me * 2654435761u + 1;
    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % (seed % 50 == 0 ? 100000 : 600);
        unsigned char *p = malloc(n);
        if (!p) {
            thread_failures[me]++;
            continue;
        }
        memset(p, me + 1, n);
        if (r % 2) {
            pthread_mutex_lock(&hand_lock);
            int to = (me + 1) % NT;
            if (hand_n[to] < 64) {
                hand[to][hand_n[to]++] = p;
                p = NULL;
            }
            pthread_mutex_unlock(&hand_lock);
        }
        if (p) {
            if (p[n - 1] != me + 1)
                thread_failures[me]++;
            free(p);
        }
        pthread_mutex_lock(&hand_lock);
        while (hand_n[me] > 0)
            free(hand[me][--hand_n[me]]); /* freed by a thread that did not allocate it */
        pthread_mutex_unlock(&hand_lock);
    }
    return NULL;
}

static void check_threads(void)
{
    pthread_t t[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < NT; i++) {
        CHECK(thread_failures[i] == 0);
        while (hand_n[i] > 0)
            free(hand[i][--hand_n[i]]);
    }
}

int main(void)
{
    check_running_on_gomm();
    check_malloc_free();
    check_calloc();
    check_realloc();
    check_aligned();
    check_libc_internal_allocations();
    check_threads();
    if (failures) {
        fprintf(stderr, "preload probe: %d check(s) failed\n", failures);
        return 1;
    }
    printf("preload probe: ok\n");
    return 0;
}
