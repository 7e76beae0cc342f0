/* race-corpus: expect=norace category=rwlock
 * What: one writer updates under the write lock, three readers read under
 * read locks. */
#include <pthread.h>
#include <stdio.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long a, b;

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        pthread_rwlock_wrlock(&rw);
        a++;
        b--;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *reader(void *arg)
{
    long bad = 0;
    (void)arg;
    for (int i = 0; i < 200; i++) {
        pthread_rwlock_rdlock(&rw);
        bad += (a + b != 0);
        pthread_rwlock_unlock(&rw);
    }
    return (void *)bad;
}

int main(void)
{
    pthread_t t[4];
    void *ret;
    long bad = 0;
    pthread_create(&t[0], NULL, writer, NULL);
    for (int i = 1; i < 4; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        bad += (long)ret;
    }
    printf("%ld %ld\n", a, bad);
    return 0;
}
