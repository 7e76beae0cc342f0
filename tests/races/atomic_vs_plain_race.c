/* race-corpus: expect=race lines=12,20 category=atomics
 * What: one thread updates a variable atomically, the other reads it with a
 * plain (non-atomic) access: an atomic and a plain access race. */
#include <pthread.h>
#include <stdio.h>

static int counter;

static void *inc(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST); /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, inc, NULL);
    int v = counter; /* race */
    pthread_join(t, NULL);
    printf("%d\n", v);
    return 0;
}
