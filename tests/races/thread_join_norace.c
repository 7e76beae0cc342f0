/* race-corpus: expect=norace category=threads
 * What: main reads and rewrites what the thread wrote, after joining it. */
#include <pthread.h>
#include <stdio.h>

static int result;

static void *worker(void *arg)
{
    (void)arg;
    result = 6 * 7;
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("%d\n", result);
    result = 0;
    return 0;
}
