/* race-corpus: expect=norace category=threads
 * What: T2 joins T1, main joins T2: T1's write happens before main's read
 * through the chain of joins. */
#include <pthread.h>
#include <stdio.h>

static int value;
static pthread_t t1;

static void *first(void *arg)
{
    (void)arg;
    value = 11;
    return NULL;
}

static void *second(void *arg)
{
    (void)arg;
    pthread_join(t1, NULL);
    value += 1;
    return NULL;
}

int main(void)
{
    pthread_t t2;
    pthread_create(&t1, NULL, first, NULL);
    pthread_create(&t2, NULL, second, NULL);
    pthread_join(t2, NULL);
    printf("%d\n", value);
    return 0;
}
