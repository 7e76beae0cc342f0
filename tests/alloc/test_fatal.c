/*
 * tests/alloc/test_fatal.c — misuse stops the program like Go does:
 * "gomm: fatal error: ..." and a stack trace on stderr, exit status 2.
 *
 * Each case runs in a forked child whose stderr goes into a pipe; the
 * parent reads it to EOF, then checks the exit status and the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gomm/alloc.h>

#include "internal.h"
#include "test_util.h"
#include "../common/child.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

#define outcome gt_child_outcome

static void (*child_fn)(void);

static void call_child_fn(void *arg)
{
    (void)arg;
    child_fn();
}

/* Run fn in a child with stderr captured. A child that returns from fn
 * exits 0 (no fatal error happened). */
static void run_child(void (*fn)(void), struct outcome *o)
{
    child_fn = fn;
    gt_run_child(call_child_fn, NULL, 60, o);
}

/* The child died of gm_fatal with this message, and printed a stack. */
static void check_fatal(const struct outcome *op, const char *what, const char *const *needles)
{
    if (!op->exited)
        fail_msg("%s: child killed by signal %d, stderr:\n%s", what, op->signal, op->err);
    if (op->status != 2)
        fail_msg("%s: exit status %d, want 2; stderr:\n%s", what, op->status, op->err);
    if (!strstr(op->err, "gomm: fatal error: "))
        fail_msg("%s: no \"gomm: fatal error\" on stderr:\n%s", what, op->err);
    for (; *needles; needles++)
        if (!strstr(op->err, *needles))
            fail_msg("%s: stderr lacks \"%s\":\n%s", what, *needles, op->err);
    /* a stack trace: backtrace_symbols_fd lines end in "[0x<address>]" */
    if (!strstr(op->err, "[0x"))
        fail_msg("%s: no stack trace on stderr:\n%s", what, op->err);
}

static struct outcome last; /* big: not on the stack */

static void expect_fatal(void (*fn)(void), const char *what, const char *const *needles)
{
    run_child(fn, &last);
    check_fatal(&last, what, needles);
}

#define EXPECT_FATAL(fn, ...)                                                                      \
    do {                                                                                           \
        static const char *const needles_[] = {__VA_ARGS__, NULL};                                 \
        expect_fatal(fn, #fn, needles_);                                                           \
    } while (0)

/* Keep the compiler from seeing through what the children do. */
static void *volatile sink;
static void *launder(void *p)
{
    sink = p;
    return sink;
}

/* ---- the children ---- */

static int a_global;

static void free_stack_pointer(void)
{
    int local = 1;
    gm_free(launder(&local));
}

static void free_global_pointer(void)
{
    gm_free(launder(&a_global));
}

static void free_stack_pointer_from_a_thread_with_a_cache(void)
{
    gm_free(gm_malloc(8)); /* this thread has a cache: the fast path is armed */
    char local[64];
    gm_free(launder(local + 16));
}

static void double_free_small(void)
{
    void *p = gm_malloc(48);
    gm_free(p);
    gm_free(launder(p));
}

static void double_free_small_among_live_neighbours(void)
{
    void *keep[10];
    for (int i = 0; i < 10; i++)
        keep[i] = gm_malloc(100);
    gm_free(keep[4]);
    gm_free(launder(keep[4]));
}

static void double_free_large(void)
{
    void *p = gm_malloc(100 * KIB);
    gm_free(p);
    gm_free(launder(p));
}

/* The block just below was freed first: freeing p coalesces it into that
 * free span, so p's page is now in the middle of a free span. */
static void double_free_large_after_its_neighbour_was_freed(void)
{
    uint8_t *a = gm_malloc(100 * KIB);
    uint8_t *b = gm_malloc(100 * KIB);
    uint8_t *fence = gm_malloc(100 * KIB);
    if (b != a + gm_usable_size(a)) {
        (void)fence;
        _exit(111); /* precondition failed, reported by the parent */
    }
    gm_free(a);
    gm_free(b);
    gm_free(launder(b));
}

static void free_interior_pointer_small(void)
{
    char *p = gm_malloc(64);
    gm_free(launder(p + 16));
}

static void *free_interior_thread(void *p)
{
    gm_free(launder((char *)p + 8));
    return NULL;
}

static void free_interior_pointer_small_from_another_thread(void)
{
    char *p = gm_malloc(64);
    pthread_t t;
    pthread_create(&t, NULL, free_interior_thread, p);
    pthread_join(t, NULL);
}

/* The 48-byte class's span holds 170 objects and 32 bytes of tail: the
 * address right after the last object is a multiple of 48 from the span's
 * start, yet no object. */
static void free_in_tail_waste_of_a_span(void)
{
    char *p = gm_malloc(48);
    gm_span *s = span_of(p);
    gm_free(launder((char *)s->start + (size_t)s->nelems * s->elem_size));
}

static void free_interior_pointer_large(void)
{
    char *p = gm_malloc(200 * KIB);
    gm_free(launder(p + 3 * GM_PAGE_SIZE));
}

static void usable_size_of_a_foreign_pointer(void)
{
    int local;
    (void)gm_usable_size(launder(&local));
}

static void usable_size_of_an_interior_pointer(void)
{
    char *p = gm_malloc(256);
    (void)gm_usable_size(launder(p + 8));
}

static void realloc_of_a_foreign_pointer(void)
{
    (void)gm_realloc(launder(&a_global), 100);
}

static void *double_free_thread(void *p)
{
    gm_free(p);
    gm_free(launder(p));
    return NULL;
}

/* The owner (main thread) is alive; another thread frees the object twice
 * in a row. malloc.c promises the check "not the object most recently freed
 * into its span" on every free. */
static void double_free_small_by_a_thread_that_does_not_own_the_span(void)
{
    void *p = gm_malloc(32);
    void *other = gm_malloc(32); /* keeps the span busy */
    pthread_t t;
    pthread_create(&t, NULL, double_free_thread, p);
    pthread_join(t, NULL);
    (void)other;
}

#ifdef GOMM_DEBUG
/* Debug builds walk the span's free lists: a double free of an object that
 * is not the last one freed is caught too. */
static void double_free_small_not_last_freed(void)
{
    void *a = gm_malloc(64), *b = gm_malloc(64), *c = gm_malloc(64);
    gm_free(a);
    gm_free(b);
    gm_free(launder(a));
    (void)c;
}
#endif

static void no_misuse(void)
{
    void *p = gm_malloc(10);
    gm_free(p);
    gm_free(NULL);
}

/* ---- the tests ---- */

static void test_a_child_without_misuse_exits_zero_and_prints_nothing(void **state)
{
    (void)state;
    run_child(no_misuse, &last);
    assert_true(last.exited);
    assert_int_equal(last.status, 0);
    assert_null(strstr(last.err, "fatal error"));
}

static void test_free_of_stack_pointer_is_fatal_error_with_stack_trace(void **state)
{
    (void)state;
    EXPECT_FATAL(free_stack_pointer, "free of pointer", "not allocated by gomm", "goroutine stack");
}

static void test_free_of_global_pointer_is_fatal_error(void **state)
{
    (void)state;
    EXPECT_FATAL(free_global_pointer, "free of pointer", "not allocated by gomm");
}

static void test_free_of_stack_pointer_by_a_thread_with_a_cache_is_fatal_error(void **state)
{
    (void)state;
    EXPECT_FATAL(free_stack_pointer_from_a_thread_with_a_cache, "free of pointer",
                 "not allocated by gomm");
}

static void test_double_free_of_small_object_is_fatal_double_free(void **state)
{
    (void)state;
    EXPECT_FATAL(double_free_small, "double free");
    EXPECT_FATAL(double_free_small_among_live_neighbours, "double free");
}

static void test_double_free_of_large_block_is_fatal_double_free(void **state)
{
    (void)state;
    EXPECT_FATAL(double_free_large, "double free");
}

static void test_double_free_of_large_block_merged_into_free_neighbour_is_double_free(void **state)
{
    (void)state;
    static const char *const needles[] = {"double free", NULL};
    run_child(double_free_large_after_its_neighbour_was_freed, &last);
    if (last.exited && last.status == 111)
        fail_msg("precondition: the two blocks were not adjacent");
    check_fatal(&last, "double_free_large_after_its_neighbour_was_freed", needles);
}

static void test_double_free_by_a_non_owner_thread_is_fatal_double_free(void **state)
{
    (void)state;
    EXPECT_FATAL(double_free_small_by_a_thread_that_does_not_own_the_span, "double free");
}

static void test_free_of_interior_pointer_of_small_object_is_not_the_start(void **state)
{
    (void)state;
    EXPECT_FATAL(free_interior_pointer_small, "not the start of an object");
    EXPECT_FATAL(free_interior_pointer_small_from_another_thread, "not the start of an object");
    EXPECT_FATAL(free_in_tail_waste_of_a_span, "not the start of an object");
}

static void test_free_of_interior_pointer_of_large_block_is_not_the_start(void **state)
{
    (void)state;
    EXPECT_FATAL(free_interior_pointer_large, "not the start of a block");
}

static void test_usable_size_of_foreign_pointer_is_fatal_error(void **state)
{
    (void)state;
    EXPECT_FATAL(usable_size_of_a_foreign_pointer, "not allocated by gomm");
}

static void test_usable_size_of_interior_pointer_is_fatal_error(void **state)
{
    (void)state;
    EXPECT_FATAL(usable_size_of_an_interior_pointer, "not the start of a live gomm block");
}

static void test_realloc_of_foreign_pointer_is_fatal_error(void **state)
{
    (void)state;
    EXPECT_FATAL(realloc_of_a_foreign_pointer, "not allocated by gomm");
}

#ifdef GOMM_DEBUG
static void test_debug_build_catches_double_free_of_an_older_free(void **state)
{
    (void)state;
    EXPECT_FATAL(double_free_small_not_last_freed, "double free");
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_child_without_misuse_exits_zero_and_prints_nothing),
        cmocka_unit_test(test_free_of_stack_pointer_is_fatal_error_with_stack_trace),
        cmocka_unit_test(test_free_of_global_pointer_is_fatal_error),
        cmocka_unit_test(test_free_of_stack_pointer_by_a_thread_with_a_cache_is_fatal_error),
        cmocka_unit_test(test_double_free_of_small_object_is_fatal_double_free),
        cmocka_unit_test(test_double_free_of_large_block_is_fatal_double_free),
        cmocka_unit_test(test_double_free_of_large_block_merged_into_free_neighbour_is_double_free),
        cmocka_unit_test(test_double_free_by_a_non_owner_thread_is_fatal_double_free),
        cmocka_unit_test(test_free_of_interior_pointer_of_small_object_is_not_the_start),
        cmocka_unit_test(test_free_of_interior_pointer_of_large_block_is_not_the_start),
        cmocka_unit_test(test_usable_size_of_foreign_pointer_is_fatal_error),
        cmocka_unit_test(test_usable_size_of_interior_pointer_is_fatal_error),
        cmocka_unit_test(test_realloc_of_foreign_pointer_is_fatal_error),
#ifdef GOMM_DEBUG
        cmocka_unit_test(test_debug_build_catches_double_free_of_an_older_free),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
