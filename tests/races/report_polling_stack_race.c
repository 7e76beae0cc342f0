/* race-corpus: expect=race lines=19,28 category=reports
 * What: main polls a plain flag (one read per epoch: a lock/unlock between
 * reads) while the writer's first report is being printed; main's next
 * read races with the same write. Both reports must carry the write's
 * stack, and since they name the same two lines, only one is printed.
 * (fixed gomm bug: the history event is now written before a report)
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; /* main's only */
static int ready;

static void *writer(void *arg)
{
    (void)arg;
    usleep(10000);
    ready = 1; /* race */
    return NULL;
}

int main(void)
{
    pthread_t s;
    pthread_create(&s, NULL, writer, NULL);
    for (;;) {
        int r = ready; /* race */
        if (r)
            break;
        usleep(1000);
        pthread_mutex_lock(&m);
        pthread_mutex_unlock(&m);
    }
    pthread_join(s, NULL);
    printf("done\n");
    return 0;
}
