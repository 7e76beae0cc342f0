/*
 * tools/gomm.c — the gomm command line.
 *
 * Subcommands: version, help. (litmus, cc and run come with their issues.)
 * Exit status: 0 on success, 2 on a usage error (an unknown subcommand or
 * option is named in the message).
 */
#include <stdio.h>
#include <string.h>

#include <gomm/gomm.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: gomm <command> [arguments]\n"
               "\n"
               "commands:\n"
               "  version    print gomm's version\n"
               "  help       print this help\n"
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
