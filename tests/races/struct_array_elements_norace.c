/* race-corpus: expect=norace category=struct
 * What: threads fill disjoint halves of one heap array of shorts; the
 * halves meet inside an 8-byte granule. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1001 /* odd: the split is not granule-aligned */
static short *arr;

struct range {
    int lo, hi;
};

static void *fill(void *arg)
{
    struct range *r = arg;
    for (int i = r->lo; i < r->hi; i++)
        arr[i] = (short)i;
    return NULL;
}

int main(void)
{
    arr = malloc(N * sizeof *arr);
    struct range r[2] = {{0, N / 2}, {N / 2, N}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, fill, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += arr[i];
    printf("%ld\n", sum);
    free(arr);
    return 0;
}
