/*
 * tests/litmus/test_parse.c — the C litmus parser (litmus/parse.c): every
 * construct of docs/litmus-format.md parses to the expected tree, and every
 * error path gives its file:line:col message without crashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ast.h"

static lt_test *parse_ok(const char *src)
{
    char err[1024] = "";
    lt_test *t = lt_parse("t.litmus", src, strlen(src), err, sizeof err);
    if (!t)
        fail_msg("unexpected parse error: %s", err);
    return t;
}

/* Parses src expecting an error: "t.litmus:LINE:COL: error: ...WHAT..." */
static void parse_err(const char *src, int line, int col, const char *what)
{
    char err[1024] = "";
    lt_test *t = lt_parse("t.litmus", src, strlen(src), err, sizeof err);
    if (t) {
        lt_test_free(t);
        fail_msg("expected an error containing '%s' for:\n%s", what, src);
    }
    char head[64];
    snprintf(head, sizeof head, "t.litmus:%d:%d: error: ", line, col);
    if (strncmp(err, head, strlen(head)) || !strstr(err, what))
        fail_msg("expected '%s...%s', got '%s' for:\n%s", head, what, err, src);
}

#define SB                                                                                         \
    "C SB+rlx\n"                                                                                   \
    "\"Store buffering\"\n"                                                                        \
    "ExpectSC=Never\n"                                                                             \
    "ExpectTSO=Sometimes\n"                                                                        \
    "ExpectC11=Sometimes\n"                                                                        \
    "Generator=diy7\n"                                                                             \
    "{ }\n"                                                                                        \
    "P0(atomic_int *x, atomic_int *y) {\n"                                                         \
    "  atomic_store_explicit(x, 1, memory_order_relaxed);\n"                                       \
    "  int r0 = atomic_load_explicit(y, memory_order_relaxed);\n"                                  \
    "}\n"                                                                                          \
    "P1(atomic_int *x, atomic_int *y) {\n"                                                         \
    "  atomic_store_explicit(y, 1, memory_order_relaxed);\n"                                       \
    "  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n"                                  \
    "}\n"                                                                                          \
    "exists (0:r0=0 /\\ 1:r0=0)\n"

static void test_sb(void **state)
{
    (void)state;
    lt_test *t = parse_ok(SB);
    assert_string_equal(t->name, "SB+rlx");
    assert_string_equal(t->doc, "Store buffering");
    assert_int_equal(t->nthreads, 2);
    assert_int_equal(t->nlocs, 2);
    assert_string_equal(t->locs[0].name, "x");
    assert_true(t->locs[0].is_atomic);
    assert_int_equal(t->locs[0].width, 4);
    assert_int_equal(t->expect[LM_SC], LX_NEVER);
    assert_int_equal(t->expect[LM_TSO], LX_SOMETIMES);
    assert_int_equal(t->expect[LM_C11], LX_SOMETIMES);
    assert_int_equal(t->expect[LM_RC11], LX_UNKNOWN);
    assert_string_equal(lt_meta_get(t, "Generator"), "diy7");
    assert_null(lt_meta_get(t, "Nope"));
    assert_int_equal(t->quant, LQ_EXISTS);
    assert_string_equal(t->cond_text, "exists (0:r0=0 /\\ 1:r0=0)");
    assert_int_equal(t->nvars, 2);
    assert_string_equal(t->vars[0].text, "0:r0");
    assert_string_equal(t->vars[1].text, "1:r0");
    const lt_stmt *s = t->threads[0].body;
    assert_int_equal(s->kind, LS_STORE);
    assert_int_equal(s->mo, LT_RLX);
    assert_int_equal(s->line, 9);
    assert_int_equal(s->col, 3);
    s = s->next;
    assert_int_equal(s->kind, LS_ASSIGN);
    assert_int_equal(s->a->kind, LE_LOAD);
    assert_int_equal(s->a->loc, 1);
    assert_null(s->next);
    int64_t st[2] = {0, 0};
    assert_true(lt_prop_eval(t->cond, st));
    st[1] = 1;
    assert_false(lt_prop_eval(t->cond, st));
    char buf[64];
    lt_state_text(t, st, buf, sizeof buf);
    assert_string_equal(buf, "0:r0=0; 1:r0=1;");
    assert_false(lt_has_plain_conflict(t));
    lt_test_free(t);
}

static void test_init_forms(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C init\n{ x=1; [y]=2; 0:r1=3; int z = 4; atomic_long w; long q = -5;\n"
                          "  uint8_t b = 255; _Atomic(short) h = 0x10 }\n"
                          "P0(int *x, int *y, int *z, atomic_long *w, long *q, uint8_t *b,\n"
                          "   _Atomic(short) *h) {\n"
                          "  r1 = r1 + *x;\n"
                          "}\n"
                          "forall (0:r1=4 /\\ x=1 /\\ [y]=2 /\\ z=4 /\\ w=0 /\\ q=-5)\n");
    assert_int_equal(t->nlocs, 7);
    assert_int_equal(t->locs[0].init, 1);
    assert_int_equal(t->locs[1].init, 2);
    assert_int_equal(t->locs[2].init, 4);
    assert_true(t->locs[3].is_atomic);
    assert_int_equal(t->locs[3].width, 8);
    assert_int_equal(t->locs[4].init, -5);
    assert_int_equal(t->locs[4].width, 8);
    assert_int_equal(t->locs[5].width, 1);
    assert_false(t->locs[5].is_signed);
    assert_int_equal(t->locs[5].init, 255);
    assert_int_equal(t->locs[6].width, 2);
    assert_true(t->locs[6].is_atomic);
    assert_int_equal(t->locs[6].init, 16);
    assert_int_equal(t->threads[0].nregs, 1);
    assert_int_equal(t->threads[0].regs[0].init, 3);
    assert_int_equal(t->quant, LQ_FORALL);
    /* registers first, then locations by name */
    assert_string_equal(t->vars[0].text, "0:r1");
    assert_string_equal(t->vars[1].text, "q");
    assert_string_equal(t->vars[t->nvars - 1].text, "z");
    lt_test_free(t);
}

static void test_statements(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C stmts\n{}\n"
                          "P0(volatile int *x, int *y, mtx_t *m) {\n"
                          "  int r0 = 0, r1, r2 = 2;\n"
                          "  if (r0 == 0) { *x = 1; } else *y = 2;\n"
                          "  while (r1 != 1) r1 = *x;\n"
                          "  { r2 = r2 + 1; ; }\n"
                          "  (void)*y;\n"
                          "  mtx_lock(m);\n"
                          "  *y = (int)r2;\n"
                          "  mtx_unlock(m);\n"
                          "  // a comment\n"
                          "  /* another\n     one */\n"
                          "  atomic_thread_fence(memory_order_seq_cst);\n"
                          "  atomic_signal_fence(memory_order_acquire);\n"
                          "}\n"
                          "exists (0:r0=1 \\/ 0:r2=3)\n");
    const lt_stmt *s = t->threads[0].body;
    assert_int_equal(s->kind, LS_ASSIGN); /* r0 = 0 */
    s = s->next;
    assert_int_equal(s->kind, LS_ASSIGN); /* r2 = 2 */
    assert_int_equal(s->reg, 2);
    s = s->next;
    assert_int_equal(s->kind, LS_IF);
    assert_int_equal(s->body->kind, LS_BLOCK);
    assert_int_equal(s->body->body->kind, LS_STORE);
    assert_true(s->body->body->is_volatile);
    assert_int_equal(s->body->body->mo, LT_NA);
    assert_int_equal(s->els->kind, LS_STORE);
    assert_false(s->els->is_volatile);
    s = s->next;
    assert_int_equal(s->kind, LS_WHILE);
    assert_int_equal(s->a->kind, LE_BIN);
    assert_int_equal(s->a->op, LB_NE);
    assert_int_equal(s->body->kind, LS_ASSIGN);
    assert_true(s->body->a->is_volatile);
    s = s->next;
    assert_int_equal(s->kind, LS_BLOCK);
    s = s->next;
    assert_int_equal(s->kind, LS_EXPR);
    assert_int_equal(s->a->kind, LE_LOAD);
    s = s->next;
    assert_int_equal(s->kind, LS_LOCK);
    assert_int_equal(s->loc, 2);
    assert_true(t->locs[2].is_lock);
    s = s->next;
    assert_int_equal(s->kind, LS_STORE);
    s = s->next;
    assert_int_equal(s->kind, LS_UNLOCK);
    s = s->next;
    assert_int_equal(s->kind, LS_FENCE);
    assert_int_equal(s->mo, LT_SC);
    assert_false(s->signal);
    s = s->next;
    assert_int_equal(s->kind, LS_FENCE);
    assert_true(s->signal);
    assert_null(s->next);
    assert_int_equal(t->cond->kind, LP_OR);
    lt_test_free(t);
}

static void test_expressions(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C expr\n{}\n"
                          "P0(int *x) {\n"
                          "  int r0 = 1 + 2 * 3 == 7 && !0 || -1 < ~2;\n"
                          "  int r1 = (r0 << 2) >> 1 & 7 ^ 3 | 8 % 5 / 1 - r0;\n"
                          "}\n"
                          "exists (0:r0=1)\n");
    const lt_expr *e = t->threads[0].body->a;
    assert_int_equal(e->kind, LE_BIN);
    assert_int_equal(e->op, LB_LOR);
    assert_int_equal(e->a->op, LB_LAND);
    assert_int_equal(e->a->a->op, LB_EQ);
    assert_int_equal(e->a->a->a->op, LB_ADD);
    assert_int_equal(e->a->a->a->b->op, LB_MUL);
    assert_int_equal(e->a->b->kind, LE_UN);
    assert_int_equal(e->a->b->op, '!');
    assert_int_equal(e->b->op, LB_LT);
    assert_int_equal(e->b->a->kind, LE_NUM);
    assert_int_equal(e->b->a->v, -1);
    e = t->threads[0].body->next->a;
    assert_int_equal(e->op, LB_BOR);
    assert_int_equal(e->a->op, LB_BXOR);
    assert_int_equal(e->a->a->op, LB_BAND);
    assert_int_equal(e->a->a->a->op, LB_SHR);
    lt_test_free(t);
}

static void test_atomics(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C atomics\n{}\n"
                          "P0(atomic_int *x, atomic_int *y, int *e) {\n"
                          "  int r0 = atomic_exchange_explicit(x, 1, memory_order_acq_rel);\n"
                          "  int r1 = atomic_fetch_add_explicit(x, 2, memory_order_release);\n"
                          "  int r2 = atomic_fetch_sub(x, 1);\n"
                          "  int r3 = atomic_fetch_or_explicit(x, 1, memory_order_relaxed);\n"
                          "  int r4 = atomic_fetch_and_explicit(x, 1, memory_order_consume);\n"
                          "  int r5 = atomic_fetch_xor(x, 1);\n"
                          "  int r6 = atomic_compare_exchange_strong_explicit(x, &r0, 5, "
                          "memory_order_acquire, memory_order_relaxed);\n"
                          "  int r7 = atomic_compare_exchange_weak(y, e, 1);\n"
                          "  int r8 = atomic_load(x);\n"
                          "  atomic_store(y, 3);\n"
                          "  atomic_fetch_add_explicit(x, 1, memory_order_seq_cst);\n"
                          "}\n"
                          "exists (0:r0=0)\n");
    const lt_stmt *s = t->threads[0].body;
    assert_int_equal(s->a->kind, LE_RMW);
    assert_int_equal(s->a->rmw, LR_XCHG);
    assert_int_equal(s->a->mo, LT_ACQ_REL);
    s = s->next;
    assert_int_equal(s->a->rmw, LR_ADD);
    assert_int_equal(s->a->mo, LT_REL);
    s = s->next;
    assert_int_equal(s->a->rmw, LR_SUB);
    assert_int_equal(s->a->mo, LT_SC);
    s = s->next;
    assert_int_equal(s->a->rmw, LR_OR);
    s = s->next;
    assert_int_equal(s->a->rmw, LR_AND);
    assert_int_equal(s->a->mo, LT_CON);
    s = s->next;
    assert_int_equal(s->a->rmw, LR_XOR);
    s = s->next;
    assert_int_equal(s->a->kind, LE_CAS);
    assert_int_equal(s->a->exp_reg, 0);
    assert_int_equal(s->a->exp_loc, -1);
    assert_int_equal(s->a->mo, LT_ACQ);
    assert_int_equal(s->a->mo_fail, LT_RLX);
    assert_false(s->a->weak);
    s = s->next;
    assert_int_equal(s->a->kind, LE_CAS);
    assert_true(s->a->weak);
    assert_int_equal(s->a->exp_loc, 2);
    assert_int_equal(s->a->mo, LT_SC);
    s = s->next;
    assert_int_equal(s->a->kind, LE_LOAD);
    assert_int_equal(s->a->mo, LT_SC);
    s = s->next;
    assert_int_equal(s->kind, LS_STORE);
    assert_int_equal(s->mo, LT_SC);
    s = s->next;
    assert_int_equal(s->kind, LS_EXPR);
    assert_int_equal(s->a->kind, LE_RMW);
    /* e is written plainly by the CAS and is a parameter of P0 only */
    assert_false(lt_has_plain_conflict(t));
    lt_test_free(t);
}

static void test_kernel_macros(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C LKMM\n{}\n"
                          "P0(int *x, int *y) {\n"
                          "  WRITE_ONCE(*x, 1);\n"
                          "  smp_wmb();\n"
                          "  smp_store_release(y, 1);\n"
                          "}\n"
                          "P1(int *x, int *y) {\n"
                          "  int r0 = smp_load_acquire(y);\n"
                          "  smp_rmb();\n"
                          "  int r1 = READ_ONCE(*x);\n"
                          "  smp_mb();\n"
                          "  int r2 = xchg(x, 2);\n"
                          "  int r3 = cmpxchg_relaxed(y, 1, 3);\n"
                          "  int r4 = xchg_acquire(x, 4);\n"
                          "}\n"
                          "exists (1:r0=1 /\\ 1:r1=0)\n");
    const lt_stmt *s = t->threads[0].body;
    assert_int_equal(s->kind, LS_STORE);
    assert_int_equal(s->mo, LT_RLX);
    assert_int_equal(s->next->kind, LS_FENCE);
    assert_int_equal(s->next->mo, LT_REL);
    assert_int_equal(s->next->next->mo, LT_REL);
    s = t->threads[1].body;
    assert_int_equal(s->a->mo, LT_ACQ);
    assert_int_equal(s->next->mo, LT_ACQ);
    assert_int_equal(s->next->next->a->mo, LT_RLX);
    assert_int_equal(s->next->next->next->mo, LT_SC);
    s = s->next->next->next->next;
    assert_int_equal(s->a->kind, LE_RMW);
    assert_int_equal(s->a->mo, LT_SC);
    s = s->next;
    assert_int_equal(s->a->kind, LE_CMPXCHG);
    assert_int_equal(s->a->mo, LT_RLX);
    assert_int_equal(s->next->a->mo, LT_ACQ);
    lt_test_free(t);
}

static void test_conditions(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C cond\n(* a comment *)\n{ }\n"
                          "P0(int *x, int *y) { int r0 = *x; int r1 = *y; }\n"
                          "P1(int *x) { *x = 1; }\n"
                          "(* between *)\n"
                          "locations [y; 0:r1;]\n"
                          "filter (0:r1 == 0)\n"
                          "~exists (0:r0=1 /\\ x!=0 => ~[y]=1 \\/ false)\n");
    assert_int_equal(t->quant, LQ_NOT_EXISTS);
    assert_non_null(t->filter);
    /* a /\ b => c \/ d parses as (a /\ (b => c)) \/ d */
    assert_int_equal(t->cond->kind, LP_OR);
    assert_int_equal(t->cond->a->kind, LP_AND);
    assert_int_equal(t->cond->a->b->kind, LP_IMPL);
    assert_int_equal(t->cond->a->b->b->kind, LP_NOT);
    assert_int_equal(t->cond->b->kind, LP_FALSE);
    assert_int_equal(t->nvars, 4); /* 0:r0 0:r1 x y */
    assert_string_equal(t->vars[0].text, "0:r0");
    assert_string_equal(t->vars[1].text, "0:r1");
    assert_string_equal(t->vars[2].text, "x");
    assert_string_equal(t->vars[3].text, "y");
    int64_t st[4] = {1, 0, 1, 0};
    assert_true(lt_prop_eval(t->cond, st)); /* x!=0 and y!=1 */
    st[3] = 1;
    assert_false(lt_prop_eval(t->cond, st));
    assert_true(lt_prop_eval(t->filter, st));
    assert_true(lt_has_plain_conflict(t));
    lt_test_free(t);

    t = parse_ok("C q\n{}\nP0(int *x) { *x = 1; }\nforall true\n");
    assert_int_equal(t->quant, LQ_FORALL);
    assert_string_equal(t->cond_text, "forall (true)");
    lt_test_free(t);
    t = parse_ok("C q\n{}\nP0(int *x) { *x = 1; }\nfinal (x=1)\n");
    assert_int_equal(t->quant, LQ_EXISTS);
    lt_test_free(t);
    t = parse_ok("C q\n{}\nP0(int *x) { *x = 1; }\n(x=1 \\/ x=2)\n");
    assert_int_equal(t->quant, LQ_EXISTS);
    assert_string_equal(t->cond_text, "exists (x=1 \\/ x=2)");
    lt_test_free(t);
}

static void test_prop_eval(void **state)
{
    (void)state;
    lt_test *t = parse_ok("C e\n{}\nP0(int *x, int *y) { *x = 1; *y = 1; }\n"
                          "exists (x=1 => y=1)\n");
    int64_t st[2] = {0, 0};
    assert_true(lt_prop_eval(t->cond, st));
    st[0] = 1;
    assert_false(lt_prop_eval(t->cond, st));
    st[1] = 1;
    assert_true(lt_prop_eval(t->cond, st));
    lt_test_free(t);
}

typedef struct bad {
    const char *src;
    int line, col;
    const char *what;
} bad;

#define HDR "C t\n{}\n"

static const bad bads[] = {
    {"", 1, 1, "empty file"},
    {"X86 SB\n", 1, 1, "expected 'C NAME'"},
    {"C\n", 1, 2, "name after 'C'"},
    {"C a{b\n{}\n", 1, 4, "not allowed in a test name"},
    {"C t\n\"doc\n", 2, 1, "unterminated doc string"},
    {"C t\n(* open\n", 2, 1, "unterminated comment"},
    {"C t\nfoo bar\n{}\n", 2, 1, "expected a Key=Value line"},
    {"C t\nExpectSC=Maybe\n{}\n", 2, 10, "ExpectSC must be Never, Sometimes, Always"},
    {"C t\nExpectTSO=Undef\n{}\n", 2, 11, "ExpectTSO must be"},
    {"C t\nKey=v\n", 3, 1, "init block"},
    {"C t\n{ x = ; }\n", 2, 7, "expected an integer"},
    {"C t\n{ x = 99999999999999999999; }\n", 2, 7, "out of range"},
    {"C t\n{ x = 1; x = 2; }\n", 2, 10, "initialised twice"},
    {"C t\n{ int *p; }\n", 2, 7, "pointer locations"},
    {"C t\n{ int a[2]; }\n", 2, 8, "array locations"},
    {"C t\n{ 0:r0 = 1; 0:r0 = 2; }\n", 2, 15, "initialised twice"},
    {"C t\n{ x = 1 \n", 3, 1, "unterminated init block"},
    {"C t\n{ y = x; }\n", 2, 7, "expected an integer"},
    {HDR "P1(int *x) { }\nexists (x=0)\n", 3, 1, "expected P0"},
    {HDR "Q0(int *x) { }\n", 3, 1, "expected a thread"},
    {HDR "P0(int x) { }\n", 3, 8, "must be a pointer"},
    {HDR "P0(int **x) { }\n", 3, 9, "pointer-to-pointer"},
    {HDR "P0(int *x, int *x) { }\n", 3, 17, "appears twice"},
    {HDR "P0(foo *x) { }\n", 3, 4, "expected a type name"},
    {HDR "P0(int *x) { *x = 1;\n", 3, 12, "unterminated block"},
    {HDR "P0(int *x) { *y = 1; }\n", 3, 15, "not a parameter of P0"},
    {HDR "P0(int *x) { r0 = 1; }\n", 3, 14, "unknown name 'r0'"},
    {HDR "P0(int *x) { int r0; int r0; }\n", 3, 26, "declared twice"},
    {HDR "P0(int *x) { int x; }\n", 3, 18, "name of a location parameter"},
    {HDR "P0(int *x) { int r0 = foo(x); }\n", 3, 23, "unsupported function 'foo'"},
    {HDR "P0(int *x) { int r0 = x; }\n", 3, 23, "is a location"},
    {HDR "P0(int *x) { int r0 = 1 +; }\n", 3, 26, "expected an expression"},
    {HDR "P0(int *x) { int r0 = (1; }\n", 3, 25, "expected ')'"},
    {HDR "P0(int *x) { for (;;) ; }\n", 3, 14, "'for' is not supported"},
    {HDR "P0(int *x) { else *x = 1; }\n", 3, 14, "'else' without 'if'"},
    {HDR "P0(int *x) { int r0; r0++; }\n", 3, 24, "compound assignments"},
    {HDR "P0(int *x) { int r0 = 0; r0 = = 1; }\n", 3, 31, "expected an expression, found '='"},
    {HDR "P0(int *x) { 1 = 2; }\n", 3, 16, "cannot assign"},
    {HDR "P0(int *x) { int r0 = &x; }\n", 3, 23, "address-of"},
    {HDR "P0(int *x) { int *p; }\n", 3, 18, "pointer registers"},
    {HDR "P0(int *x) { int r0 = (int *)x; }\n", 3, 28, "pointer casts"},
    {HDR "P0(atomic_int *x) { atomic_store_explicit(x, 1, memory_order_acquire); }\n", 3, 49,
     "cannot take memory_order_acquire"},
    {HDR "P0(atomic_int *x) { int r0 = atomic_load_explicit(x, memory_order_release); }\n", 3, 54,
     "cannot take memory_order_release"},
    {HDR "P0(atomic_int *x) { int r0 = atomic_load_explicit(x, 7); }\n", 3, 54,
     "expected a memory order"},
    {HDR "P0(atomic_int *x) { int r0 = atomic_load_explicit(x); }\n", 3, 52, "expected ','"},
    {HDR "P0(atomic_int *x) { atomic_thread_fence(memory_order_relaxed); }\n", 3, 41,
     "relaxed fence"},
    {HDR "P0(atomic_int *x) { int r0 = atomic_store(x, 1); }\n", 3, 30, "has no value"},
    {HDR "P0(atomic_int *x) { int r0 = atomic_compare_exchange_strong(x, &r9, 1); }\n", 3, 65,
     "expected a register of P0"},
    {HDR "P0(atomic_int *x, int *e) { int r0 = atomic_compare_exchange_strong_explicit(x, e, 1, "
         "memory_order_seq_cst, memory_order_release); }\n",
     3, 109, "failure order"},
    {HDR "P0(int *x) { mtx_lock(x); }\n", 3, 14, "needs a lock location"},
    {HDR "P0(mtx_t *m) { *m = 1; }\n", 3, 16, "is a lock"},
    {HDR "P0(int *x) { READ_ONCE(x); }\n", 3, 24, "this macro takes *x"},
    {HDR "P0(int *x) { int r0 = 12ab; }\n", 3, 23, "malformed number"},
    {HDR "P0(int *x) { int r0 = 1 @ 2; }\n", 3, 25, "unexpected character '@'"},
    {HDR "P0(int *x) { /* open\n", 3, 14, "unterminated comment"},
    {HDR "P0(int *x) { *x = 1; }\n", 4, 1, "missing the final condition"},
    {HDR "P0(int *x) { *x = 1; }\nexists\n", 5, 1, "expected a condition"},
    {HDR "P0(int *x) { *x = 1; }\nexists (2:r0=1)\n", 4, 9, "no thread P2"},
    {HDR "P0(int *x) { *x = 1; }\nexists (0:r5=1)\n", 4, 11, "no register 'r5'"},
    {HDR "P0(int *x) { *x = 1; }\nexists (z=1)\n", 4, 9, "unknown location 'z'"},
    {HDR "P0(int *x) { *x = 1; }\nexists (x 1)\n", 4, 11, "expected '=' or '!='"},
    {HDR "P0(int *x) { *x = 1; }\nexists (x=y)\n", 4, 11, "pointer values"},
    {HDR "P0(int *x) { *x = 1; }\nexists (x=1))\n", 4, 13, "after the final condition"},
    {HDR "P0(int *x) { *x = 1; }\nexists (x=1 /\\ )\n", 4, 16, "expected a condition"},
    {HDR "P0(int *x) { *x = 1; }\nlocations [x; \n", 5, 1, "unterminated locations"},
    {HDR "P0(int *x) { *x = 1; }\n~forall (x=1)\n", 4, 2, "expected 'exists' after '~'"},
    {HDR "P0(int *x) { *x = 1; }\nexists (x=1) with a: exists\n", 4, 14, "'with' clauses"},
    {HDR "P0(int *x) { *x = 1; }\nexists (* open\n", 4, 8, "unterminated comment"},
    {"C t\n{ 1:r0 = 1; }\nP0(int *x) { *x = 1; }\nexists (x=1)\n", 4, 1,
     "registers of P1, which is not defined"},
    {"C t\n{}\nP0(int *x) { *x = 1; }\nP1(long *x) { *x = 1; }\nexists (x=1)\n", 4, 4,
     "8-byte type here but a 4-byte"},
    {"C t\n{}\nexists (x=1)\n", 3, 1, "no threads"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++)
        parse_err(bads[i].src, bads[i].line, bads[i].col, bads[i].what);
}

static void test_nul_and_truncation(void **state)
{
    (void)state;
    char err[256];
    static const char src[] = "C t\n{}\0P0";
    assert_null(lt_parse("t.litmus", src, sizeof src - 1, err, sizeof err));
    assert_non_null(strstr(err, "t.litmus:2:3: error: NUL byte"));
    /* every prefix of a valid test fails cleanly or parses */
    size_t n = strlen(SB);
    for (size_t k = 0; k <= n; k++) {
        lt_test *t = lt_parse("t.litmus", SB, k, err, sizeof err);
        if (t)
            lt_test_free(t);
        else
            assert_non_null(strstr(err, "error: "));
    }
    /* a tiny error buffer is not overrun */
    char small[8];
    assert_null(lt_parse("t.litmus", "C\n", 2, small, sizeof small));
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_parse_file(void **state)
{
    (void)state;
    char err[512];
    assert_null(lt_parse_file("/nonexistent/x.litmus", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.litmus: error: cannot open"));
    char path[] = "/tmp/gomm-test-parse-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(SB, f);
    fclose(f);
    lt_test *t = lt_parse_file(path, err, sizeof err);
    assert_non_null(t);
    assert_string_equal(t->file, path);
    lt_test_free(t);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sb),         cmocka_unit_test(test_init_forms),
        cmocka_unit_test(test_statements), cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_atomics),    cmocka_unit_test(test_kernel_macros),
        cmocka_unit_test(test_conditions), cmocka_unit_test(test_prop_eval),
        cmocka_unit_test(test_errors),     cmocka_unit_test(test_nul_and_truncation),
        cmocka_unit_test(test_parse_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
