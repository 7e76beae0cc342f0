/* race-corpus: expect=norace category=once
 * What: four threads call pthread_once and then read what the init
 * function wrote. */
#include <pthread.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static long table[8];

static void init(void)
{
    for (int i = 0; i < 8; i++)
        table[i] = i * i;
}

static void *user(void *arg)
{
    (void)arg;
    pthread_once(&once, init);
    return (void *)table[7];
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long sum = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, user, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("%ld\n", sum);
    return 0;
}
