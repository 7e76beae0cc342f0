/* race-corpus: expect=race lines=13,13 category=spinlock
 * What: two spinlocks that guard the same variable guard nothing. */
#include <pthread.h>
#include <stdio.h>

static pthread_spinlock_t sa, sb;
static long counter;

static void *inc(void *arg)
{
    pthread_spinlock_t *l = arg ? &sb : &sa;
    pthread_spin_lock(l);
    counter++; /* race */
    pthread_spin_unlock(l);
    return NULL;
}

int main(void)
{
    pthread_spin_init(&sa, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_init(&sb, PTHREAD_PROCESS_PRIVATE);
    pthread_t a, b;
    pthread_create(&a, NULL, inc, NULL);
    pthread_create(&b, NULL, inc, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%ld\n", counter);
    return 0;
}
