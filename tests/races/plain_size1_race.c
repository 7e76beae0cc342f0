/* race-corpus: expect=race lines=11,19 category=plain
 * What: two threads write the same 1-byte global with no synchronization. */
#include <pthread.h>
#include <stdio.h>

static char c;

static void *writer(void *arg)
{
    (void)arg;
    c = 'a'; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    c = 'b'; /* race */
    pthread_join(t, NULL);
    printf("%c\n", c);
    return 0;
}
