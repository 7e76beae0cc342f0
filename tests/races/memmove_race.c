/* race-corpus: expect=race lines=13,21 category=memfn
 * What: an overlapping memmove inside a buffer writes bytes that another
 * thread reads. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char buf[128];

static void *shift(void *arg)
{
    size_t n = (size_t)arg;
    memmove(buf + 8, buf, n); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, shift, (void *)64);
    char c = buf[70]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", c);
    return 0;
}
