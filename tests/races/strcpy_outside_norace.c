/* race-corpus: expect=norace category=memfn
 * What: strcpy("hello") writes bytes 0..5; another thread writes byte 6
 * and 7: exact ranges, no race. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char name[32];

static void *setter(void *arg)
{
    strcpy(name, arg);
    return NULL;
}

int main(void)
{
    pthread_t t;
    char hello[] = "hello";
    pthread_create(&t, NULL, setter, hello);
    name[6] = 'x';
    name[7] = 'y';
    pthread_join(t, NULL);
    printf("%s %c\n", name, name[6]);
    return 0;
}
