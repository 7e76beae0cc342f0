/* race-corpus: expect=norace category=struct
 * What: four threads each write their own field of one struct; the fields
 * share an 8-byte word but not bytes, so nothing races. */
#include <pthread.h>
#include <stdio.h>

static struct {
    char a;
    char b;
    short c;
    int d;
} s;

static void *wa(void *arg) { (void)arg; s.a = 1; return NULL; }
static void *wb(void *arg) { (void)arg; s.b = 2; return NULL; }
static void *wc(void *arg) { (void)arg; s.c = 3; return NULL; }
static void *wd(void *arg) { (void)arg; s.d = 4; return NULL; }

int main(void)
{
    pthread_t t[4];
    void *(*fn[4])(void *) = {wa, wb, wc, wd};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, fn[i], NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("%d %d %d %d\n", s.a, s.b, s.c, s.d);
    return 0;
}
