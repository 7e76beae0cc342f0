/* A program outside the project, built against an installed gomm. */
#include <gomm/gomm.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    char *p = gm_malloc(100);
    if (!p)
        return 1;
    strcpy(p, "installed");
    gm_memstats st;
    gm_read_memstats(&st);
    printf("%s gomm %s, %llu objects\n", p, gm_version(), (unsigned long long)st.heap_objects);
    gm_free(p);
    return st.heap_objects >= 1 ? 0 : 1;
}
