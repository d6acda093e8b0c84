/* dnsname.c - DNS names as text; see dnsname.h. */
#include "config.h"

#include "dns/dnsname.h"

#include "core/mem.h"

#include <ctype.h>
#include <idn2.h>
#include <string.h>

void dnsname_normalize(const char *name, size_t len, str_t *out)
{
    if (len > 0 && name[len - 1] == '.')
        len--;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        str_append_char(out, (char)(c < 0x80 ? tolower(c) : c));
    }
}

size_t dnsname_labels(const char *name)
{
    size_t n;

    if (*name == '\0')
        return 0;
    n = 1;
    for (; *name; name++)
        n += *name == '.';
    return n;
}

const char *dnsname_drop_labels(const char *name, size_t n)
{
    while (n-- > 0) {
        const char *dot = strchr(name, '.');

        if (dot == NULL)
            return name + strlen(name);
        name = dot + 1;
    }
    return name;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool dnsname_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

bool dnsname_within(const char *name, const char *parent)
{
    size_t n = strlen(name), p = strlen(parent);

    if (p == 0)
        return true; /* everything is within the root */
    if (n < p || !dnsname_equal(name + n - p, parent))
        return false;
    return n == p || name[n - p - 1] == '.';
}

bool dnsname_well_formed(const char *name, size_t len)
{
    size_t label = 0;

    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > DNSNAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (name[i] != '.') {
            if (++label > DNSNAME_MAX_LABEL)
                return false;
            continue;
        }
        if (label == 0)
            return false;
        label = 0;
    }
    return label > 0;
}

int dnsname_query_form(const char *name, size_t len, str_t *out)
{
    if (!dnsname_well_formed(name, len))
        return -1;
    if (name[len - 1] == '.')
        len--;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if ((c < 0x80 && isalnum(c)) || c == '-' || c == '_' || c == '.')
            str_append_char(out, (char)c);
        else
            str_printf(out, "\\%03u", c);
    }
    return 0;
}

int dnsname_to_ascii(const char *name, size_t len, str_t *out, const char **error_r)
{
    char *in, *ascii = NULL;
    bool plain = true;
    int rc;

    for (size_t i = 0; i < len; i++)
        plain &= (unsigned char)name[i] < 0x80;
    if (plain) {
        str_append(out, name, len);
        return 0;
    }
    if (memchr(name, '\0', len) != NULL) {
        *error_r = "NUL byte in a domain name";
        return -1;
    }
    in = mem_strndup(name, len);
    rc = idn2_to_ascii_8z(in, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    mem_free(&in);
    if (rc != IDN2_OK) {
        *error_r = "not a valid internationalized domain name (IDNA)";
        return -1;
    }
    str_append_cstr(out, ascii);
    idn2_free(ascii);
    return 0;
}
