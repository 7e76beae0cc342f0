/* race-corpus: expect=race lines=17,25 category=struct
 * What: a whole-struct assignment in one thread writes the field another
 * thread reads. */
#include <pthread.h>
#include <stdio.h>

struct point {
    long x, y, z;
};

static struct point shared;
static const struct point origin = {1, 2, 3};

static void *writer(void *arg)
{
    (void)arg;
    shared = origin; /* race */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    long y = shared.y; /* race */
    pthread_join(t, NULL);
    printf("%ld\n", y);
    return 0;
}
