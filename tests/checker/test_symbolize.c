/*
 * tests/checker/test_symbolize.c — the libdw symbolizer on this very
 * program: a function's name, file and line; an always_inline callee
 * expanded into its own frame above its caller; a function whose CU has no
 * .debug_aranges entry; an address in nothing; a global variable; a
 * library loaded after the first lookup.
 *
 * Function names come from the symbol table and need no debug info; file,
 * line and inlined frames need DWARF. When this binary has none (a build
 * without -g), the DWARF checks are skipped with a message, the others
 * still run.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "symbolize.h"

/* AddressSanitizer pads globals with a redzone, and their symbols grow. */
#if defined(__SANITIZE_ADDRESS__)
#define GM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GM_ASAN 1
#endif
#endif

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

/* The return address of the call to here(): a pc inside the caller. */
NOINLINE static uintptr_t here(void)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
    return pc;
}

static int known_line; /* the line of the call inside known_function */

NOINLINE uintptr_t known_function(void)
{
    known_line = __LINE__ + 1;
    uintptr_t pc = here();
    __asm__ volatile("" ::: "memory"); /* no tail call: pc stays in here */
    return pc;
}

static int inlined_line, call_line;

static inline __attribute__((always_inline)) uintptr_t inlined_callee(void)
{
    inlined_line = __LINE__ + 1;
    uintptr_t pc = here();
    __asm__ volatile("" ::: "memory");
    return pc;
}

NOINLINE uintptr_t inlining_caller(void)
{
    call_line = __LINE__ + 1;
    uintptr_t pc = inlined_callee();
    __asm__ volatile("" ::: "memory");
    return pc;
}

/* A function whose CU has no .debug_aranges entry, as clang emits none,
 * in a binary whose other CUs may have some, as gcc emits them: the
 * address falls in a gap between other CUs' entries, which libdwfl counts
 * as the preceding CU's. Hand-made DWARF 5 in the forms clang uses
 * (DW_AT_ranges as DW_FORM_rnglistx, addresses as DW_FORM_addrx, with
 * their own .debug_addr and .debug_rnglists contributions). No line table:
 * the subprogram's DWARF name, unlike its symbol's, shows that the right
 * CU was found. Its own section keeps it out of this object's .text and so
 * out of this CU's aranges; subsection 1 puts its DWARF after the
 * compiler's, which clang may address from the start of each section.
 * x86-64 ELF only. */
#if defined(__x86_64__) && defined(__ELF__)
#define GM_NOARANGES 1
void gm_test_noaranges_fn(void);
__asm__(".pushsection .text.gm_test_noaranges,\"ax\",@progbits\n"
        ".globl gm_test_noaranges_fn\n"
        ".type gm_test_noaranges_fn,@function\n"
        "gm_test_noaranges_fn:\n"
        "nop\nnop\nnop\nnop\nnop\nnop\nnop\nret\n"
        ".Lgm_na_end:\n"
        ".size gm_test_noaranges_fn,.Lgm_na_end-gm_test_noaranges_fn\n"
        ".popsection\n"

        ".pushsection .debug_abbrev,\"\",@progbits\n"
        ".subsection 1\n"
        ".Lgm_na_abbrev:\n"
        ".uleb128 1\n.uleb128 0x11\n.byte 1\n" /* compile_unit, children */
        ".uleb128 0x25\n.uleb128 0x08\n"       /* producer: string */
        ".uleb128 0x03\n.uleb128 0x08\n"       /* name: string */
        ".uleb128 0x11\n.uleb128 0x01\n"       /* low_pc: addr */
        ".uleb128 0x55\n.uleb128 0x23\n"       /* ranges: rnglistx */
        ".uleb128 0x73\n.uleb128 0x17\n"       /* addr_base: sec_offset */
        ".uleb128 0x74\n.uleb128 0x17\n"       /* rnglists_base: sec_offset */
        ".uleb128 0\n.uleb128 0\n"
        ".uleb128 2\n.uleb128 0x2e\n.byte 0\n" /* subprogram, no children */
        ".uleb128 0x11\n.uleb128 0x1b\n"       /* low_pc: addrx */
        ".uleb128 0x12\n.uleb128 0x06\n"       /* high_pc: data4 */
        ".uleb128 0x03\n.uleb128 0x08\n"       /* name: string */
        ".uleb128 0x3f\n.uleb128 0x19\n"       /* external: flag_present */
        ".uleb128 0\n.uleb128 0\n"
        ".uleb128 0\n"
        ".popsection\n"

        ".pushsection .debug_info,\"\",@progbits\n"
        ".subsection 1\n"
        ".long .Lgm_na_info_end-.Lgm_na_info_start\n"
        ".Lgm_na_info_start:\n"
        ".short 5\n.byte 1\n.byte 8\n" /* DWARF 5, DW_UT_compile, 8-byte addresses */
        ".long .Lgm_na_abbrev\n"
        ".uleb128 1\n"
        ".asciz \"gomm test_symbolize\"\n"
        ".asciz \"gm_test_noaranges.s\"\n"
        ".quad 0\n"
        ".uleb128 0\n"
        ".long .Lgm_na_addr_base\n"
        ".long .Lgm_na_rng_base\n"
        ".uleb128 2\n"
        ".uleb128 0\n"
        ".long .Lgm_na_end-gm_test_noaranges_fn\n"
        ".asciz \"gm_test_noaranges_dwarf_name\"\n"
        ".byte 0\n"
        ".Lgm_na_info_end:\n"
        ".popsection\n"

        ".pushsection .debug_addr,\"\",@progbits\n"
        ".subsection 1\n"
        ".long .Lgm_na_addr_end-.Lgm_na_addr_start\n"
        ".Lgm_na_addr_start:\n"
        ".short 5\n.byte 8\n.byte 0\n"
        ".Lgm_na_addr_base:\n"
        ".quad gm_test_noaranges_fn\n"
        ".Lgm_na_addr_end:\n"
        ".popsection\n"

        ".pushsection .debug_rnglists,\"\",@progbits\n"
        ".subsection 1\n"
        ".long .Lgm_na_rng_end-.Lgm_na_rng_start\n"
        ".Lgm_na_rng_start:\n"
        ".short 5\n.byte 8\n.byte 0\n"
        ".long 1\n" /* one offset */
        ".Lgm_na_rng_base:\n"
        ".long .Lgm_na_rl0-.Lgm_na_rng_base\n"
        ".Lgm_na_rl0:\n"
        ".byte 3\n.uleb128 0\n"                       /* DW_RLE_startx_length: addr 0 */
        ".uleb128 .Lgm_na_end-gm_test_noaranges_fn\n" /* its length */
        ".byte 0\n"                                   /* DW_RLE_end_of_list */
        ".Lgm_na_rng_end:\n"
        ".popsection\n");
#endif

long gm_test_global_var = 42;
static char gm_test_static_array[64] = {1};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *self_name(void)
{
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    assert_true(n > 0);
    path[n] = '\0';
    return path;
}

static void check_module_is_self(const char *module)
{
    assert_non_null(module);
    const char *self = self_name();
    if (strcmp(module, self) != 0)
        fail_msg("module %s, want %s", module, self);
}

static void test_function_line(void **state)
{
    (void)state;
    uintptr_t pc = known_function();
    gm_symframe f[8];
    int n = gm_symbolize(pc, false, f, 8);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].pc, pc);
    assert_non_null(f[0].function);
    assert_string_equal(f[0].function, "known_function");
    assert_false(f[0].inlined);
    check_module_is_self(f[0].module);
    assert_true(f[0].module_offset > 0);
    assert_true(f[0].module_offset < pc);
    /* the same pc twice: the same interned strings */
    gm_symframe g[8];
    assert_int_equal(gm_symbolize(pc, false, g, 8), 1);
    assert_ptr_equal(g[0].function, f[0].function);
    assert_ptr_equal(g[0].module, f[0].module);
    assert_int_equal(g[0].module_offset, f[0].module_offset);
    if (!f[0].file) {
        print_message("no DWARF in this binary: file:line checks skipped\n");
        return;
    }
    if (!ends_with(f[0].file, "test_symbolize.c"))
        fail_msg("file %s", f[0].file);
    assert_int_equal(f[0].line, known_line);
    assert_true(f[0].column > 0);
}

static void test_exact_pc(void **state)
{
    (void)state;
    /* a function's entry point, exact: the function itself (pc-1 would be
     * whatever precedes it) */
    uintptr_t pc = (uintptr_t)&known_function;
    gm_symframe f[4];
    assert_int_equal(gm_symbolize(pc, true, f, 4), 1);
    assert_non_null(f[0].function);
    assert_string_equal(f[0].function, "known_function");
}

static void test_inlined(void **state)
{
    (void)state;
    uintptr_t pc = inlining_caller();
    gm_symframe f[8];
    int n = gm_symbolize(pc, false, f, 8);
    assert_true(n >= 1);
    if (!f[0].file) {
        assert_int_equal(n, 1);
        assert_non_null(f[0].function);
        assert_string_equal(f[0].function, "inlining_caller");
        print_message("no DWARF in this binary: inlined-frame checks skipped\n");
        return;
    }
    assert_int_equal(n, 2);
    assert_non_null(f[0].function);
    assert_non_null(f[1].function);
    assert_string_equal(f[0].function, "inlined_callee");
    assert_true(f[0].inlined);
    assert_int_equal(f[0].line, inlined_line);
    assert_string_equal(f[1].function, "inlining_caller");
    assert_false(f[1].inlined);
    assert_int_equal(f[1].line, call_line);
    assert_non_null(f[1].file);
    assert_true(ends_with(f[1].file, "test_symbolize.c"));
    assert_true(f[1].column > 0);
    /* one pc: same module offset in both frames */
    assert_int_equal(f[0].pc, pc);
    assert_int_equal(f[1].pc, pc);
    assert_int_equal(f[0].module_offset, f[1].module_offset);
    assert_ptr_equal(f[0].module, f[1].module);

    /* room for one frame only: the innermost */
    gm_symframe one;
    assert_int_equal(gm_symbolize(pc, false, &one, 1), 1);
    assert_string_equal(one.function, "inlined_callee");
}

static void test_cu_without_aranges(void **state)
{
    (void)state;
#ifdef GM_NOARANGES
    uintptr_t pc = (uintptr_t)&gm_test_noaranges_fn + 2;
    gm_symframe f[4];
    assert_int_equal(gm_symbolize(pc, true, f, 4), 1);
    assert_non_null(f[0].function);
    if (strcmp(f[0].function, "gm_test_noaranges_dwarf_name") != 0)
        fail_msg("function %s: the CU without aranges was not found", f[0].function);
    assert_false(f[0].inlined);
    check_module_is_self(f[0].module);
    /* the same for the return address just past it */
    assert_int_equal(gm_symbolize(pc + 1, false, f, 4), 1);
    assert_string_equal(f[0].function, "gm_test_noaranges_dwarf_name");
#else
    print_message("not x86-64 ELF: CU-without-aranges check skipped\n");
#endif
}

static void test_unknown_pc(void **state)
{
    (void)state;
    gm_symframe f[4];
    memset(f, 0x55, sizeof f);
    assert_int_equal(gm_symbolize(0x10, false, f, 4), 1);
    assert_int_equal(f[0].pc, 0x10);
    assert_null(f[0].function);
    assert_null(f[0].file);
    assert_null(f[0].module);
    assert_int_equal(f[0].line, 0);
    assert_int_equal(f[0].column, 0);
    assert_false(f[0].inlined);
    assert_int_equal(gm_symbolize(0, false, f, 4), 1);
    assert_null(f[0].function);
    assert_int_equal(gm_symbolize(0x10, false, f, 0), 0);
}

static void test_global(void **state)
{
    (void)state;
    const char *name = NULL, *module = NULL;
    uintptr_t start = 0, off = 0;
    size_t size = 0;
    uintptr_t addr = (uintptr_t)&gm_test_global_var + 3;
    assert_true(gm_symbolize_data(addr, &name, &start, &size, &module, &off));
    assert_string_equal(name, "gm_test_global_var");
    assert_int_equal(start, (uintptr_t)&gm_test_global_var);
#ifdef GM_ASAN
    assert_true(size >= sizeof gm_test_global_var);
#else
    assert_int_equal(size, sizeof gm_test_global_var);
#endif
    check_module_is_self(module);
    assert_true(off > 0 && off < start);

    /* a static (local symbol), in the middle */
    addr = (uintptr_t)&gm_test_static_array[40];
    assert_true(gm_symbolize_data(addr, &name, &start, &size, &module, &off));
    assert_string_equal(name, "gm_test_static_array");
    assert_int_equal(start, (uintptr_t)gm_test_static_array);
#ifdef GM_ASAN
    assert_true(size >= 64);
#else
    assert_int_equal(size, 64);
#endif

    /* code is not data; neither is the stack */
    int local = 0;
    assert_false(
        gm_symbolize_data((uintptr_t)&known_function, &name, &start, &size, &module, &off));
    assert_false(gm_symbolize_data((uintptr_t)&local, &name, &start, &size, &module, &off));
    assert_false(gm_symbolize_data(0x10, &name, &start, &size, &module, &off));
}

static void test_libc(void **state)
{
    (void)state;
    uintptr_t pc = (uintptr_t)dlsym(RTLD_DEFAULT, "getpid");
    assert_true(pc != 0);
    gm_symframe f[4];
    int n = gm_symbolize(pc, true, f, 4);
    assert_true(n >= 1);
    assert_non_null(f[n - 1].module);
    const char *base = strrchr(f[n - 1].module, '/');
    base = base ? base + 1 : f[n - 1].module;
    if (strncmp(base, "libc", 4) != 0)
        fail_msg("getpid in %s", f[n - 1].module);
    assert_non_null(f[n - 1].function); /* libc has at least a dynsym */
}

/* A library loaded after the session was built: the lookup must re-read
 * the maps. Several candidates: the first not yet loaded is used. */
static void test_dlopen_later(void **state)
{
    (void)state;
    gm_symframe f[4];
    gm_symbolize(known_function(), false, f, 4); /* the session exists */
    static const char *const libs[][2] = {
        {"libm.so.6", "cos"},
        {"libresolv.so.2", "ns_initparse"},
        {"libBrokenLocale.so.1", "__ctype_get_mb_cur_max"},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        if (dlopen(libs[i][0], RTLD_NOW | RTLD_NOLOAD))
            continue; /* already there: would not test the refresh */
        void *h = dlopen(libs[i][0], RTLD_NOW | RTLD_LOCAL);
        if (!h)
            continue;
        uintptr_t pc = (uintptr_t)dlsym(h, libs[i][1]);
        if (!pc)
            continue;
        int n = gm_symbolize(pc, true, f, 4);
        assert_true(n >= 1);
        assert_non_null(f[n - 1].module);
        if (!strstr(f[n - 1].module, libs[i][0]))
            fail_msg("%s in %s, want %s", libs[i][1], f[n - 1].module, libs[i][0]);
        return;
    }
    print_message("every candidate library already loaded: refresh not tested\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_function_line), cmocka_unit_test(test_exact_pc),
        cmocka_unit_test(test_inlined),       cmocka_unit_test(test_cu_without_aranges),
        cmocka_unit_test(test_unknown_pc),    cmocka_unit_test(test_global),
        cmocka_unit_test(test_libc),          cmocka_unit_test(test_dlopen_later),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
