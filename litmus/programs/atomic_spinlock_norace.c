/* litmus-program: expect=norace threads=2,4 category=atomic
 * What: a spin lock built from gm_atomic_i32_cas (acquire side) and
 * gm_atomic_i32_store (release side), guarding plain data. gomm's atomics
 * are seq_cst, so the unlocking store synchronizes with the CAS that
 * takes the lock next (A1). Twin of atomic_spinlock_relaxed_race.
 * Invariant: the guarded counter and checksum match the work done.
 */
#include <gomm/gomm.h>

#include "prog.h"

static gm_atomic_i32 lock_word;
static long counter;
static long history[64];
static int iters;
static gm_chan *start;
static gm_waitgroup wg;

static void spin_lock(void)
{
    while (!gm_atomic_i32_cas(&lock_word, 0, 1))
        gm_gosched();
}

static void spin_unlock(void)
{
    gm_atomic_i32_store(&lock_word, 0);
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    gm_chan_recv(start, NULL);
    for (int i = 0; i < iters; i++) {
        spin_lock();
        counter++;
        history[counter % 64] += w + 1;
        spin_unlock();
    }
    gm_waitgroup_done(&wg);
}

int main(void)
{
    int n = lp_threads();
    iters = 500 * lp_scale();
    start = gm_chan_make(0, 0);
    gm_waitgroup_add(&wg, n);
    for (int w = 0; w < n; w++)
        gm_go(worker, (void *)(intptr_t)w);
    gm_chan_close(start);
    gm_waitgroup_wait(&wg);
    LP_CHECK(counter == (long)n * iters, "counter %ld", counter);
    long sum = 0;
    for (int k = 0; k < 64; k++)
        sum += history[k];
    LP_CHECK(sum == (long)iters * n * (n + 1) / 2, "history sum %ld", sum);
    LP_CHECK(gm_atomic_i32_load(&lock_word) == 0, "lock still held");
    gm_chan_free(start);
    return 0;
}
