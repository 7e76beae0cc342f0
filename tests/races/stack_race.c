/* race-corpus: expect=race lines=10,19 category=memory
 * What: main passes the address of its local variable to a thread; both
 * write it before the join. */
#include <pthread.h>
#include <stdio.h>

static void *writer(void *arg)
{
    int *p = arg;
    *p = 1; /* race */
    return NULL;
}

int main(void)
{
    int local = 0;
    pthread_t t;
    pthread_create(&t, NULL, writer, &local);
    local = 2; /* race */
    pthread_join(t, NULL);
    printf("%d\n", local);
    return 0;
}
