/* race-corpus: expect=norace category=plain
 * What: four threads only read data written before they were created:
 * concurrent reads never race. */
#include <pthread.h>
#include <stdio.h>

static long table[16];

static void *reader(void *arg)
{
    long sum = 0;
    (void)arg;
    for (int i = 0; i < 16; i++)
        sum += table[i];
    return (void *)sum;
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long total = 0;
    for (int i = 0; i < 16; i++)
        table[i] = i;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (int i = 0; i < 16; i++)
        total += table[i];
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        total += (long)ret;
    }
    printf("%ld\n", total);
    return 0;
}
