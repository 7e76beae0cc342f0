/* race-corpus: expect=norace category=memory
 * What: each thread uses its own stack frame (same code, same offsets):
 * different addresses, no race. */
#include <pthread.h>
#include <stdio.h>

static void work(volatile int *buf)
{
    for (int i = 0; i < 100; i++)
        buf[i % 8] += i;
}

static void *thread(void *arg)
{
    volatile int buf[8] = {0};
    (void)arg;
    work(buf);
    return (void *)(long)buf[3];
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long s = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        s += (long)ret;
    }
    printf("%ld\n", s);
    return 0;
}
