/* hdrfield.c - header fields kept by a milter; see hdrfield.h. */
#include "config.h"

#include "mail/hdrfield.h"

#include "core/mem.h"

#include <strings.h>

hdrfield *hdrfields_add(hdrfield **v, size_t *n, const char *name, char *value)
{
    hdrfield *f;

    *v = mem_realloc_array(*v, *n + 1, sizeof **v);
    f = &(*v)[(*n)++];
    f->name = mem_strdup(name);
    f->value = value;
    return f;
}

void hdrfields_free(hdrfield **v, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        mem_free(&(*v)[i].name);
        mem_free(&(*v)[i].value);
    }
    mem_free(v);
    *n = 0;
}

int hdrfields_index(const hdrfield *v, size_t i)
{
    int k = 1;

    for (size_t j = 0; j < i; j++)
        if (strcasecmp(v[j].name, v[i].name) == 0)
            k++;
    return k;
}
