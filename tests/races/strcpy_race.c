/* race-corpus: expect=race lines=12,21 category=memfn
 * What: strcpy("hello") writes 6 bytes including the terminator; another
 * thread reads byte 5 (the terminator). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char name[32];

static void *setter(void *arg)
{
    strcpy(name, arg); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    char hello[] = "hello";
    pthread_create(&t, NULL, setter, hello);
    char c = name[5]; /* race */
    pthread_join(t, NULL);
    printf("%d %s\n", c, name);
    return 0;
}
