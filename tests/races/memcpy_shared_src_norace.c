/* race-corpus: expect=norace category=memfn
 * What: two threads memcpy from the same source into their own
 * destinations: reads do not race. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char src[256];
static char dst[2][256];

static void *copier(void *arg)
{
    long id = (long)arg;
    memcpy(dst[id], src, sizeof src);
    memmove(dst[id] + 1, dst[id], 100);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 256; i++)
        src[i] = (char)i;
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, copier, (void *)i);
    int c = memcmp(src, src + 128, 64); /* main reads the source too */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%d %d %d\n", c, dst[0][5], dst[1][200]);
    return 0;
}
