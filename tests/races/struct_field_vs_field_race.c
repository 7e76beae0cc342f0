/* race-corpus: expect=race lines=17,28 category=struct
 * What: the same field of a heap struct written by one thread and read by
 * another, while other fields are used race-free. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct account {
    int id;
    long balance;
    char name[16];
};

static void *deposit(void *arg)
{
    struct account *a = arg;
    a->balance += 100; /* race */
    return NULL;
}

int main(void)
{
    struct account *a = calloc(1, sizeof *a);
    a->id = 7;
    pthread_t t;
    pthread_create(&t, NULL, deposit, a);
    a->name[0] = 'x';
    long b = a->balance; /* race */
    pthread_join(t, NULL);
    printf("%d %ld\n", a->id, b);
    free(a);
    return 0;
}
