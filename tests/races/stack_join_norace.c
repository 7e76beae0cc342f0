/* race-corpus: expect=norace category=memory
 * What: a thread fills an array on main's stack; main reads it after the
 * join. */
#include <pthread.h>
#include <stdio.h>

static void *fill(void *arg)
{
    int *a = arg;
    for (int i = 0; i < 32; i++)
        a[i] = i * i;
    return NULL;
}

int main(void)
{
    int local[32];
    pthread_t t;
    pthread_create(&t, NULL, fill, local);
    pthread_join(t, NULL);
    int s = 0;
    for (int i = 0; i < 32; i++)
        s += local[i];
    printf("%d\n", s);
    return 0;
}
