/* race-corpus: expect=norace category=malloc
 * What: T1 fills and frees a block; after a mutex handoff T2 allocates a
 * block of the same size, often the very same memory, and writes it.
 * A new allocation starts with no history: no false race. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long *handed;

static void *t1(void *arg)
{
    (void)arg;
    long *p = malloc(32 * sizeof *p);
    for (int i = 0; i < 32; i++)
        p[i] = i;
    pthread_mutex_lock(&m);
    handed = p;
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *t2(void *arg)
{
    long *p = arg;
    free(p);
    long *q = malloc(32 * sizeof *q); /* glibc's tcache: usually p again */
    for (int i = 0; i < 32; i++)
        q[i] = -i;
    long reused = q == p;
    free(q);
    return (void *)reused;
}

int main(void)
{
    pthread_t a, b;
    void *reused;
    pthread_create(&a, NULL, t1, NULL);
    pthread_join(a, NULL);
    pthread_mutex_lock(&m);
    long *p = handed;
    pthread_mutex_unlock(&m);
    pthread_create(&b, NULL, t2, p);
    pthread_join(b, &reused);
    printf("reused=%ld\n", (long)reused);
    return 0;
}
