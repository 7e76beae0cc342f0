/*
 * checker/symbolize.c — program counters to functions and source lines,
 * with inlined frames, through elfutils' libdwfl (see symbolize.h).
 *
 * One dwfl session describes the process: built on first use from
 * /proc/self/maps (dwfl_linux_proc_report), ELF files found through the
 * maps, separate debug info through the standard lookup (build-id,
 * .gnu_debuglink, /usr/lib/debug). An address in no known module refreshes
 * the session, but only when the dynamic loader says objects were loaded
 * or unloaded since the last look (dl_iterate_phdr's dlpi_adds/dlpi_subs):
 * a stray pc costs no rescan of the maps. A refresh re-reports the maps
 * into the same session, so modules still mapped keep their parsed DWARF.
 *
 * A lookup: the module containing the address (pc-1 for a return address:
 * the call instruction, not what follows it), its symbol-table name, the
 * line-table row (file:line:col), then the scopes around the address
 * (dwarf_getscopes on the CU DIE). From the innermost scope,
 * dwarf_getscopes_die gives the chain of lexically enclosing DIEs: every
 * DW_TAG_inlined_subroutine on it is a frame at the current position, and
 * its DW_AT_call_file/line/column become the position of the next frame
 * out; the DW_TAG_subprogram ends the chain with the real function. Names
 * come from DWARF (through abstract origins), the symbol table otherwise.
 * libdwfl finds a CU by address through .debug_aranges, and takes the gap
 * after a CU's last entry for part of that CU: an address in a CU with no
 * entries (clang emits none by default, so a clang object linked among gcc
 * objects has none) comes back with the wrong CU, or none. Its answer is
 * kept only when that CU's own ranges (DW_AT_low_pc/high_pc, DW_AT_ranges,
 * DWARF 5 forms included) hold the address; otherwise a per-module index
 * of every CU's ranges, built on the first such miss, decides, and line
 * rows then come from the CU found (dwarf_getsrc_die). Split DWARF: the
 * skeleton CU leads to its split unit.
 *
 * Invariants: every string handed out is interned (copied once into the
 * checker's memory, never freed), so it outlives the dwfl session and any
 * module a refresh drops. module_offset is the looked-up address minus the
 * module's load bias, as ThreadSanitizer prints it.
 *
 * Locking: one pthread mutex serializes everything here (the session, the
 * intern table, libdw itself). Report time only: it may block, and libdw
 * allocates with malloc. No memory-order subtleties: all state is touched
 * under the mutex. A fork child re-initializes the mutex (a thread that
 * held it is gone in the child).
 */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

static pthread_mutex_t sym_lock = PTHREAD_MUTEX_INITIALIZER;

static char *debuginfo_path; /* NULL: libdwfl's default search path */
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

static Dwfl *dwfl;                              /* NULL until first use */
static unsigned long long seen_adds, seen_subs; /* loader counters at last report */
static bool atfork_done;

/* ---- interned strings ---- */

static const char **itab; /* open addressing, power-of-two capacity */
static size_t icap, icount;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void intern_grow(void)
{
    size_t ncap = icap ? icap * 2 : 256;
    const char **n = gm_rt_alloc(ncap * sizeof *n);
    for (size_t i = 0; i < icap; i++) {
        if (!itab[i])
            continue;
        size_t j = str_hash(itab[i]) & (ncap - 1);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = itab[i];
    }
    if (itab)
        gm_rt_free(itab, icap * sizeof *itab);
    itab = n;
    icap = ncap;
}

static const char *intern(const char *s)
{
    if (!s)
        return NULL;
    if ((icount + 1) * 2 > icap)
        intern_grow();
    size_t i = str_hash(s) & (icap - 1);
    while (itab[i]) {
        if (strcmp(itab[i], s) == 0)
            return itab[i];
        i = (i + 1) & (icap - 1);
    }
    itab[i] = gm_rt_strdup(s);
    icount++;
    return itab[i];
}

/* ---- the session ---- */

static int loader_counts(struct dl_phdr_info *info, size_t size, void *data)
{
    unsigned long long *c = data;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        c[0] = info->dlpi_adds;
        c[1] = info->dlpi_subs;
    }
    return 1; /* the counters are the same in every entry: one is enough */
}

static void child_after_fork(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    sym_lock = fresh;
}

/* (Re)describe the process's mappings. Counters are read first: a load
 * racing with the report shows up as a change next time. */
static void report_maps(void)
{
    unsigned long long c[2] = {0, 0};
    dl_iterate_phdr(loader_counts, c);
    seen_adds = c[0];
    seen_subs = c[1];
    dwfl_report_begin(dwfl);
    int rc = dwfl_linux_proc_report(dwfl, getpid());
    dwfl_report_end(dwfl, NULL, NULL);
    (void)rc; /* partial information is still worth having */
}

static Dwfl *session(void)
{
    if (!atfork_done) {
        atfork_done = true;
        pthread_atfork(NULL, NULL, child_after_fork);
    }
    if (!dwfl) {
        dwfl = dwfl_begin(&callbacks);
        if (dwfl)
            report_maps();
    }
    return dwfl;
}

/* True when the loader's object list changed and the maps were re-read. */
static bool refresh(void)
{
    unsigned long long c[2] = {0, 0};
    dl_iterate_phdr(loader_counts, c);
    if (c[0] == seen_adds && c[1] == seen_subs)
        return false;
    report_maps();
    return true;
}

static Dwfl_Module *module_of(uintptr_t addr)
{
    Dwfl *d = session();
    if (!d)
        return NULL;
    Dwfl_Module *m = dwfl_addrmodule(d, addr);
    if (!m && refresh())
        m = dwfl_addrmodule(d, addr);
    return m;
}

/* Module path and load bias (what module offsets are relative to). */
static const char *module_name(Dwfl_Module *m, uintptr_t *bias)
{
    Dwarf_Addr start = 0;
    const char *name = dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
    GElf_Addr b = 0;
    if (dwfl_module_getelf(m, &b))
        *bias = (uintptr_t)b;
    else
        *bias = (uintptr_t)start;
    return intern(name);
}

/* ---- DWARF helpers ---- */

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute a;
    /* through DW_AT_abstract_origin / DW_AT_specification */
    return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
}

static int die_udata(Dwarf_Die *die, unsigned name)
{
    Dwarf_Attribute a;
    Dwarf_Word v;
    if (dwarf_formudata(dwarf_attr(die, name, &a), &v) != 0)
        return 0;
    return v > 0x7fffffff ? 0 : (int)v;
}

/* Where an inlined instance was called from: file, line, column. */
static void call_site(Dwarf_Die *inl, const char **file, int *line, int *col)
{
    *file = NULL;
    *line = die_udata(inl, DW_AT_call_line);
    *col = die_udata(inl, DW_AT_call_column);
    Dwarf_Attribute a;
    Dwarf_Word idx;
    Dwarf_Die cu;
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &idx) == 0 &&
        dwarf_diecu(inl, &cu, NULL, NULL) && dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 &&
        idx < nfiles)
        *file = dwarf_filesrc(files, idx, NULL, NULL);
}

/* ---- CUs by address, for CUs without .debug_aranges entries ----
 *
 * libdwfl finds the CU of an address through .debug_aranges, which clang
 * does not emit by default. Without any, dwfl_module_addrdie fails; with
 * some (gcc objects in the same module), an address of a CU that has none
 * falls in a gap between other CUs' entries, which libdwfl counts as the
 * preceding CU's: a wrong CU, whose line table and scopes miss the address.
 * The fallback index lists every CU's address ranges (dwarf_ranges:
 * DW_AT_low_pc/high_pc or DW_AT_ranges, DWARF 5 addrx/rnglistx included),
 * sorted by start; maxend[i] is the largest end among entries 0..i, which
 * bounds the backward walk over overlapping ranges. Built once per module
 * on the first miss, kept in the module's userdata slot. */

typedef struct cu_range {
    Dwarf_Addr start, end, maxend;
    Dwarf_Die *cu;
} cu_range;

typedef struct cu_index {
    cu_range *r;
    size_t n, cap;
    Dwarf_Addr bias;
} cu_index;

static void index_add(cu_index *x, Dwarf_Addr start, Dwarf_Addr end, Dwarf_Die *cu)
{
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 64;
        cu_range *nr = gm_rt_alloc(ncap * sizeof *nr);
        if (x->r) {
            memcpy(nr, x->r, x->n * sizeof *nr);
            gm_rt_free(x->r, x->cap * sizeof *x->r);
        }
        x->r = nr;
        x->cap = ncap;
    }
    x->r[x->n++] = (cu_range){start, end, end, cu};
}

/* Shell sort by start (libc's qsort may call malloc). */
static void sort_ranges(cu_range *r, size_t n)
{
    size_t gap = 1;
    while (gap < n / 3)
        gap = gap * 3 + 1;
    for (; gap > 0; gap /= 3)
        for (size_t i = gap; i < n; i++) {
            cu_range v = r[i];
            size_t j = i;
            for (; j >= gap && r[j - gap].start > v.start; j -= gap)
                r[j] = r[j - gap];
            r[j] = v;
        }
}

static cu_index *index_of(Dwfl_Module *m)
{
    void **ud = NULL;
    dwfl_module_info(m, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
    if (ud && *ud)
        return *ud;
    cu_index *x = gm_rt_alloc(sizeof *x);
    Dwarf_Addr bias = 0;
    for (Dwarf_Die *cu = NULL; (cu = dwfl_module_nextcu(m, cu, &bias)) != NULL;) {
        x->bias = bias;
        Dwarf_Addr base, start, end;
        ptrdiff_t off = 0;
        while ((off = dwarf_ranges(cu, off, &base, &start, &end)) > 0)
            if (end > start)
                index_add(x, start, end, cu);
    }
    sort_ranges(x->r, x->n);
    for (size_t i = 1; i < x->n; i++)
        if (x->r[i - 1].maxend > x->r[i].maxend)
            x->r[i].maxend = x->r[i - 1].maxend;
    if (ud)
        *ud = x;
    return x;
}

static Dwarf_Die *index_lookup(Dwfl_Module *m, uintptr_t addr, Dwarf_Addr *bias)
{
    cu_index *x = index_of(m);
    Dwarf_Addr a = addr - x->bias;
    size_t lo = 0, hi = x->n; /* first entry with start > a */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->r[mid].start <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0 && x->r[i].maxend > a;)
        if (a < x->r[i].end) {
            *bias = x->bias;
            return x->r[i].cu;
        }
    return NULL;
}

/* Whether the ranges of cu hold a (module-relative): 1 yes, 0 no, -1 when
 * the CU states no ranges at all (nothing to check the answer against). */
static int cu_covers(Dwarf_Die *cu, Dwarf_Addr a)
{
    Dwarf_Addr base, start, end;
    ptrdiff_t off = 0;
    bool any = false;
    while ((off = dwarf_ranges(cu, off, &base, &start, &end)) > 0) {
        any = true;
        if (start <= a && a < end)
            return 1;
    }
    return any ? 0 : -1;
}

/* The CU holding addr: libdwfl's (aranges) answer when the CU's ranges
 * confirm it, else the index's; an unconfirmable answer (a CU without
 * ranges) is kept only when the index has nothing better. */
static Dwarf_Die *cu_of(Dwfl_Module *m, uintptr_t addr, Dwarf_Addr *bias)
{
    Dwarf_Addr b = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(m, addr, &b);
    int covers = cu ? cu_covers(cu, addr - b) : 0;
    if (covers > 0) {
        *bias = b;
        return cu;
    }
    Dwarf_Die *found = index_lookup(m, addr, bias);
    if (found)
        return found;
    if (covers < 0) {
        *bias = b;
        return cu;
    }
    return NULL;
}

/* With split DWARF (-gsplit-dwarf) the CU found by address is a skeleton
 * without children: the scopes are in its split unit (.dwo, .dwp). */
static Dwarf_Die *split_unit(Dwarf_Die *cudie)
{
    static Dwarf_Die sub; /* under sym_lock */
    uint8_t type = 0;
    if (cudie && dwarf_cu_info(cudie->cu, NULL, &type, NULL, &sub, NULL, NULL, NULL) == 0 &&
        type == DW_UT_skeleton && dwarf_tag(&sub) == DW_TAG_compile_unit)
        return &sub;
    return cudie;
}

static void set_frame(gm_symframe *f, uintptr_t pc, const char *module, uintptr_t off,
                      const char *function, const char *file, int line, int col, bool inlined)
{
    f->pc = pc;
    f->function = intern(function);
    f->file = intern(file);
    f->line = line > 0 ? line : 0;
    f->column = col > 0 ? col : 0;
    f->module = module;
    f->module_offset = off;
    f->inlined = inlined;
}

/* Frames for addr in module m: innermost inlined callee first. */
static int describe(Dwfl_Module *m, uintptr_t pc, uintptr_t addr, gm_symframe *out, int max)
{
    uintptr_t bias = 0;
    const char *module = module_name(m, &bias);
    uintptr_t off = addr - bias;

    GElf_Off symoff = 0;
    GElf_Sym sym;
    const char *symname = dwfl_module_addrinfo(m, addr, &symoff, &sym, NULL, NULL, NULL);

    Dwarf_Addr dwbias = 0;
    Dwarf_Die *cudie = cu_of(m, addr, &dwbias);

    /* dwfl_module_getsrc looks in the CU libdwfl found: its row stands
     * only when that is the CU found here. */
    const char *file = NULL;
    int line = 0, col = 0;
    Dwfl_Line *row = dwfl_module_getsrc(m, addr);
    Dwarf_Die *rowcu = row ? dwfl_linecu(row) : NULL;
    if (row && cudie && (!rowcu || dwarf_dieoffset(rowcu) != dwarf_dieoffset(cudie)))
        row = NULL;
    Dwarf_Line *dl;
    if (row) {
        file = dwfl_lineinfo(row, NULL, &line, &col, NULL, NULL);
    } else if (cudie && (dl = dwarf_getsrc_die(cudie, addr - dwbias)) != NULL) {
        file = dwarf_linesrc(dl, NULL, NULL);
        if (dwarf_lineno(dl, &line) != 0)
            line = 0;
        if (dwarf_linecol(dl, &col) != 0)
            col = 0;
    }

    int n = 0;
    bool outermost = false;
    cudie = split_unit(cudie);
    Dwarf_Die *scopes = NULL;
    int ns = cudie ? dwarf_getscopes(cudie, addr - dwbias, &scopes) : 0;
    if (ns > 0) {
        /* dwarf_getscopes continues through an inlined instance's abstract
         * origin; the physical nesting (callers) comes from the innermost
         * DIE's enclosing scopes. */
        Dwarf_Die inner = scopes[0];
        free(scopes);
        scopes = NULL;
        ns = dwarf_getscopes_die(&inner, &scopes);
        for (int i = 0; i < ns && n < max; i++) {
            int tag = dwarf_tag(&scopes[i]);
            if (tag == DW_TAG_inlined_subroutine) {
                set_frame(&out[n++], pc, module, off, die_name(&scopes[i]), file, line, col, true);
                call_site(&scopes[i], &file, &line, &col);
            } else if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point) {
                const char *name = die_name(&scopes[i]);
                set_frame(&out[n++], pc, module, off, name ? name : symname, file, line, col,
                          false);
                outermost = true;
                break;
            }
        }
    }
    free(scopes);
    if (!outermost && n < max)
        set_frame(&out[n++], pc, module, off, symname, file, line, col, false);
    return n;
}

int gm_symbolize(uintptr_t pc, bool exact, gm_symframe *out, int max)
{
    if (max <= 0)
        return 0;
    memset(out, 0, sizeof *out);
    out->pc = pc;
    if (pc == 0)
        return 1;
    uintptr_t addr = exact ? pc : pc - 1;
    pthread_mutex_lock(&sym_lock);
    int n = 1;
    Dwfl_Module *m = module_of(addr);
    if (m)
        n = describe(m, pc, addr, out, max);
    pthread_mutex_unlock(&sym_lock);
    return n;
}

/* An STT_OBJECT symbol of m containing addr: the nearest symbol first, then
 * a scan of the whole table (the nearest may be a marker like _edata). */
static const char *object_at(Dwfl_Module *m, uintptr_t addr, uintptr_t *start, size_t *size)
{
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
    if (name && GELF_ST_TYPE(sym.st_info) == STT_OBJECT &&
        (off < sym.st_size || (sym.st_size == 0 && off == 0))) {
        *start = addr - off;
        *size = sym.st_size;
        return name;
    }
    int nsyms = dwfl_module_getsymtab(m);
    for (int i = 1; i < nsyms; i++) {
        GElf_Addr value;
        name = dwfl_module_getsym_info(m, i, &sym, &value, NULL, NULL, NULL);
        if (!name || GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_size == 0)
            continue;
        if (addr >= value && addr - value < sym.st_size) {
            *start = (uintptr_t)value;
            *size = sym.st_size;
            return name;
        }
    }
    return NULL;
}

/* The tail of .bss past the last file-backed page is an anonymous mapping
 * that /proc/self/maps does not name; the loader's program headers still
 * cover it (p_memsz). Find the object whose PT_LOAD holds addr and return
 * an address of the same object that is file-backed (its first segment). */
typedef struct bss_query {
    uintptr_t addr, probe;
} bss_query;

static int bss_find(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    bss_query *q = data;
    uintptr_t first = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (!first)
            first = lo;
        if (q->addr >= lo && q->addr < lo + ph->p_memsz) {
            q->probe = first;
            return 1;
        }
    }
    return 0;
}

bool gm_symbolize_data(uintptr_t addr, const char **name, uintptr_t *start, size_t *size,
                       const char **module, uintptr_t *module_offset)
{
    bool found = false;
    pthread_mutex_lock(&sym_lock);
    Dwfl_Module *m = module_of(addr);
    if (!m) {
        bss_query q = {addr, 0};
        dl_iterate_phdr(bss_find, &q);
        if (q.probe)
            m = module_of(q.probe);
    }
    uintptr_t s = 0;
    size_t sz = 0;
    const char *n = m ? object_at(m, addr, &s, &sz) : NULL;
    if (n) {
        uintptr_t bias = 0;
        const char *mod = module_name(m, &bias);
        *name = intern(n);
        *start = s;
        *size = sz;
        *module = mod;
        *module_offset = s - bias;
        found = true;
    }
    pthread_mutex_unlock(&sym_lock);
    return found;
}
