/* race-corpus: expect=norace category=struct
 * What: eight threads each write one byte of the same 8-byte granule,
 * many times: adjacent bytes never race. */
#include <pthread.h>
#include <stdio.h>

static _Alignas(8) char bytes[8];

static void *writer(void *arg)
{
    long i = (long)arg;
    for (int n = 0; n < 1000; n++)
        bytes[i] = (char)(bytes[i] + 1);
    return NULL;
}

int main(void)
{
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, writer, (void *)i);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (unsigned char)bytes[i];
    printf("%d\n", sum);
    return 0;
}
