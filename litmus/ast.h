/*
 * litmus/ast.h — the parsed form of a C litmus test (herd7's format, the
 * subset in docs/litmus-format.md).
 *
 * A test is: a name, an optional doc string, metadata (Key=Value lines, of
 * which the Expect* keys give the expected observation per model), shared
 * locations (from the init block and the threads' parameter lists), threads
 * with their registers (locals) and statement trees, and the final
 * condition (quantifier, proposition, optional filter and locations list).
 *
 * Invariants: every node lives in the test's arena and dies with
 * lt_test_free; location and register references are indices into the
 * test's tables, resolved at parse time (a name that is neither is a parse
 * error, never a dangling reference); every expression and statement
 * records the line and column it starts at. Nothing here is shared between
 * threads: a parsed test is read-only after lt_parse returns and may then
 * be read from any thread.
 */
#ifndef GOMM_LITMUS_AST_H
#define GOMM_LITMUS_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Memory orders; LT_NA marks a plain (non-atomic) access. */
typedef enum lt_mo {
    LT_RLX,
    LT_CON,
    LT_ACQ,
    LT_REL,
    LT_ACQ_REL,
    LT_SC,
    LT_NA,
} lt_mo;

const char *lt_mo_name(lt_mo mo); /* "memory_order_relaxed", ... */

typedef struct lt_loc {
    char *name;
    int width; /* bytes: 1, 2, 4, 8 */
    bool is_signed;
    bool is_atomic; /* declared _Atomic/atomic_* somewhere */
    bool is_lock;   /* mtx_t, spinlock_t */
    bool typed;     /* a declaration gave its type */
    int64_t init;
    int line, col; /* first mention */
} lt_loc;

typedef enum lt_ekind {
    LE_NUM,     /* v */
    LE_REG,     /* reg */
    LE_LOAD,    /* loc, mo (LT_NA: *x; volatile when the thread's param is) */
    LE_UN,      /* op, a */
    LE_BIN,     /* op, a, b */
    LE_RMW,     /* rmw, loc, a (operand), mo: returns the old value */
    LE_CAS,     /* loc, exp_loc or exp_reg, a (desired), mo, mo_fail, weak:
                   returns 1 on success; on failure the value read goes to
                   the expected location or register */
    LE_CMPXCHG, /* loc, a (old), b (new), mo: kernel cmpxchg, returns the
                   value read */
} lt_ekind;

typedef enum lt_rmw { LR_XCHG, LR_ADD, LR_SUB, LR_OR, LR_AND, LR_XOR } lt_rmw;

typedef struct lt_expr {
    lt_ekind kind;
    int line, col;
    int64_t v;
    int reg, loc;
    int op; /* LE_UN: '-', '!', '~'; LE_BIN: see lt_binop */
    lt_rmw rmw;
    lt_mo mo, mo_fail;
    bool weak;
    bool is_volatile;     /* LE_LOAD through a volatile parameter */
    int exp_loc, exp_reg; /* LE_CAS: exactly one is >= 0 */
    struct lt_expr *a, *b;
} lt_expr;

/* Binary operators (LE_BIN op). */
enum lt_binop {
    LB_MUL,
    LB_DIV,
    LB_MOD,
    LB_ADD,
    LB_SUB,
    LB_SHL,
    LB_SHR,
    LB_LT,
    LB_GT,
    LB_LE,
    LB_GE,
    LB_EQ,
    LB_NE,
    LB_BAND,
    LB_BXOR,
    LB_BOR,
    LB_LAND,
    LB_LOR,
};
const char *lt_binop_text(int op); /* "*", "<<", "&&", ... */

typedef enum lt_skind {
    LS_ASSIGN, /* reg = a (also a declaration with an initialiser) */
    LS_STORE,  /* loc, a, mo (LT_NA: *x = a), is_volatile */
    LS_FENCE,  /* mo; signal: atomic_signal_fence (compiler-only) */
    LS_EXPR,   /* a, evaluated for its effect */
    LS_IF,     /* a, body (then), els (may be NULL) */
    LS_WHILE,  /* a, body */
    LS_BLOCK,  /* body: a list through next */
    LS_LOCK,   /* loc */
    LS_UNLOCK, /* loc */
} lt_skind;

typedef struct lt_stmt {
    lt_skind kind;
    int line, col;
    int reg, loc;
    lt_mo mo;
    bool is_volatile;
    bool signal; /* LS_FENCE */
    lt_expr *a;
    struct lt_stmt *body, *els;
    struct lt_stmt *next; /* the next statement of the same block */
} lt_stmt;

typedef struct lt_reg {
    char *name;
    int64_t init; /* from a k:r=v init item, else 0 */
    int line, col;
} lt_reg;

/* One thread parameter: the location it names and how this thread sees it. */
typedef struct lt_param {
    int loc;
    bool is_volatile;
} lt_param;

typedef struct lt_thread {
    int id; /* k of Pk */
    lt_param *params;
    int nparams;
    lt_reg *regs;
    int nregs;
    lt_stmt *body; /* a list through next */
    int line, col;
} lt_thread;

/* The final condition. */
typedef enum lt_pkind {
    LP_TRUE,
    LP_FALSE,
    LP_ATOM, /* a thread's register or a location compared to a value */
    LP_NOT,
    LP_AND,
    LP_OR,
    LP_IMPL,
} lt_pkind;

typedef struct lt_prop {
    lt_pkind kind;
    int var; /* LP_ATOM: index into the test's observed variables */
    bool ne; /* LP_ATOM: != */
    int64_t v;
    struct lt_prop *a, *b;
} lt_prop;

typedef enum lt_quant { LQ_EXISTS, LQ_NOT_EXISTS, LQ_FORALL } lt_quant;

/* An observed variable: a register of a thread (thread >= 0) or a
 * location's final value (thread = -1). Ordered: registers by thread then
 * name, then locations by name (the order of printed states). */
typedef struct lt_var {
    int thread;
    int index;  /* register or location index */
    char *text; /* "0:r0" or "x" */
} lt_var;

/* Expectation of one model for the proposition (herd7's Observation). */
typedef enum lt_expect {
    LX_UNKNOWN,
    LX_NEVER,
    LX_SOMETIMES,
    LX_ALWAYS,
    LX_UNDEF,
} lt_expect;

enum lt_model { LM_SC, LM_TSO, LM_C11, LM_RC11, LM_NMODELS };
const char *lt_model_name(int m);      /* "SC", "TSO", "C11", "RC11" */
const char *lt_expect_name(lt_expect); /* "Never", ... */

typedef struct lt_meta {
    char *key, *value;
} lt_meta;

typedef struct lt_test {
    char *name;
    char *doc;  /* NULL when none */
    char *file; /* as given to lt_parse */
    lt_meta *meta;
    int nmeta;
    lt_expect expect[LM_NMODELS];
    lt_loc *locs;
    int nlocs;
    lt_thread *threads;
    int nthreads;
    lt_quant quant;
    lt_prop *cond;
    lt_prop *filter; /* NULL when none */
    char *cond_text; /* the condition as written, blanks normalised */
    lt_var *vars;
    int nvars;
    struct lt_arena *arena;
} lt_test;

/* Parses text[0..len) (file names it in messages). On success returns the
 * test; on failure NULL with "file:line:col: error: ..." in err. */
lt_test *lt_parse(const char *file, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file (an unreadable file is reported as file: error). */
lt_test *lt_parse_file(const char *path, char *err, size_t errlen);
void lt_test_free(lt_test *t);

/* Evaluates a proposition on a final state (values indexed like vars). */
bool lt_prop_eval(const lt_prop *p, const int64_t *state);
/* Appends "0:r0=1; 1:r1=0; x=2;" for a state to buf (returns chars
 * written, snprintf-style). */
size_t lt_state_text(const lt_test *t, const int64_t *state, char *buf, size_t n);
/* The metadata value of key, or NULL. */
const char *lt_meta_get(const lt_test *t, const char *key);
/* True when some location is accessed plainly (LT_NA) by one thread and
 * written by another, i.e. the test may race under C11 (a syntactic over-
 * approximation; the Expect keys or the model enumerator decide). */
bool lt_has_plain_conflict(const lt_test *t);

#endif /* GOMM_LITMUS_AST_H */
