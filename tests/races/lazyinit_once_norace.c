/* race-corpus: expect=norace category=classic
 * What: lazy initialization through pthread_once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int *table;

static void make_table(void)
{
    table = calloc(16, sizeof *table);
    for (int i = 0; i < 16; i++)
        table[i] = i;
}

static int *get_table(void)
{
    pthread_once(&once, make_table);
    return table;
}

static void *user(void *arg)
{
    (void)arg;
    return (void *)(long)get_table()[15];
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long sum = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, user, NULL);
    sum += get_table()[1];
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("%ld\n", sum);
    free(table);
    return 0;
}
