/*
 * tests/alloc/test_fork.c — fork() in a multi-threaded program.
 *
 * Other threads allocate and free (locally and across threads) without
 * pause while the main thread forks. The allocator's atfork handlers take
 * every lock first, so the child starts with a consistent heap even though
 * the threads that were using it do not exist there. The child allocates
 * and frees, small and large, many times, checks the heap and exits 0.
 *
 * No timing: the busy threads loop until an atomic flag tells them to stop,
 * and the test forks a fixed number of times. A child that deadlocks is
 * ended by alarm() so the parent reports it instead of hanging until the
 * CTest timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gomm/alloc.h>

#include "internal.h"
#include "test_util.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

#define NBUSY        3
#define FORKS        8
#define CHILD_ROUNDS GT_SCALED(5000)
/* a healthy child needs well under a second; this only catches a hang */
#define CHILD_ALARM_SECONDS 20

static atomic_bool stop;
static atomic_long busy_rounds[NBUSY]; /* rounds done, per thread */

/* A hand-off cell per busy thread: thread i puts objects into cell[i], and
 * thread i+1 takes and frees them (cross-thread frees during the fork). */
static struct {
    pthread_mutex_t lock;
    void *p[64];
    int n;
} cell[NBUSY];

static void *busy(void *arg)
{
    int me = (int)(intptr_t)arg;
    int next = (me + 1) % NBUSY;
    uint64_t rng = 1000 + (uint64_t)me;
    void *keep[128] = {0};
    while (!atomic_load_explicit(&stop, memory_order_acquire)) {
        for (int i = 0; i < 128; i++) {
            size_t n = gt_rand(&rng) % 32 == 0 ? gt_rand_range(&rng, 33 * KIB, 300 * KIB)
                                               : gt_rand_range(&rng, 1, 2048);
            gm_free(keep[i]);
            keep[i] = gm_malloc(n);
            memset(keep[i], me, n < 64 ? n : 64);
        }
        pthread_mutex_lock(&cell[next].lock);
        while (cell[next].n < 64)
            cell[next].p[cell[next].n++] = gm_malloc(gt_rand_range(&rng, 1, 512));
        pthread_mutex_unlock(&cell[next].lock);
        pthread_mutex_lock(&cell[me].lock);
        while (cell[me].n > 0)
            gm_free(cell[me].p[--cell[me].n]);
        pthread_mutex_unlock(&cell[me].lock);
        atomic_fetch_add_explicit(&busy_rounds[me], 1, memory_order_relaxed);
    }
    for (int i = 0; i < 128; i++)
        gm_free(keep[i]);
    return NULL;
}

/* The child's work; returns the exit status (0: all well). */
static int child_main(int which)
{
    alarm(CHILD_ALARM_SECONDS);
    uint64_t rng = 77 + (uint64_t)which;
    enum { SLOTS = 256 };
    static uint8_t *slot[SLOTS];
    static size_t len[SLOTS];
    for (int r = 0; r < CHILD_ROUNDS; r++) {
        int i = (int)(gt_rand(&rng) % SLOTS);
        if (slot[i]) {
            for (size_t k = 0; k < len[i]; k += 97)
                if (slot[i][k] != (uint8_t)(len[i] + k))
                    return 3;
            gm_free(slot[i]);
        }
        size_t n = gt_rand(&rng) % 20 == 0 ? gt_rand_range(&rng, 33 * KIB, 512 * KIB)
                                           : gt_rand_range(&rng, 1, 4096);
        slot[i] = gm_malloc(n);
        if (!slot[i])
            return 4;
        len[i] = n;
        for (size_t k = 0; k < n; k += 97)
            slot[i][k] = (uint8_t)(n + k);
    }
    for (int i = 0; i < SLOTS; i++)
        gm_free(slot[i]);
    /* calloc and realloc on the child's heap too */
    uint8_t *z = gm_calloc(1000, 100);
    for (size_t k = 0; k < 100000; k++)
        if (z[k])
            return 5;
    z = gm_realloc(z, 5 * MIB);
    if (!z)
        return 6;
    gm_free(z);
    /* the caches of the threads that did not survive the fork: their spans
     * are reachable from the pool; the heap's structure must be intact */
    if (heap_check() != NULL)
        return 7;
    gm_free_os_memory();
    if (heap_check() != NULL)
        return 8;
    gm_memstats ms;
    gm_read_memstats(&ms);
    if (ms.heap_sys != ms.heap_inuse + ms.heap_idle)
        return 9;
    return 0;
}

/* Wait until every busy thread has finished one more round: they are all
 * really running (progress, not time). */
static void wait_for_busy_progress(void)
{
    long seen[NBUSY];
    for (int i = 0; i < NBUSY; i++)
        seen[i] = atomic_load(&busy_rounds[i]);
    for (int i = 0; i < NBUSY; i++)
        while (atomic_load(&busy_rounds[i]) <= seen[i])
            sched_yield();
}

static pthread_t busy_threads[NBUSY];
static bool busy_running;

static int start_busy_threads(void **state)
{
    (void)state;
    for (int i = 0; i < NBUSY; i++)
        pthread_mutex_init(&cell[i].lock, NULL);
    atomic_store(&stop, false);
    for (int i = 0; i < NBUSY; i++)
        if (pthread_create(&busy_threads[i], NULL, busy, (void *)(intptr_t)i) != 0)
            return -1;
    busy_running = true;
    wait_for_busy_progress();
    return 0;
}

/* Also runs when the test failed half way: the threads always stop. */
static int stop_busy_threads(void **state)
{
    (void)state;
    if (!busy_running)
        return 0;
    atomic_store_explicit(&stop, true, memory_order_release);
    for (int i = 0; i < NBUSY; i++)
        pthread_join(busy_threads[i], NULL);
    busy_running = false;
    for (int i = 0; i < NBUSY; i++) {
        pthread_mutex_lock(&cell[i].lock);
        while (cell[i].n > 0)
            gm_free(cell[i].p[--cell[i].n]);
        pthread_mutex_unlock(&cell[i].lock);
    }
    return heap_check() == NULL ? 0 : -1;
}

static const char *child_failure(int status)
{
    switch (status) {
    case 3:
        return "a block's content changed";
    case 4:
        return "gm_malloc returned NULL";
    case 5:
        return "gm_calloc memory not zeroed";
    case 6:
        return "gm_realloc returned NULL";
    case 7:
        return "heap_check failed";
    case 8:
        return "heap_check failed after gm_free_os_memory";
    case 9:
        return "heap_sys != heap_inuse + heap_idle";
    default:
        return "?";
    }
}

static void test_child_of_a_busy_multithreaded_parent_can_allocate_and_free(void **state)
{
    (void)state;
    /* the main thread allocates too: it has a cache of its own in the child */
    void *mine = gm_malloc(1000);
    memset(mine, 0x42, 1000);

    for (int f = 0; f < FORKS; f++) {
        wait_for_busy_progress();
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            _exit(child_main(f));
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status))
            fail_msg("fork %d: child killed by signal %d%s", f, WTERMSIG(status),
                     WTERMSIG(status) == SIGALRM ? " (deadlock in the child?)" : "");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("fork %d: child exit status %d (%s)", f, WEXITSTATUS(status),
                     child_failure(WEXITSTATUS(status)));
    }

    for (int k = 0; k < 1000; k++)
        assert_int_equal(((uint8_t *)mine)[k], 0x42);
    gm_free(mine);
}

/* Only the forking thread exists in the child: the caches of the parent's
 * other threads go back to the pool (alloc/init.c; types.h: "for fork: the
 * child keeps only its own"), so the child counts one thread cache. */
static void test_child_keeps_only_the_forking_threads_cache(void **state)
{
    (void)state;
    gm_free(gm_malloc(10)); /* this thread has a cache too */
    gm_memstats ms;
    gm_read_memstats(&ms);
    assert_true(ms.num_threads >= NBUSY + 1); /* the busy threads and us */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(CHILD_ALARM_SECONDS);
        gm_free(gm_malloc(10));
        gm_read_memstats(&ms);
        _exit(ms.num_threads == 1 ? 0 : 10 + (int)(ms.num_threads > 50 ? 50 : ms.num_threads));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("the child counts %d thread caches, want 1", WEXITSTATUS(status) - 10);
}

/* ---- forking while remote frees into our full spans are in flight ----
 * The main thread allocates 2 KiB objects (4 per span, so its spans keep
 * filling up and going to its full list) and hands them to a freer thread,
 * whose frees into those full spans notify the owner (the XF_NOTIFYING
 * protocol of alloc/span.c). Then it forks. The child frees into and gives
 * up its cache, which waits for any notification in flight on its spans: a
 * notifier that was mid-way at the fork does not exist in the child, so the
 * allocator must not leave a span waiting for it. The window is a few
 * instructions: one run catches a broken fork handler only now and then,
 * and passes every time on a correct one. */

#define NOTIFY_FORKS GT_SCALED(50)
#define NOTIFY_RING  1024
static void *_Atomic notify_ring[NOTIFY_RING];
static atomic_bool notify_stop;

static void *ring_freer(void *arg)
{
    (void)arg;
    size_t i = 0;
    while (!atomic_load(&notify_stop)) {
        void *p = atomic_exchange(&notify_ring[i++ % NOTIFY_RING], NULL);
        gm_free(p);
    }
    return NULL;
}

static void test_child_can_release_spans_that_a_dead_thread_was_notifying_about(void **state)
{
    (void)state;
    atomic_store(&notify_stop, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, ring_freer, NULL), 0);
    size_t w = 0;
    int failed_fork = -1, failed_status = 0;
    for (int f = 0; f < NOTIFY_FORKS && failed_fork < 0; f++) {
        for (int k = 0; k < 2000; k++)
            gm_free(atomic_exchange(&notify_ring[w++ % NOTIFY_RING], gm_malloc(2048)));
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            alarm(CHILD_ALARM_SECONDS);
            for (int k = 0; k < 100; k++)
                gm_free(gm_malloc(2048));
            gm_thread_cache_flush(); /* orphans every span, full ones too */
            _exit(heap_check() == NULL ? 0 : 7);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed_fork = f;
            failed_status = status;
        }
    }
    atomic_store(&notify_stop, true);
    assert_int_equal(pthread_join(t, NULL), 0);
    for (size_t i = 0; i < NOTIFY_RING; i++)
        gm_free(atomic_exchange(&notify_ring[i], NULL));
    if (failed_fork >= 0)
        fail_msg("fork %d: child %s %d%s", failed_fork,
                 WIFSIGNALED(failed_status) ? "killed by signal" : "exit status",
                 WIFSIGNALED(failed_status) ? WTERMSIG(failed_status) : WEXITSTATUS(failed_status),
                 WIFSIGNALED(failed_status) && WTERMSIG(failed_status) == SIGALRM
                     ? " (hung: waiting for a notifier that did not survive the fork?)"
                     : "");
}

/* The child may keep using objects the parent allocated before the fork,
 * including ones from the other threads' spans, and free them. */
static void test_child_can_free_objects_allocated_before_the_fork(void **state)
{
    (void)state;
    enum { N = 2000 };
    static void *obj[N];
    for (int i = 0; i < N; i++) {
        obj[i] = gm_malloc(i % 100 == 0 ? 64 * KIB : (size_t)(i % 300) + 1);
        memset(obj[i], i & 0xff, i % 100 == 0 ? 64 * KIB : (size_t)(i % 300) + 1);
    }
    for (int f = 0; f < 3; f++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            alarm(CHILD_ALARM_SECONDS);
            for (int i = 0; i < N; i++) {
                if (((uint8_t *)obj[i])[0] != (uint8_t)(i & 0xff))
                    _exit(3);
                gm_free(obj[i]);
            }
            _exit(heap_check() == NULL ? 0 : 4);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    for (int i = 0; i < N; i++)
        gm_free(obj[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_child_of_a_busy_multithreaded_parent_can_allocate_and_free, start_busy_threads,
            stop_busy_threads),
        cmocka_unit_test_setup_teardown(test_child_keeps_only_the_forking_threads_cache,
                                        start_busy_threads, stop_busy_threads),
        cmocka_unit_test(test_child_can_free_objects_allocated_before_the_fork),
        cmocka_unit_test(test_child_can_release_spans_that_a_dead_thread_was_notifying_about),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
