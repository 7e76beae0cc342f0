/*
 * tools/gomm.c — the gomm command line.
 *
 * Subcommands: version, help, cc (tools/cc.c: a compiler driver that
 * builds programs for the race checker), run (tools/run.c: run such a
 * program and gate on its race reports), litmus (tools/litmus.c: the
 * litmus suite).
 * Exit status: 0 on success, 2 on a usage error (an unknown subcommand or
 * option is named in the message); cc and run document their own.
 */
#include <stdio.h>
#include <string.h>

#include <gomm/gomm.h>

#include "tools.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: gomm <command> [arguments]\n"
               "\n"
               "commands:\n"
               "  litmus [PATTERN...] [options]\n"
               "               run the litmus suite: memory-model shapes on this machine and\n"
               "               programs under the race checker (gomm litmus --help)\n"
               "  cc ARGS...   compile and link C for the race checker (a drop-in for cc)\n"
               "  run [options] -- PROG ARGS...\n"
               "               run PROG built by gomm cc and report its data races;\n"
               "               exits 66 on a race (gomm run --help for the options)\n"
               "  version      print gomm's version\n"
               "  help         print this help\n"
               "\n"
               "Run a program on gomm's allocator: LD_PRELOAD=<libdir>/libgomm_malloc.so PROG\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "cc"))
        return gomm_cc_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return gomm_run_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "litmus"))
        return gomm_litmus_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        if (argc > 2) {
            fprintf(stderr, "gomm version: unexpected argument '%s'\n", argv[2]);
            return 2;
        }
        printf("gomm version %s\n", gm_version());
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "gomm: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
