/* dkimnorm.c - bare CR and bare LF made CRLF, streaming; see dkimnorm.h. */
#include "config.h"

#include <string.h>

#include "dkim/dkimnorm.h"

void dkimnorm_init(dkimnorm_t *n)
{
    memset(n, 0, sizeof *n);
}

/* The CR held back turns out to be bare: it becomes CRLF. */
static void bare_cr(dkimnorm_t *n, str_t *out)
{
    str_append(out, "\r\n", 2);
    n->cr = false;
    n->changes++;
}

void dkimnorm_update(dkimnorm_t *n, const void *data, size_t len, str_t *out)
{
    const char *p = data, *end = p + len;

    while (p < end) {
        const char *run = p;

        if (n->cr) {
            if (*p == '\n') {
                str_append(out, "\r\n", 2);
                n->cr = false;
                p++;
                continue;
            }
            bare_cr(n, out);
        }
        while (p < end && *p != '\r' && *p != '\n')
            p++;
        str_append(out, run, (size_t)(p - run));
        if (p == end)
            break;
        if (*p == '\r') {
            n->cr = true;
        } else { /* a LF with no CR before it */
            str_append(out, "\r\n", 2);
            n->changes++;
        }
        p++;
    }
}

void dkimnorm_final(dkimnorm_t *n, str_t *out)
{
    if (n->cr)
        bare_cr(n, out);
}

uint64_t dkimnorm_changes(const dkimnorm_t *n)
{
    return n->changes;
}
