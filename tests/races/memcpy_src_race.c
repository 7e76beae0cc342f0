/* race-corpus: expect=race lines=12,20 category=memfn
 * What: memcpy reads its source while another thread writes into it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static long src[16], dst[16];

static void *copier(void *arg)
{
    (void)arg;
    memcpy(dst, src, sizeof src); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, copier, NULL);
    src[10] = 3; /* race */
    pthread_join(t, NULL);
    printf("%ld\n", dst[0]);
    return 0;
}
