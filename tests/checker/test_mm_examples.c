/*
 * tests/checker/test_mm_examples.c — the examples of the Go memory model
 * document (go.dev/ref/mem), in C on gomm, through the race checker.
 *
 * "Incorrect synchronization": a goroutine's write printed after an
 * unsynchronized goroutine, f/g printing b then a, double-checked locking
 * with a plain done flag, busy-waiting on a plain done flag, and a pointer
 * to an initialized struct published through a plain global. Each must be
 * reported, race by race, with the right lines: where the example has two
 * racing variables (a flag or pointer and the data behind it) the checker
 * reports both, the flag first, and the test says so. The corrected
 * versions the document gives (a channel, close, an unbuffered receive,
 * sync.Mutex unlocked by another goroutine, sync.Once, a mutex or an
 * atomic pointer for the publication) must report nothing.
 *
 * Each program runs in a forked child (the harness: race_child.h) that
 * ends with exit(0), so the checker's at-exit hook runs: the exit status
 * must be 66 (exitcode's default) after a report, 0 otherwise, and a racy
 * run ends with "ThreadSanitizer: reported N warnings". The checker reads
 * its options once, at start-up: main re-executes the test with the
 * options these checks assume appended to GOMM_OPTIONS (RC_FORCED_OPTIONS:
 * the tsan preset's TSAN_OPTIONS=halt_on_error=1 is read by the checker
 * too), and the exitcode and halt_on_error tests re-run this executable
 * with their own GOMM_OPTIONS ("--run=<program>").
 *
 * How the programs talk to the checker: the Go variables' plain accesses
 * are announced with gm_race_read/gm_race_write on their own addresses,
 * which nothing really reads or writes; the values that steer the control
 * flow (done, the published pointer) travel through relaxed C11 atomics
 * the checker does not see (they create no happens-before edge), so a real
 * ThreadSanitizer build sees no race of ours. Where two accesses would be
 * reported in an order that depends on timing, the threads wait for each
 * other on such relaxed atomics first: a race is a pair of accesses
 * unordered by happens-before, whatever the timing. Line numbers are
 * recorded with __LINE__ on the line of each access and passed to the
 * parent through a MAP_SHARED page.
 */
#define _GNU_SOURCE
#include "race_child.h"

/* ---- the lines of the accesses, from the child to the parent ---- */

/* the slots of rc_line the programs record their accesses' lines in */
enum { A_W, A_R, B_W, B_R, DONE_W, DONE_R, NLINES };

/* The end of a program: exit() runs the checker's at-exit hook, which sets
 * the exit status (gt_run_child's own _exit would skip it). */
static void end(void)
{
    exit(0);
}

/* ---- the Go programs' variables ---- */

/* Announced only: `var a string`, `var b int`, `var done bool`. The
 * globals the reports locate are initialized, so they live in .data: the
 * checker does not yet name a .bss global past the first page of .bss
 * (no "Location is global" line). */
static struct {
    int64_t a;
    int b;
    bool done;
} gv = {.b = -1};

typedef struct T {
    int64_t msg;
} T;

/* `var g *T`: announced at &gptr; its value travels in gval. */
static T *gptr = (T *)&gv;
static _Atomic(T *) gval;     /* relaxed only */
static _Atomic bool done_val; /* relaxed only: done's value */

/* ==== Incorrect synchronization ==== */

/*
 *   var a string
 *   func hello() {
 *       go func() { a = "hello" }()
 *       print(a)
 *   }
 */
static void print_a_writer(void *arg)
{
    (void)arg;
    W_AT(A_W, gv.a);
    set_step(1);
    finished();
}

static void print_a(void *arg)
{
    (void)arg;
    go(print_a_writer, NULL);
    wait_step(1);
    R_AT(A_R, gv.a);
    wait_finished(1);
    end();
}

/*
 *   var a, b int
 *   func f() { a = 1; b = 2 }
 *   func g() { print(b); print(a) }
 *   func main() { go f(); g() }
 */
static void f_of_fg(void *arg)
{
    (void)arg;
    W_AT(A_W, gv.a);
    W_AT(B_W, gv.b);
    set_step(1);
    finished();
}

static void f_g(void *arg)
{
    (void)arg;
    go(f_of_fg, NULL);
    wait_step(1);
    R_AT(B_R, gv.b);
    R_AT(A_R, gv.a);
    wait_finished(1);
    end();
}

/*
 *   var a string
 *   var done bool
 *   func setup() { a = "hello, world"; done = true }
 *   func doprint() {
 *       if !done {
 *           mu.Lock()
 *           if !done { setup() }
 *           mu.Unlock()
 *       }
 *       print(a)
 *   }
 *   func twoprint() { go doprint(); go doprint() }
 *
 * (The document's version calls once.Do(setup) under the unlocked check;
 * here the slow path is the hand-written lock-and-recheck it stands for.)
 * The first doprint runs setup; the second sees done == true without the
 * lock: its read of done races with the write in setup, and so does its
 * read of a.
 */
static gm_mutex mu;

static void dcl_setup(void)
{
    W_AT(A_W, gv.a);
    W_AT(DONE_W, gv.done);
    atomic_store_explicit(&done_val, true, memory_order_relaxed);
}

static void dcl_doprint(void *arg)
{
    bool second = arg != NULL;
    if (second)
        wait_step(1); /* the first one has run setup and printed */
    if (second)
        R_AT(DONE_R, gv.done);
    else
        R(gv.done);
    if (!atomic_load_explicit(&done_val, memory_order_relaxed)) {
        gm_mutex_lock(&mu);
        R(gv.done);
        if (!atomic_load_explicit(&done_val, memory_order_relaxed))
            dcl_setup();
        gm_mutex_unlock(&mu);
    }
    if (second)
        R_AT(A_R, gv.a);
    else
        R(gv.a);
    if (!second)
        set_step(1);
    finished();
}

static void dcl(void *arg)
{
    (void)arg;
    go(dcl_doprint, NULL);
    go(dcl_doprint, (void *)1);
    wait_finished(2);
    end();
}

/*
 *   var a string
 *   var done bool
 *   func setup() { a = "hello, world"; done = true }
 *   func main() {
 *       go setup()
 *       for !done {}
 *       print(a)
 *   }
 *
 * setup is let finish before main looks (the verdict does not depend on
 * it; the order of the two reports and which access is "Previous" do).
 */
static void busy_setup(void *arg)
{
    (void)arg;
    W_AT(A_W, gv.a);
    W_AT(DONE_W, gv.done);
    atomic_store_explicit(&done_val, true, memory_order_relaxed);
    set_step(1);
    finished();
}

static void busy_wait(void *arg)
{
    (void)arg;
    go(busy_setup, NULL);
    wait_step(1);
    while (R_AT(DONE_R, gv.done), !atomic_load_explicit(&done_val, memory_order_relaxed))
        sched_yield();
    R_AT(A_R, gv.a);
    wait_finished(1);
    end();
}

/*
 *   type T struct { msg string }
 *   var g *T
 *   func setup() { t := new(T); t.msg = "hello, world"; g = t }
 *   func main() {
 *       go setup()
 *       for g == nil {}
 *       print(g.msg)
 *   }
 */
static void publish_setup(void *arg)
{
    (void)arg;
    T *t = gm_calloc(1, sizeof *t);
    CHECK(t);
    W_AT(A_W, t->msg);
    W_AT(DONE_W, gptr);
    atomic_store_explicit(&gval, t, memory_order_relaxed);
    set_step(1);
    finished();
}

static void publish_pointer(void *arg)
{
    (void)arg;
    go(publish_setup, NULL);
    wait_step(1);
    T *t;
    while (R_AT(DONE_R, gptr), !(t = atomic_load_explicit(&gval, memory_order_relaxed)))
        sched_yield();
    R_AT(A_R, t->msg);
    wait_finished(1);
    end();
}

/* ==== Correct synchronization ==== */

static gm_chan *c;

/*
 *   var c = make(chan int, 10)
 *   var a string
 *   func f() { a = "hello, world"; c <- 0 }
 *   func main() { go f(); <-c; print(a) }
 */
static void chan_f(void *arg)
{
    (void)arg;
    W(gv.a);
    int zero = 0;
    gm_chan_send(c, &zero);
    finished();
}

static void chan_send_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 10);
    go(chan_f, NULL);
    CHECK(gm_chan_recv(c, NULL));
    R(gv.a);
    wait_finished(1);
    end();
}

/* the same with close(c) in place of c <- 0 */
static void close_f(void *arg)
{
    (void)arg;
    W(gv.a);
    gm_chan_close(c);
    finished();
}

static void chan_close_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 10);
    go(close_f, NULL);
    CHECK(!gm_chan_recv(c, NULL));
    R(gv.a);
    wait_finished(1);
    end();
}

/*
 *   var c = make(chan int)
 *   var a string
 *   func f() { a = "hello, world"; <-c }
 *   func main() { go f(); c <- 0; print(a) }
 */
static void recv_f(void *arg)
{
    (void)arg;
    W(gv.a);
    CHECK(gm_chan_recv(c, NULL));
    finished();
}

static void unbuffered_recv_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(sizeof(int), 0);
    go(recv_f, NULL);
    int zero = 0;
    gm_chan_send(c, &zero);
    R(gv.a);
    wait_finished(1);
    end();
}

/*
 *   var l sync.Mutex
 *   var a string
 *   func f() { a = "hello, world"; l.Unlock() }
 *   func main() { l.Lock(); go f(); l.Lock(); print(a) }
 */
static void unlock_f(void *arg)
{
    (void)arg;
    W(gv.a);
    gm_mutex_unlock(&mu);
    finished();
}

static void mutex_ok(void *arg)
{
    (void)arg;
    gm_mutex_lock(&mu);
    go(unlock_f, NULL);
    gm_mutex_lock(&mu);
    R(gv.a);
    gm_mutex_unlock(&mu);
    wait_finished(1);
    end();
}

/*
 *   var a string
 *   var once sync.Once
 *   func setup() { a = "hello, world" }
 *   func doprint() { once.Do(setup); print(a) }
 *   func twoprint() { go doprint(); go doprint() }
 */
static gm_once once;

static void once_setup(void *arg)
{
    (void)arg;
    W(gv.a);
}

static void once_doprint(void *arg)
{
    (void)arg;
    gm_once_do(&once, once_setup, NULL);
    R(gv.a);
    finished();
}

static void once_ok(void *arg)
{
    (void)arg;
    go(once_doprint, NULL);
    go(once_doprint, NULL);
    wait_finished(2);
    end();
}

/* busy-waiting, fixed: setup sends on a channel when it is done */
static void busy_setup_chan(void *arg)
{
    (void)arg;
    W(gv.a);
    gm_chan_close(c);
    finished();
}

static void busy_wait_fixed_ok(void *arg)
{
    (void)arg;
    c = gm_chan_make(0, 0);
    go(busy_setup_chan, NULL);
    CHECK(!gm_chan_recv(c, NULL));
    R(gv.a);
    wait_finished(1);
    end();
}

/* the pointer published under a mutex */
static void publish_setup_locked(void *arg)
{
    (void)arg;
    T *t = gm_calloc(1, sizeof *t);
    CHECK(t);
    W(t->msg);
    gm_mutex_lock(&mu);
    W(gptr);
    atomic_store_explicit(&gval, t, memory_order_relaxed);
    gm_mutex_unlock(&mu);
    finished();
}

static void publish_mutex_ok(void *arg)
{
    (void)arg;
    go(publish_setup_locked, NULL);
    T *t = NULL;
    while (!t) {
        gm_mutex_lock(&mu);
        R(gptr);
        t = atomic_load_explicit(&gval, memory_order_relaxed);
        gm_mutex_unlock(&mu);
        if (!t)
            sched_yield();
    }
    R(t->msg);
    wait_finished(1);
    end();
}

/* the pointer published with an atomic (Go's atomic.Pointer) */
static gm_atomic_ptr gatomic;

static void publish_setup_atomic(void *arg)
{
    (void)arg;
    T *t = gm_calloc(1, sizeof *t);
    CHECK(t);
    W(t->msg);
    gm_atomic_ptr_store(&gatomic, t);
    finished();
}

static void publish_atomic_ok(void *arg)
{
    (void)arg;
    go(publish_setup_atomic, NULL);
    T *t;
    while (!(t = gm_atomic_ptr_load(&gatomic)))
        sched_yield();
    R(t->msg);
    wait_finished(1);
    end();
}

/* ---- running a program and reading its reports ---- */

/* One reported race: the two accesses, the slots of their lines, and what
 * the report says the memory is. */
typedef struct race {
    rc_access cur, prev;
    int cur_slot, prev_slot; /* rc_line[cur_slot], rc_line[prev_slot] */
    const char *location;    /* "global 'gv'", "heap block", ... */
} race;

/* Exactly these races, in this order; exit status 66. */
static void expect_races(const char *name, void (*prog)(void *), const race *races, int n)
{
    rc_run(name, prog, 66);
    rc_expect_count(name, "WARNING: ThreadSanitizer:", n);
    const char *h = rc_out.err;
    for (int k = 0; k < n; k++) {
        const race *r = &races[k];
        h = rc_data_race(name, k, h);
        const char *end_of_report = strstr(h, "\n==================\n");
        if (!end_of_report)
            rc_failf("%s: report %d does not end; stderr:\n%s", name, k, rc_out.err);
        rc_check_report(name, k, h, end_of_report, &r->cur, rc_line[r->cur_slot], &r->prev,
                        rc_line[r->prev_slot]);
        const char *loc = strstr(h, "\n  Location is ");
        if (!loc || loc > end_of_report || !rc_line_has(loc + 1, r->location))
            rc_failf("%s: report %d: want \"Location is %s\"; stderr:\n%s", name, k, r->location,
                     rc_out.err);
        h = end_of_report;
    }
    char want[64];
    snprintf(want, sizeof want, "ThreadSanitizer: reported %d warnings\n", n);
    if (!strstr(rc_out.err, want))
        rc_failf("%s: want \"%s\" at exit; stderr:\n%s", name, want, rc_out.err);
}

#define NO_RACE(prog) rc_expect_no_race(#prog, prog)
#define RACES(prog, ...)                                                                           \
    do {                                                                                           \
        const race races_[] = {__VA_ARGS__};                                                       \
        expect_races(#prog, prog, races_, (int)(sizeof races_ / sizeof races_[0]));                \
    } while (0)

/* The first goroutine is T1; a later one is numbered after it, but a pool
 * thread may take a number of its own in between: not checked. */
#define MAIN  0
#define T1    1
#define LATER (-1)

/* a read by `rt` at line slot `r` racing with a write by `wt` at `w` */
#define READ_AFTER_WRITE(rt, r, wt, w, sz, loc)                                                    \
    ((race){.cur = {.write = false, .size = (sz), .tid = (rt)},                                    \
            .prev = {.write = true, .size = (sz), .tid = (wt)},                                    \
            .cur_slot = (r),                                                                       \
            .prev_slot = (w),                                                                      \
            .location = (loc)})

static void test_incorrect_print_a(void **state)
{
    (void)state;
    RACES(print_a, READ_AFTER_WRITE(MAIN, A_R, T1, A_W, 8, "global 'gv'"));
}

static void test_incorrect_f_g(void **state)
{
    (void)state;
    RACES(f_g, READ_AFTER_WRITE(MAIN, B_R, T1, B_W, 4, "global 'gv'"),
          READ_AFTER_WRITE(MAIN, A_R, T1, A_W, 8, "global 'gv'"));
}

static void test_incorrect_double_checked_locking(void **state)
{
    (void)state;
    RACES(dcl, READ_AFTER_WRITE(LATER, DONE_R, T1, DONE_W, 1, "global 'gv'"),
          READ_AFTER_WRITE(LATER, A_R, T1, A_W, 8, "global 'gv'"));
}

static void test_incorrect_busy_wait(void **state)
{
    (void)state;
    RACES(busy_wait, READ_AFTER_WRITE(MAIN, DONE_R, T1, DONE_W, 1, "global 'gv'"),
          READ_AFTER_WRITE(MAIN, A_R, T1, A_W, 8, "global 'gv'"));
}

static void test_incorrect_publish_pointer(void **state)
{
    (void)state;
    RACES(publish_pointer, READ_AFTER_WRITE(MAIN, DONE_R, T1, DONE_W, 8, "global 'gptr'"),
          READ_AFTER_WRITE(MAIN, A_R, T1, A_W, 8, "heap block of size "));
}

static void test_correct_channel(void **state)
{
    (void)state;
    NO_RACE(chan_send_ok);
    NO_RACE(chan_close_ok);
    NO_RACE(unbuffered_recv_ok);
}

static void test_correct_mutex(void **state)
{
    (void)state;
    NO_RACE(mutex_ok);
}

static void test_correct_once(void **state)
{
    (void)state;
    NO_RACE(once_ok);
}

static void test_correct_busy_wait_fixed(void **state)
{
    (void)state;
    NO_RACE(busy_wait_fixed_ok);
}

static void test_correct_publish_pointer(void **state)
{
    (void)state;
    NO_RACE(publish_mutex_ok);
    NO_RACE(publish_atomic_ok);
}

/* ---- the checker's exit status and options, through a fresh process ---- */

static const struct program {
    const char *name;
    void (*fn)(void *);
} programs[] = {
    {"busy_wait", busy_wait},
    {"mutex_ok", mutex_ok},
};

static const char *run_env; /* GOMM_OPTIONS for the re-executed child */
static const char *run_name;

static void reexec(void *arg)
{
    (void)arg;
    char flag[64];
    snprintf(flag, sizeof flag, "--run=%s", run_name);
    setenv("GOMM_OPTIONS", run_env, 1);
    execl("/proc/self/exe", "test_mm_examples", flag, (char *)NULL);
    fprintf(stderr, "execl /proc/self/exe: %s\n", strerror(errno));
    _exit(4);
}

static void run_with_options(const char *name, const char *options)
{
    run_name = name;
    run_env = options;
    gt_run_child(reexec, NULL, 60, &rc_out);
    if (!rc_out.exited)
        rc_failf("%s with %s: child killed by signal %d; stderr:\n%s", name, options, rc_out.signal,
                 rc_out.err);
}

static void test_exit_status(void **state)
{
    (void)state;
    /* the defaults, in a fresh process: 66 after a report, 0 without */
    run_with_options("busy_wait", RC_FORCED_OPTIONS);
    assert_int_equal(rc_out.status, 66);
    assert_int_equal(rc_count(rc_out.err, "WARNING: ThreadSanitizer: data race"), 2);
    run_with_options("mutex_ok", RC_FORCED_OPTIONS);
    assert_int_equal(rc_out.status, 0);
    assert_null(strstr(rc_out.err, "ThreadSanitizer"));

    /* exitcode= sets the status of a racy run only */
    run_with_options("busy_wait", RC_FORCED_OPTIONS ":exitcode=42");
    assert_int_equal(rc_out.status, 42);
    assert_int_equal(rc_count(rc_out.err, "WARNING: ThreadSanitizer: data race"), 2);
    assert_non_null(strstr(rc_out.err, "ThreadSanitizer: reported 2 warnings"));
    run_with_options("mutex_ok", RC_FORCED_OPTIONS ":exitcode=42");
    assert_int_equal(rc_out.status, 0);

    /* halt_on_error: out after the first report, the second race unseen */
    run_with_options("busy_wait", RC_FORCED_OPTIONS ":halt_on_error=1:exitcode=43");
    assert_int_equal(rc_out.status, 43);
    assert_int_equal(rc_count(rc_out.err, "WARNING: ThreadSanitizer: data race"), 1);
}

int main(int argc, char **argv)
{
    if (rc_map_lines(NLINES, __FILE__))
        return 1;
    if (argc == 2 && strncmp(argv[1], "--run=", 6) == 0) {
        for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++)
            if (strcmp(argv[1] + 6, programs[i].name) == 0)
                programs[i].fn(NULL); /* exits */
        fprintf(stderr, "no program %s\n", argv[1] + 6);
        return 5;
    }
    rc_force_options(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incorrect_print_a),
        cmocka_unit_test(test_incorrect_f_g),
        cmocka_unit_test(test_incorrect_double_checked_locking),
        cmocka_unit_test(test_incorrect_busy_wait),
        cmocka_unit_test(test_incorrect_publish_pointer),
        cmocka_unit_test(test_correct_channel),
        cmocka_unit_test(test_correct_mutex),
        cmocka_unit_test(test_correct_once),
        cmocka_unit_test(test_correct_busy_wait_fixed),
        cmocka_unit_test(test_correct_publish_pointer),
        cmocka_unit_test(test_exit_status),
    };
    return RC_RUN_TESTS(tests);
}
