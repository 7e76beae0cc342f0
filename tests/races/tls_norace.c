/* race-corpus: expect=norace category=memory
 * What: a _Thread_local counter: every thread has its own copy. */
#include <pthread.h>
#include <stdio.h>

static _Thread_local long mine;

static void *thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++)
        mine += i;
    return (void *)mine;
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long s = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread, NULL);
    mine = 5;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        s += (long)ret;
    }
    printf("%ld %ld\n", s, mine);
    return 0;
}
