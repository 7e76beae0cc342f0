/* race-corpus: expect=race lines=15,26 category=mmap
 * What: memory from mmap is checked like any other: main maps a page and
 * creates a thread (which orders the mapping before the thread), then both
 * write the same word without synchronization. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

static long *page;

static void *writer(void *arg)
{
    (void)arg;
    page[0] = 1; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    pthread_create(&t, NULL, writer, NULL);
    page[0] = 2; /* race */
    pthread_join(t, NULL);
    printf("%ld\n", page[0]);
    munmap(page, 4096);
    return 0;
}
