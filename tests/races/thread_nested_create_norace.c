/* race-corpus: expect=norace category=threads
 * What: a thread creates a grandchild and joins it; the creation and join
 * edges chain through three threads. */
#include <pthread.h>
#include <stdio.h>

static int data[3];

static void *grandchild(void *arg)
{
    (void)arg;
    data[2] = data[0] + data[1];
    return NULL;
}

static void *child(void *arg)
{
    (void)arg;
    data[1] = data[0] + 1;
    pthread_t g;
    pthread_create(&g, NULL, grandchild, NULL);
    pthread_join(g, NULL);
    data[0] = data[2];
    return NULL;
}

int main(void)
{
    data[0] = 1;
    pthread_t c;
    pthread_create(&c, NULL, child, NULL);
    pthread_join(c, NULL);
    printf("%d %d %d\n", data[0], data[1], data[2]);
    return 0;
}
