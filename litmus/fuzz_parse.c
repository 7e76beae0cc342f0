/*
 * litmus/fuzz_parse.c — libFuzzer target for the litmus parser: any input
 * must either parse (and then generate its harness program and print its
 * states without fault) or fail with a "file:line:col: error:" message.
 * Built with clang -fsanitize=fuzzer,address,undefined in the asan preset
 * (tests/CMakeLists.txt; CI runs it for 60 s; docs/litmus-format.md says
 * how long it ran clean locally). Single-threaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "gen.h"

/* the embedded harness text is not needed to exercise the generator */
const char gomm_litmus_harness_src[] = "/* harness */\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    lt_test *t = lt_parse("fuzz.litmus", (const char *)data, size, err, sizeof err);
    if (!t) {
        if (strncmp(err, "fuzz.litmus:", 12) || !strstr(err, ": error: "))
            abort();
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        lt_gen_c(t, f);
        fclose(f);
    }
    free(buf);
    int64_t st[64] = {0};
    if (t->nvars <= 64) {
        char text[256];
        lt_state_text(t, st, text, sizeof text);
        (void)lt_prop_eval(t->cond, st);
        if (t->filter)
            (void)lt_prop_eval(t->filter, st);
    }
    (void)lt_has_plain_conflict(t);
    lt_test_free(t);
    return 0;
}
