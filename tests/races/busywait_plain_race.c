/* race-corpus: expect=race lines=16,24 category=classic
 * What: busy-waiting on a plain (volatile) flag: volatile is not atomic in
 * C11, so the flag accesses race (and the data they were meant to
 * publish as well). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static volatile int ready;
static int data;

static void *producer(void *arg)
{
    (void)arg;
    data = 42;
    ready = 1; /* race */
    return NULL;
}

int main(void)
{
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    while (!ready) /* race */
        sched_yield();
    int v = data;
    pthread_join(p, NULL);
    printf("%d\n", v);
    return 0;
}
