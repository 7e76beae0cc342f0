/*
 * alloc/fatal.c — "gomm: fatal error: ..." with a stack, then exit 2.
 *
 * The message is formatted into a stack buffer and written with write(2);
 * the stack comes from glibc's backtrace(), symbolized with
 * backtrace_symbols_fd() which writes straight to the descriptor without
 * allocating. backtrace() may load libgcc_s on its first call, which
 * allocates: gm_fatal warms it up in a constructor so that the allocation
 * happens at start-up, not in the middle of a broken heap. No shared state;
 * a second thread failing at the same time prints its own message.
 */
#define _GNU_SOURCE
#include "fatal.h"

#include <execinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

void gm_print_stack(int fd, int skip)
{
    void *frames[64];
    int n = backtrace(frames, 64);
    if (skip >= n)
        skip = 0;
    backtrace_symbols_fd(frames + skip, n - skip, fd);
}

void gm_fatal(const char *fmt, ...)
{
    char buf[512];
    int len = snprintf(buf, sizeof buf, "gomm: fatal error: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + len, sizeof buf - (size_t)len - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    len += m;
    if ((size_t)len > sizeof buf - 2)
        len = (int)sizeof buf - 2;
    buf[len++] = '\n';
    write_all(2, buf, (size_t)len);
    static const char hdr[] = "\ngoroutine stack (most recent call first):\n";
    write_all(2, hdr, sizeof hdr - 1);
    gm_print_stack(2, 1);
    _exit(2);
}

__attribute__((constructor)) static void fatal_warm_up(void)
{
    void *frame[1];
    backtrace(frame, 1);
}
