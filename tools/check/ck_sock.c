/* ck_sock.c - milter socket addresses compared; see ck_sock.h. */
#include "config.h"

#include "ck_sock.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/cidr.h"
#include "core/mem.h"
#include "core/sockspec.h"

/* Longest host or path we keep (a unix socket path is at most 107 bytes). */
#define MAX_TEXT 1024

static int parse_port(const char *s, size_t n, unsigned *port)
{
    unsigned long v = 0;

    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* host[0..n) without brackets, lower case; NULL when empty. */
static char *host_copy(const char *h, size_t n)
{
    char *r;

    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0)
        return NULL;
    r = mem_strndup(h, n);
    for (char *p = r; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

int ck_sock_parse_milter(const char *spec, ck_sock *out, const char **error_r)
{
    const char *rest, *at;

    memset(out, 0, sizeof *out);
    if (strlen(spec) > MAX_TEXT || !printable(spec)) {
        *error_r = "socket too long or with spaces or control characters";
        return -1;
    }
    if ((rest = sockspec_unix_path(spec)) != NULL) {
        if (*rest != '/') {
            *error_r = "unix socket path is not absolute";
            return -1;
        }
        out->kind = CK_SOCK_UNIX;
        out->path = mem_strdup(rest);
        return 0;
    }
    if (strncmp(spec, "inet:", 5) == 0)
        rest = spec + 5;
    else if (strncmp(spec, "inet6:", 6) == 0)
        rest = spec + 6;
    else {
        *error_r = "not unix:, local:, inet: or inet6:";
        return -1;
    }
    at = strchr(rest, '@');
    out->kind = CK_SOCK_INET;
    if (parse_port(rest, at ? (size_t)(at - rest) : strlen(rest), &out->port) < 0) {
        *error_r = "bad port";
        return -1;
    }
    out->host = at ? host_copy(at + 1, strlen(at + 1)) : NULL;
    return 0;
}

int ck_sock_parse_postfix(const char *spec, const char *queue_dir, bool chroot, ck_sock *out,
                          const char **error_r)
{
    const char *rest, *colon;
    str_t path;

    memset(out, 0, sizeof *out);
    if (strlen(spec) > MAX_TEXT || !printable(spec)) {
        *error_r = "socket too long or with spaces or control characters";
        return -1;
    }
    if ((rest = sockspec_unix_path(spec)) != NULL) {
        if (*rest == '\0') {
            *error_r = "empty unix socket path";
            return -1;
        }
        size_t q = strlen(queue_dir);

        while (q > 1 && queue_dir[q - 1] == '/')
            q--;
        str_init(&path);
        if (*rest != '/' || chroot)
            str_printf(&path, "%.*s%s%s", (int)q, queue_dir, *rest == '/' ? "" : "/", rest);
        else
            str_append_cstr(&path, rest);
        out->kind = CK_SOCK_UNIX;
        out->path = str_steal(&path);
        return 0;
    }
    if (strncmp(spec, "inet:", 5) != 0) {
        *error_r = "not unix:, local: or inet:";
        return -1;
    }
    rest = spec + 5;
    colon = strrchr(rest, ':');
    if (rest[0] == '[') { /* inet:[ADDR]:PORT */
        const char *close = strchr(rest, ']');

        if (close == NULL || close[1] != ':') {
            *error_r = "bad [address]:port";
            return -1;
        }
        colon = close + 1;
    }
    out->kind = CK_SOCK_INET;
    if (colon == NULL || parse_port(colon + 1, strlen(colon + 1), &out->port) < 0) {
        *error_r = "bad port";
        return -1;
    }
    out->host = host_copy(rest, (size_t)(colon - rest));
    if (out->host == NULL)
        out->host = mem_strdup("localhost");
    return 0;
}

static bool is_loopback_name(const char *h)
{
    return strcmp(h, "localhost") == 0;
}

static bool is_loopback_addr(const char *h)
{
    cidr_addr a, l4, l6;

    return cidr_addr_parse(h, &a) == 0 && cidr_addr_parse("127.0.0.1", &l4) == 0 &&
           cidr_addr_parse("::1", &l6) == 0 &&
           (memcmp(&a, &l4, sizeof a) == 0 || memcmp(&a, &l6, sizeof a) == 0);
}

static bool same_host(const char *a, const char *b)
{
    cidr_addr x, y;

    if (strcasecmp(a, b) == 0)
        return true;
    if (cidr_addr_parse(a, &x) == 0 && cidr_addr_parse(b, &y) == 0)
        return memcmp(&x, &y, sizeof x) == 0;
    return (is_loopback_name(a) && is_loopback_addr(b)) ||
           (is_loopback_name(b) && is_loopback_addr(a));
}

bool ck_sock_same(const ck_sock *ours, const ck_sock *theirs)
{
    if (ours->kind != theirs->kind)
        return false;
    if (ours->kind == CK_SOCK_UNIX)
        return strcmp(ours->path, theirs->path) == 0;
    if (ours->port != theirs->port)
        return false;
    return ours->host == NULL || theirs->host == NULL || same_host(ours->host, theirs->host);
}

void ck_sock_postfix_form(const ck_sock *ours, const char *queue_dir, str_t *out)
{
    size_t q = strlen(queue_dir);

    while (q > 1 && queue_dir[q - 1] == '/')
        q--;
    if (ours->kind == CK_SOCK_UNIX) {
        if (strncmp(ours->path, queue_dir, q) == 0 && ours->path[q] == '/' && ours->path[q + 1])
            str_printf(out, "unix:%s", ours->path + q + 1);
        else
            str_printf(out, "unix:%s", ours->path);
        return;
    }
    if (ours->host == NULL)
        str_printf(out, "inet:localhost:%u", ours->port);
    else if (strchr(ours->host, ':') != NULL)
        str_printf(out, "inet:[%s]:%u", ours->host, ours->port);
    else
        str_printf(out, "inet:%s:%u", ours->host, ours->port);
}

void ck_sock_free(ck_sock *s)
{
    mem_free(&s->path);
    mem_free(&s->host);
}
