/* sockspec.c - milter socket specs; see sockspec.h. */
#include "config.h"

#include "core/sockspec.h"

#include <string.h>

const char *sockspec_unix_path(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return spec + 5;
    if (strncmp(spec, "local:", 6) == 0)
        return spec + 6;
    return NULL;
}
