/*
 * tests/common/child.h — run a piece of a test in a forked child and keep
 * what it printed on stderr, its exit status or the signal that ended it:
 * how the tests check fatal errors ("gomm: fatal error: ...", exit 2) and
 * behaviour after fork. Used by tests/alloc and tests/sync; include it
 * after <cmocka.h>.
 */
#ifndef GOMM_TESTS_COMMON_CHILD_H
#define GOMM_TESTS_COMMON_CHILD_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct gt_child_outcome {
    int exited, status, signal;
    char err[16384];
};

/* Run fn(arg) in a forked child with stderr captured into o->err. A child
 * that returns from fn exits 0; a child still running after timeout_s is
 * killed by SIGALRM (o->signal). */
static inline void gt_run_child(void (*fn)(void *), void *arg, unsigned timeout_s,
                                struct gt_child_outcome *o)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        close(fds[1]);
        alarm(timeout_s);
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fds[0], o->err + len, sizeof o->err - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof o->err - 1) { /* keep draining so the child never blocks */
            char sink[4096];
            while (read(fds[0], sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    o->err[len] = '\0';
    close(fds[0]);
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    assert_int_equal(w, pid);
    o->exited = WIFEXITED(st);
    o->status = o->exited ? WEXITSTATUS(st) : -1;
    o->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

#endif /* GOMM_TESTS_COMMON_CHILD_H */
