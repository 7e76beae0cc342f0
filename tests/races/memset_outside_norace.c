/* race-corpus: expect=norace category=memfn
 * What: memset of buf[0..31] in one thread, writes to buf[32] and buf[33]
 * in another: the range ends exactly where the other thread's bytes
 * begin. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char buf[64];

static void *clear(void *arg)
{
    size_t n = (size_t)arg;
    memset(buf, 0, n);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, clear, (void *)32);
    buf[32] = 1;
    buf[33] = 2;
    pthread_join(t, NULL);
    printf("%d\n", buf[32] + buf[33]);
    return 0;
}
