/*
 * tests/tools/progs/spawn.c — a parent that is not instrumented (a plain
 * `cc` build) and runs its arguments as a child, the way a test runner or
 * a shell script does: `gomm run` must find the child's races.
 *
 *   spawn PROG ARGS...   runs PROG, waits, exits 0 if PROG exited 0 or 66
 *                        (a race, which gomm run judges), else PROG's status
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("spawn: exec");
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return 2;
    if (!WIFEXITED(st))
        return 3;
    return WEXITSTATUS(st) == 66 ? 0 : WEXITSTATUS(st);
}
