/*
 * litmus/gen.c — writes the C program that runs one litmus test natively
 * (the generated prologue, litmus/harness.c's text, then the threads'
 * bodies translated to C), as litmus7 does for C tests.
 *
 * Translation: every shared location is an array of cells of its declared
 * width (int8_t..int64_t); thread k's function loops over the batch's
 * iterations, points each parameter at iteration i's cell, waits for the
 * iteration's start (lt_sync) and runs the body. Registers are int64_t
 * locals; plain accesses are plain C accesses (volatile when the thread's
 * parameter is); atomics are the compiler's __atomic builtins with the
 * test's memory order, on the same cells, so the program is what a C11
 * compiler makes of the test at -O2. Compiler barriers bracket each
 * iteration so the compiler cannot move accesses between iterations.
 * Division by zero and overflowing shifts are defined (0, masked count):
 * a test must not crash the harness. `while` loops are cut after
 * LT_LOOP_BOUND rounds and counted.
 *
 * Invariants: the output depends only on the test (a cache key for the
 * compiled program); identifiers from the test are prefixed (lt_r_, lt_p_)
 * so they cannot collide with the harness's. Single-threaded.
 */
#include "gen.h"

#include <inttypes.h>
#include <string.h>

extern const char gomm_litmus_harness_src[];

static const char *ctype_of(const lt_loc *l)
{
    static const char *const s[] = {"", "int8_t", "int16_t", "", "int32_t", "", "", "", "int64_t"};
    static const char *const u[] = {"", "uint8_t", "uint16_t", "",        "uint32_t",
                                    "", "",        "",         "uint64_t"};
    return l->is_signed ? s[l->width] : u[l->width];
}

static const char *order(lt_mo mo)
{
    switch (mo) {
    case LT_RLX:
        return "__ATOMIC_RELAXED";
    case LT_CON:
        return "__ATOMIC_CONSUME";
    case LT_ACQ:
        return "__ATOMIC_ACQUIRE";
    case LT_REL:
        return "__ATOMIC_RELEASE";
    case LT_ACQ_REL:
        return "__ATOMIC_ACQ_REL";
    default:
        return "__ATOMIC_SEQ_CST";
    }
}

/* The failure order of a CAS must not be release and not be stronger
 * than the success order (the compiler would silently strengthen). */
static const char *fail_order(lt_mo succ, lt_mo fail)
{
    if (fail == LT_REL || fail == LT_ACQ_REL)
        fail = LT_ACQ;
    if (fail == LT_SC && succ != LT_SC)
        fail = (succ == LT_ACQ || succ == LT_ACQ_REL) ? LT_ACQ : LT_RLX;
    if ((fail == LT_ACQ || fail == LT_CON) && (succ == LT_RLX || succ == LT_REL))
        fail = LT_RLX;
    return order(fail);
}

typedef struct gen {
    FILE *f;
    const lt_test *t;
    const lt_thread *th;
    int tmp;
} gen;

static void expr(gen *g, const lt_expr *e);

static void ptr(gen *g, int loc)
{
    fprintf(g->f, "lt_p_%s", g->t->locs[loc].name);
}

static void num(gen *g, int64_t v)
{
    if (v == INT64_MIN)
        fputs("(-INT64_C(9223372036854775807) - 1)", g->f);
    else
        fprintf(g->f, "INT64_C(%" PRId64 ")", v);
}

static void expr(gen *g, const lt_expr *e)
{
    FILE *f = g->f;
    const lt_loc *l = e->loc >= 0 ? &g->t->locs[e->loc] : NULL;
    switch (e->kind) {
    case LE_NUM:
        num(g, e->v);
        break;
    case LE_REG:
        fprintf(f, "lt_r_%s", g->th->regs[e->reg].name);
        break;
    case LE_LOAD:
        if (e->mo == LT_NA) {
            fputs("((int64_t)*", f);
            ptr(g, e->loc);
            fputs(")", f);
        } else {
            fputs("((int64_t)__atomic_load_n(", f);
            ptr(g, e->loc);
            fprintf(f, ", %s))", order(e->mo));
        }
        break;
    case LE_UN:
        if (e->op == '-')
            fputs("((int64_t)(0 - (uint64_t)", f);
        else if (e->op == '!')
            fputs("((int64_t)(!", f);
        else
            fputs("((int64_t)(~", f);
        expr(g, e->a);
        fputs("))", f);
        break;
    case LE_BIN:
        switch (e->op) {
        case LB_ADD:
        case LB_SUB:
        case LB_MUL:
            fputs("((int64_t)((uint64_t)", f);
            expr(g, e->a);
            fprintf(f, " %s (uint64_t)", lt_binop_text(e->op));
            expr(g, e->b);
            fputs("))", f);
            break;
        case LB_DIV:
        case LB_MOD:
            fprintf(f, "lt_%s(", e->op == LB_DIV ? "div" : "mod");
            expr(g, e->a);
            fputs(", ", f);
            expr(g, e->b);
            fputs(")", f);
            break;
        case LB_SHL:
            fputs("((int64_t)((uint64_t)", f);
            expr(g, e->a);
            fputs(" << ((uint64_t)", f);
            expr(g, e->b);
            fputs(" & 63)))", f);
            break;
        case LB_SHR:
            fputs("((int64_t)", f);
            expr(g, e->a);
            fputs(" >> ((uint64_t)", f);
            expr(g, e->b);
            fputs(" & 63))", f);
            break;
        default:
            fputs("((int64_t)(", f);
            expr(g, e->a);
            fprintf(f, " %s ", lt_binop_text(e->op));
            expr(g, e->b);
            fputs("))", f);
        }
        break;
    case LE_RMW: {
        static const char *const fn[] = {"__atomic_exchange_n", "__atomic_fetch_add",
                                         "__atomic_fetch_sub",  "__atomic_fetch_or",
                                         "__atomic_fetch_and",  "__atomic_fetch_xor"};
        fprintf(f, "((int64_t)%s(", fn[e->rmw]);
        ptr(g, e->loc);
        fprintf(f, ", (%s)", ctype_of(l));
        expr(g, e->a);
        fprintf(f, ", %s))", order(e->mo));
        break;
    }
    case LE_CAS: {
        int n = g->tmp++;
        fprintf(f, "({ %s lt_e%d = (%s)", ctype_of(l), n, ctype_of(l));
        if (e->exp_reg >= 0)
            fprintf(f, "lt_r_%s", g->th->regs[e->exp_reg].name);
        else {
            fputs("*", f);
            ptr(g, e->exp_loc);
        }
        fprintf(f, "; int lt_ok%d = __atomic_compare_exchange_n(", n);
        ptr(g, e->loc);
        fprintf(f, ", &lt_e%d, (%s)", n, ctype_of(l));
        expr(g, e->a);
        fprintf(f, ", %d, %s, %s); if (!lt_ok%d) ", e->weak ? 1 : 0, order(e->mo),
                fail_order(e->mo, e->mo_fail), n);
        if (e->exp_reg >= 0)
            fprintf(f, "lt_r_%s = (int64_t)lt_e%d", g->th->regs[e->exp_reg].name, n);
        else {
            fputs("*", f);
            ptr(g, e->exp_loc);
            fprintf(f, " = (%s)lt_e%d", ctype_of(&g->t->locs[e->exp_loc]), n);
        }
        fprintf(f, "; (int64_t)lt_ok%d; })", n);
        break;
    }
    case LE_CMPXCHG: {
        int n = g->tmp++;
        fprintf(f, "({ %s lt_o%d = (%s)", ctype_of(l), n, ctype_of(l));
        expr(g, e->a);
        fputs("; __atomic_compare_exchange_n(", f);
        ptr(g, e->loc);
        fprintf(f, ", &lt_o%d, (%s)", n, ctype_of(l));
        expr(g, e->b);
        fprintf(f, ", 0, %s, __ATOMIC_RELAXED); (int64_t)lt_o%d; })", order(e->mo), n);
        break;
    }
    }
}

static void indent(gen *g, int d)
{
    for (int i = 0; i < d; i++)
        fputs("    ", g->f);
}

static void stmts(gen *g, const lt_stmt *s, int d);

static void stmt(gen *g, const lt_stmt *s, int d)
{
    FILE *f = g->f;
    switch (s->kind) {
    case LS_ASSIGN:
        indent(g, d);
        fprintf(f, "lt_r_%s = ", g->th->regs[s->reg].name);
        expr(g, s->a);
        fputs(";\n", f);
        break;
    case LS_STORE:
        indent(g, d);
        if (s->mo == LT_NA) {
            fputs("*", f);
            ptr(g, s->loc);
            fprintf(f, " = (%s)", ctype_of(&g->t->locs[s->loc]));
            expr(g, s->a);
            fputs(";\n", f);
        } else {
            fputs("__atomic_store_n(", f);
            ptr(g, s->loc);
            fprintf(f, ", (%s)", ctype_of(&g->t->locs[s->loc]));
            expr(g, s->a);
            fprintf(f, ", %s);\n", order(s->mo));
        }
        break;
    case LS_FENCE:
        indent(g, d);
        fprintf(f, "%s(%s);\n", s->signal ? "__atomic_signal_fence" : "__atomic_thread_fence",
                order(s->mo));
        break;
    case LS_EXPR:
        if (!s->a)
            break;
        indent(g, d);
        fputs("(void)", f);
        expr(g, s->a);
        fputs(";\n", f);
        break;
    case LS_IF:
        indent(g, d);
        fputs("if (", f);
        expr(g, s->a);
        fputs(") {\n", f);
        stmts(g, s->body, d + 1);
        indent(g, d);
        fputs("}", f);
        if (s->els) {
            fputs(" else {\n", f);
            stmts(g, s->els, d + 1);
            indent(g, d);
            fputs("}", f);
        }
        fputs("\n", f);
        break;
    case LS_WHILE: {
        int n = g->tmp++;
        indent(g, d);
        fprintf(f, "for (long lt_w%d = 0; ", n);
        expr(g, s->a);
        fprintf(f, "; lt_w%d++) {\n", n);
        indent(g, d + 1);
        fprintf(f, "if (lt_w%d >= LT_LOOP_BOUND) { lt_loop_hit(lt_r); break; }\n", n);
        stmts(g, s->body, d + 1);
        indent(g, d);
        fputs("}\n", f);
        break;
    }
    case LS_BLOCK:
        if (!s->body)
            break;
        indent(g, d);
        fputs("{\n", f);
        stmts(g, s->body, d + 1);
        indent(g, d);
        fputs("}\n", f);
        break;
    case LS_LOCK:
        indent(g, d);
        fputs("lt_lock(lt_r, (volatile int32_t *)", f);
        ptr(g, s->loc);
        fputs(");\n", f);
        break;
    case LS_UNLOCK:
        indent(g, d);
        fputs("lt_unlock((volatile int32_t *)", f);
        ptr(g, s->loc);
        fputs(");\n", f);
        break;
    }
}

/* A statement list (a single statement when an if/while body is not a
 * block: the parser links only block members through next). */
static void stmts(gen *g, const lt_stmt *s, int d)
{
    for (; s; s = s->next)
        stmt(g, s, d);
}

static void c_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 32)
            fprintf(f, "\\%03o", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

int lt_gen_c(const lt_test *t, FILE *f)
{
    gen g = {f, t, NULL, 0};
    fprintf(f, "/* generated by gomm litmus from %s: test ", t->file);
    for (const char *c = t->name; *c; c++)
        fputc(*c == '*' ? '_' : *c, f);
    fputs(" */\n#define _GNU_SOURCE\n", f);
    fprintf(f, "#define LT_NTHREADS %d\n#define LT_NLOCS %d\n#define LT_NVARS %d\n#define LT_NAME ",
            t->nthreads, t->nlocs, t->nvars);
    c_string(f, t->name);
    fputs("\n", f);
    fputs(gomm_litmus_harness_src, f);
    fputs("\n/* ---- the test ---- */\n\n", f);
    for (int k = 0; k < t->nthreads; k++) {
        const lt_thread *th = &t->threads[k];
        g.th = th;
        fprintf(f, "static void lt_thread_%d(lt_run *lt_r, int lt_k)\n{\n", k);
        for (int i = 0; i < th->nparams; i++) {
            const lt_loc *l = &t->locs[th->params[i].loc];
            fprintf(f, "    %s *const lt_m_%s = lt_r->mem[%d];\n", ctype_of(l), l->name,
                    th->params[i].loc);
        }
        fputs("    const long lt_n = lt_r->size;\n", f);
        fputs("    for (long lt_i = 0; lt_i < lt_n; lt_i++) {\n", f);
        fputs("        const long lt_c = lt_r->cells[lt_i];\n", f);
        for (int i = 0; i < th->nparams; i++) {
            const lt_loc *l = &t->locs[th->params[i].loc];
            fprintf(f, "        %s%s *const lt_p_%s = lt_m_%s + lt_c;\n",
                    th->params[i].is_volatile ? "volatile " : "", ctype_of(l), l->name, l->name);
        }
        for (int i = 0; i < th->nregs; i++) {
            fprintf(f, "        int64_t lt_r_%s = ", th->regs[i].name);
            num(&g, th->regs[i].init);
            fputs(";\n", f);
        }
        fputs("        const uint64_t lt_t0 = lt_sync(lt_r, lt_k, lt_i);\n", f);
        fputs("        __asm__ __volatile__(\"\" ::: \"memory\");\n", f);
        stmts(&g, th->body, 2);
        fputs("        __asm__ __volatile__(\"\" ::: \"memory\");\n", f);
        fputs("        lt_end(lt_r, lt_k, lt_t0);\n", f);
        for (int v = 0; v < t->nvars; v++)
            if (t->vars[v].thread == k)
                fprintf(f, "        lt_r->obs[%d][lt_i] = lt_r_%s;\n", v,
                        th->regs[t->vars[v].index].name);
        for (int i = 0; i < th->nregs; i++)
            fprintf(f, "        (void)lt_r_%s;\n", th->regs[i].name);
        fputs("    }\n    (void)lt_k;\n}\n\n", f);
    }
    fprintf(f, "static const lt_thread_fn lt_threads[LT_NTHREADS] = {");
    for (int k = 0; k < t->nthreads; k++)
        fprintf(f, "%slt_thread_%d", k ? ", " : "", k);
    fputs("};\n\n", f);
    fputs("static void lt_reset(lt_run *lt_r, long lt_c)\n{\n", f);
    for (int l = 0; l < t->nlocs; l++) {
        fprintf(f, "    ((%s *)lt_r->mem[%d])[lt_c] = (%s)", ctype_of(&t->locs[l]), l,
                ctype_of(&t->locs[l]));
        num(&g, t->locs[l].init);
        fprintf(f, "; /* %s */\n", t->locs[l].name);
    }
    fputs("    (void)lt_r;\n    (void)lt_c;\n}\n\n", f);
    fputs("static void lt_collect(lt_run *lt_r, long lt_i, long lt_c, int64_t *lt_st)\n{\n", f);
    for (int v = 0; v < t->nvars; v++) {
        if (t->vars[v].thread >= 0)
            fprintf(f, "    lt_st[%d] = lt_r->obs[%d][lt_i];\n", v, v);
        else
            fprintf(f, "    lt_st[%d] = (int64_t)((%s *)lt_r->mem[%d])[lt_c];\n", v,
                    ctype_of(&t->locs[t->vars[v].index]), t->vars[v].index);
    }
    fputs("    (void)lt_r;\n    (void)lt_i;\n    (void)lt_c;\n    (void)lt_st;\n}\n", f);
    return ferror(f) ? -1 : 0;
}
