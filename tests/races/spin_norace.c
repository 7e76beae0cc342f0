/* race-corpus: expect=norace category=spinlock
 * What: a counter protected by a pthread spinlock (lock and trylock). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static pthread_spinlock_t sl;
static long counter;

static void *inc(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 500; i++) {
        if (id % 2) {
            pthread_spin_lock(&sl);
        } else {
            while (pthread_spin_trylock(&sl) != 0)
                sched_yield();
        }
        counter++;
        pthread_spin_unlock(&sl);
    }
    return NULL;
}

int main(void)
{
    pthread_spin_init(&sl, PTHREAD_PROCESS_PRIVATE);
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, inc, (void *)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", counter);
    pthread_spin_destroy(&sl);
    return 0;
}
