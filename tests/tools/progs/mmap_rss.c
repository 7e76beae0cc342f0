/* tests/tools/progs/mmap_rss.c — munmap gives the shadow back: maps 32
 * MiB, writes a byte every 64 (so the checker's shadow of all of it is
 * resident), unmaps it, and exits 0 when the resident set shrank by at
 * least 1.5 times the mapping (the mapping itself plus most of its
 * shadow), else 1. Prints both sizes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static long rss_kib(void)
{
    long pages = -1, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(void)
{
    size_t n = (size_t)32 << 20;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < n; i += 64)
        p[i] = 1;
    long before = rss_kib();
    munmap(p, n);
    long after = rss_kib();
    printf("mapped %zu KiB: resident %ld KiB before munmap, %ld KiB after\n", n >> 10, before,
           after);
    if (before < 0 || after < 0)
        return 2;
    return before - after >= (long)(n >> 10) * 3 / 2 ? 0 : 1;
}
