/*
 * litmus/embed.c — build-time helper: writes a C file that defines
 * `const char NAME[]` holding the bytes of an input file (used to embed
 * litmus/harness.c into gomm). Usage: embed NAME INPUT OUTPUT.
 * Exit status 0, or 1 with a message naming the file that failed.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: embed NAME INPUT OUTPUT\n");
        return 1;
    }
    FILE *in = fopen(argv[2], "rb");
    if (!in) {
        perror(argv[2]);
        return 1;
    }
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        fclose(in);
        return 1;
    }
    fprintf(out, "/* generated from %s by litmus/embed.c */\nconst char %s[] = {\n", argv[2],
            argv[1]);
    int c, n = 0;
    while ((c = fgetc(in)) != EOF)
        fprintf(out, "%d,%s", c, ++n % 20 ? "" : "\n");
    fprintf(out, "0};\n");
    int bad = ferror(in) || ferror(out);
    fclose(in);
    if (fclose(out) || bad) {
        fprintf(stderr, "embed: write failed\n");
        return 1;
    }
    return 0;
}
