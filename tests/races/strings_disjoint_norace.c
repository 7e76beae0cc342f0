/* race-corpus: expect=norace category=memfn
 * What: strcpy, strcat, strlen, strcmp, strchr and strdup on per-thread
 * buffers and on a shared read-only string. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *greeting;
static char out[2][64];

static void *worker(void *arg)
{
    long id = (long)arg;
    strcpy(out[id], greeting);
    strcat(out[id], id ? " one" : " zero");
    char *copy = strdup(out[id]);
    long r = (long)strlen(copy) + (strcmp(copy, greeting) > 0) + (strchr(greeting, 'l') != NULL);
    free(copy);
    return (void *)r;
}

int main(void)
{
    char *g = malloc(16);
    strcpy(g, "hello");
    greeting = g;
    pthread_t t[2];
    void *ret;
    long sum = 0;
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("%ld %s %s\n", sum, out[0], out[1]);
    free(g);
    return 0;
}
