/* race-corpus: expect=race lines=12,22 category=memfn
 * What: memcpy writes its destination while another thread reads it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char src[100], dst[100];

static void *copier(void *arg)
{
    size_t n = (size_t)arg;
    memcpy(dst, src, n); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    for (int i = 0; i < 100; i++)
        src[i] = (char)i;
    pthread_create(&t, NULL, copier, (void *)100);
    char c = dst[57]; /* race */
    pthread_join(t, NULL);
    printf("%d\n", c);
    return 0;
}
