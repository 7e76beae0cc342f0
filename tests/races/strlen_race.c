/* race-corpus: expect=race lines=13,21 category=memfn
 * What: strlen reads a string while another thread overwrites one of its
 * characters. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char text[64] = "the quick brown fox";

static void *measure(void *arg)
{
    (void)arg;
    return (void *)strlen(text); /* race */
}

int main(void)
{
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, measure, NULL);
    text[10] = 'B'; /* race */
    pthread_join(t, &ret);
    printf("%ld\n", (long)ret);
    return 0;
}
