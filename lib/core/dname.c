/* dname.c - the one definition of a valid domain name; see dname.h. */
#include "config.h"

#include "core/dname.h"

#include <stddef.h>
#include <string.h>

#define DNAME_MAX 253
#define DNAME_LABEL_MAX 63

static bool is_letter_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_label_char(char c, unsigned flags)
{
    return is_letter_digit(c) || c == '-' || (c == '_' && (flags & DNAME_UNDERSCORE));
}

/* Checks the label of n bytes at s.  Returns 0, or -1 with *error_r set. */
static int check_label(const char *s, size_t n, unsigned flags, const char **error_r)
{
    if (n == 0) {
        *error_r = "empty label (two dots in a row, or a leading dot)";
        return -1;
    }
    if (n > DNAME_LABEL_MAX) {
        *error_r = "a label is longer than 63 characters";
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_label_char(s[i], flags)) {
            *error_r = (flags & DNAME_UNDERSCORE)
                           ? "only letters, digits, '-', '_' and dots are allowed"
                           : "only letters, digits, '-' and dots are allowed";
            return -1;
        }
    if (s[0] == '-' || s[n - 1] == '-') {
        *error_r = "a label starts or ends with '-'";
        return -1;
    }
    return 0;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int dname_check(const char *name, unsigned flags, const char **error_r)
{
    size_t len, labels = 0;
    const char *p, *last = NULL;
    size_t last_len = 0;

    if (name == NULL || *name == '\0') {
        *error_r = "empty";
        return -1;
    }
    len = strlen(name);
    if (name[len - 1] == '.' && len > 1 && name[len - 2] != '.') {
        if (!(flags & DNAME_TRAILING_DOT)) {
            *error_r = "a trailing dot is not allowed here";
            return -1;
        }
        len--;
    }
    if (len > DNAME_MAX) {
        *error_r = "longer than 253 characters";
        return -1;
    }
    for (p = name;; p++) {
        const char *dot = memchr(p, '.', len - (size_t)(p - name));
        size_t n = dot ? (size_t)(dot - p) : len - (size_t)(p - name);

        if (check_label(p, n, flags, error_r) < 0)
            return -1;
        labels++;
        last = p;
        last_len = n;
        if (dot == NULL)
            break;
        p = dot;
    }
    if (!(flags & DNAME_NUMERIC) && all_digits(last, last_len)) {
        *error_r = "the last label is all digits (an IP address is not a domain name)";
        return -1;
    }
    if ((flags & DNAME_TWO_LABELS) && labels < 2) {
        *error_r = "one label only: a domain such as example.net is needed";
        return -1;
    }
    return 0;
}

bool dname_valid(const char *name, unsigned flags)
{
    const char *why;

    return dname_check(name, flags, &why) == 0;
}

int dname_check_host(const char *name, const char **error_r)
{
    return dname_check(name, DNAME_HOST, error_r);
}

int dname_check_match(const char *name, const char **error_r)
{
    return dname_check(name, DNAME_MATCH, error_r);
}

int dname_check_signing(const char *name, const char **error_r)
{
    return dname_check(name, DNAME_SIGNING, error_r);
}

int dname_check_selector(const char *name, const char **error_r)
{
    return dname_check(name, DNAME_SELECTOR, error_r);
}

int dname_check_dkim_key(const char *selector, const char *domain, const char **error_r)
{
    const char *why;

    if (dname_check(selector, DNAME_SELECTOR, &why) < 0) {
        *error_r = "the selector is not one or more DNS labels (letters, digits, '-', "
                   "dots between labels)";
        return -1;
    }
    if (dname_check(domain, DNAME_SIGNING, error_r) < 0)
        return -1;
    if (strlen(selector) + strlen("._domainkey.") + strlen(domain) > DNAME_MAX) {
        *error_r = "SELECTOR._domainkey.DOMAIN is longer than 253 characters";
        return -1;
    }
    return 0;
}
