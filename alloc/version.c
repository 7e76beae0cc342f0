/* alloc/version.c — the version of the linked library (gomm/version.h). */
#include <gomm/version.h>

const char *gm_version(void)
{
    return GOMM_VERSION_STRING;
}
