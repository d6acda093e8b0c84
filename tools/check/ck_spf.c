/* ck_spf.c - a simple SPF evaluator for milterkit-check; see ck_spf.h. */
#include "config.h"

#include "ck_spf.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/mem.h"

#define MAX_LOOKUPS 10 /* RFC 7208 4.6.4 */
#define MAX_DEPTH 10
#define MAX_TERM 512   /* bytes of one term we look at */

typedef struct eval {
    const dns_resolver *r;
    const cidr_addr *ip;
    unsigned lookups;
    str_t *why;
} eval;

const char *ck_spf_result_name(ck_spf_result res)
{
    static const char *const names[] = {"pass",      "fail",      "softfail", "neutral",
                                        "none",      "temperror", "permerror", "unknown"};

    return (unsigned)res < sizeof names / sizeof names[0] ? names[res] : "unknown";
}

/* "v=spf1" followed by a space or the end. */
static bool is_spf(const char *txt, size_t len)
{
    return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

ck_spf_result ck_spf_record(const dns_resolver *r, const char *domain, str_t *record, str_t *why)
{
    dns_txts t;
    dns_status st;
    size_t found = 0;

    memset(&t, 0, sizeof t);
    st = r->txt(r->ctx, domain, &t);
    if (st == DNS_TEMPFAIL || st == DNS_PERMFAIL) {
        str_printf(why, "TXT lookup of %s: %s", domain,
                   t.info.why && *t.info.why ? t.info.why : dns_status_name(st));
        dns_txts_free(&t);
        return st == DNS_TEMPFAIL ? CK_SPF_TEMPERROR : CK_SPF_PERMERROR;
    }
    for (size_t i = 0; st == DNS_FOUND && i < t.count; i++) {
        if (!is_spf(t.rec[i], t.len[i]) || memchr(t.rec[i], '\0', t.len[i]) != NULL)
            continue;
        if (found++ == 0)
            str_append(record, t.rec[i], t.len[i]);
    }
    dns_txts_free(&t);
    if (found > 1) {
        str_printf(why, "%zu SPF records at %s (there must be one)", found, domain);
        return CK_SPF_PERMERROR;
    }
    return found == 1 ? CK_SPF_PASS : CK_SPF_NONE;
}

static ck_spf_result qualified(char q)
{
    switch (q) {
    case '-': return CK_SPF_FAIL;
    case '~': return CK_SPF_SOFTFAIL;
    case '?': return CK_SPF_NEUTRAL;
    default: return CK_SPF_PASS;
    }
}

/* Parses "/n" or "//n" prefix lengths after a domain spec. */
static int cidr_lengths(const char *s, unsigned *v4, unsigned *v6)
{
    *v4 = 32, *v6 = 128;
    if (*s == '\0')
        return 0;
    if (s[0] == '/' && s[1] != '/') {
        char *end;
        long n = strtol(s + 1, &end, 10);

        if (end == s + 1 || n < 0 || n > 32)
            return -1;
        *v4 = (unsigned)n;
        s = end;
    }
    if (s[0] == '/' && s[1] == '/') {
        char *end;
        long n = strtol(s + 2, &end, 10);

        if (end == s + 2 || n < 0 || n > 128)
            return -1;
        *v6 = (unsigned)n;
        s = end;
    }
    return *s == '\0' ? 0 : -1;
}

static bool in_prefix(const cidr_addr *net, unsigned bits, const cidr_addr *ip)
{
    cidr c = {.addr = *net, .bits = bits};

    for (unsigned i = bits; i < 128; i++)
        c.addr.b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    return cidr_match(&c, ip);
}

/* ip4:/ip6: terms. */
static int ip_term(const char *arg, bool v6, const cidr_addr *ip, bool *match)
{
    const char *slash = strchr(arg, '/');
    char *addr = mem_strndup(arg, slash ? (size_t)(slash - arg) : strlen(arg));
    cidr_addr a;
    unsigned bits = v6 ? 128 : 32;
    int rc = 0;

    if (cidr_addr_parse(addr, &a) < 0 || cidr_addr_is_v4(&a) == v6)
        rc = -1;
    if (rc == 0 && slash != NULL) {
        char *end;
        long n = strtol(slash + 1, &end, 10);

        if (end == slash + 1 || *end != '\0' || n < 0 || n > (v6 ? 128 : 32))
            rc = -1;
        bits = (unsigned)n;
    }
    mem_free(&addr);
    *match = rc == 0 && cidr_addr_is_v4(ip) != v6 && in_prefix(&a, v6 ? bits : 96 + bits, ip);
    return rc;
}

static ck_spf_result domain_eval(eval *e, const char *domain, unsigned depth);

/* The domain of "a[:domain][/n][//n]" into *dom, the rest into *rest. */
static int split_domain(const char *arg, const char *current, str_t *dom, const char **rest)
{
    const char *slash = strchr(arg, '/');

    if (*arg == ':') {
        arg++;
        if (*arg == '\0' || *arg == '/')
            return -1;
        str_append(dom, arg, slash ? (size_t)(slash - arg) : strlen(arg));
    } else if (*arg == '/' || *arg == '\0')
        str_append_cstr(dom, current);
    else
        return -1;
    *rest = slash ? slash : "";
    return strchr(dom->buf, '%') != NULL ? 1 : 0; /* 1: a macro */
}

/* "a" terms: the domain's A or AAAA addresses. */
static ck_spf_result a_term(eval *e, const char *arg, const char *domain, bool *match)
{
    str_t dom;
    const char *rest;
    unsigned v4, v6;
    dns_addrs addrs;
    dns_status st;
    int rc;
    bool is4 = cidr_addr_is_v4(e->ip);

    str_init(&dom);
    *match = false;
    rc = split_domain(arg, domain, &dom, &rest);
    if (rc < 0 || cidr_lengths(rest, &v4, &v6) < 0) {
        str_printf(e->why, "bad a term");
        str_free(&dom);
        return CK_SPF_PERMERROR;
    }
    if (rc == 1) {
        str_printf(e->why, "a:%s uses a macro, which this check does not expand", dom.buf);
        str_free(&dom);
        return CK_SPF_UNKNOWN;
    }
    memset(&addrs, 0, sizeof addrs);
    st = e->r->addrs(e->r->ctx, dom.buf, is4 ? AF_INET : AF_INET6, &addrs);
    if (st == DNS_TEMPFAIL) {
        str_printf(e->why, "a:%s: DNS lookup failed", dom.buf);
        str_free(&dom);
        return CK_SPF_TEMPERROR;
    }
    for (size_t i = 0; st == DNS_FOUND && i < addrs.count && !*match; i++)
        *match = in_prefix(&addrs.addr[i], is4 ? 96 + v4 : v6, e->ip);
    str_free(&dom);
    return CK_SPF_PASS; /* evaluated */
}

/* One term.  Returns CK_SPF_PASS with *match when evaluated, else the error. */
static ck_spf_result term(eval *e, const char *t, const char *domain, unsigned depth, bool *match)
{
    *match = false;
    if (strcasecmp(t, "all") == 0) {
        *match = true;
        return CK_SPF_PASS;
    }
    if (strncasecmp(t, "ip4:", 4) == 0 || strncasecmp(t, "ip6:", 4) == 0) {
        if (ip_term(t + 4, t[2] == '6', e->ip, match) < 0) {
            str_printf(e->why, "bad term %s", t);
            return CK_SPF_PERMERROR;
        }
        return CK_SPF_PASS;
    }
    if (strncasecmp(t, "a", 1) == 0 && (t[1] == '\0' || t[1] == ':' || t[1] == '/')) {
        if (++e->lookups > MAX_LOOKUPS)
            goto too_many;
        return a_term(e, t + 1, domain, match);
    }
    if (strncasecmp(t, "include:", 8) == 0) {
        ck_spf_result r;
        str_t *outer = e->why, inner;

        if (++e->lookups > MAX_LOOKUPS)
            goto too_many;
        if (strchr(t + 8, '%') != NULL) {
            str_printf(e->why, "%s uses a macro, which this check does not expand", t);
            return CK_SPF_UNKNOWN;
        }
        str_init(&inner);
        e->why = &inner;
        r = domain_eval(e, t + 8, depth + 1);
        e->why = outer;
        if (r == CK_SPF_PASS) {
            *match = true;
            str_printf(e->why, "%s", inner.buf);
        } else if (r == CK_SPF_NONE) {
            str_printf(e->why, "%s has no SPF record", t);
            r = CK_SPF_PERMERROR;
        } else if (r == CK_SPF_TEMPERROR || r == CK_SPF_PERMERROR || r == CK_SPF_UNKNOWN)
            str_printf(e->why, "%s: %s", t, inner.buf);
        str_free(&inner);
        return r == CK_SPF_PERMERROR || r == CK_SPF_TEMPERROR || r == CK_SPF_UNKNOWN ? r
                                                                                      : CK_SPF_PASS;
    }
    if (strncasecmp(t, "mx", 2) == 0 || strncasecmp(t, "exists:", 7) == 0 ||
        strncasecmp(t, "ptr", 3) == 0) {
        str_printf(e->why, "term %s is not evaluated by this simple check", t);
        return CK_SPF_UNKNOWN;
    }
    str_printf(e->why, "unknown term %s", t);
    return CK_SPF_PERMERROR;
too_many:
    str_printf(e->why, "more than %d DNS-querying terms", MAX_LOOKUPS);
    return CK_SPF_PERMERROR;
}

/* walk() found no matching term. */
#define NO_MATCH (-1)

/* Walks the terms of record; sets *redirect when there is one.  Returns a
 * ck_spf_result, or NO_MATCH. */
static int walk(eval *e, const char *record, const char *domain, unsigned depth, str_t *redirect)
{
    const char *p = record + 6;

    while (*p != '\0') {
        size_t n;
        char *t;
        const char *body;
        ck_spf_result r;
        bool match = false;
        char q = '+';

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n == 0)
            break;
        if (n > MAX_TERM) {
            str_printf(e->why, "a term longer than %d bytes", MAX_TERM);
            return CK_SPF_PERMERROR;
        }
        t = mem_strndup(p, n);
        p += n;
        if (strncasecmp(t, "redirect=", 9) == 0) {
            str_clear(redirect);
            str_append_cstr(redirect, t + 9);
            mem_free(&t);
            continue;
        }
        if (strchr(t, '=') != NULL && strchr(t, ':') == NULL) { /* exp= and other modifiers */
            mem_free(&t);
            continue;
        }
        body = t;
        if (strchr("+-~?", t[0]) != NULL)
            q = *body++;
        r = term(e, body, domain, depth, &match);
        if (r == CK_SPF_PASS && match) {
            if (e->why->len == 0)
                str_printf(e->why, "%s matches", t);
            else
                str_printf(e->why, " (through %s)", t);
        }
        mem_free(&t);
        if (r != CK_SPF_PASS)
            return r;
        if (match)
            return qualified(q);
    }
    return NO_MATCH;
}

static ck_spf_result domain_eval(eval *e, const char *domain, unsigned depth)
{
    str_t record, redirect;
    ck_spf_result r;

    if (depth > MAX_DEPTH) {
        str_printf(e->why, "nested more than %d deep", MAX_DEPTH);
        return CK_SPF_PERMERROR;
    }
    str_init(&record), str_init(&redirect);
    r = ck_spf_record(e->r, domain, &record, e->why);
    if (r == CK_SPF_PASS) {
        int w = walk(e, record.buf, domain, depth, &redirect);

        if (w != NO_MATCH)
            r = (ck_spf_result)w;
        else if (redirect.len > 0 && strchr(redirect.buf, '%') != NULL) {
            str_printf(e->why, "redirect=%s uses a macro, which this check does not expand",
                       redirect.buf);
            r = CK_SPF_UNKNOWN;
        } else if (redirect.len > 0 && ++e->lookups > MAX_LOOKUPS) {
            str_printf(e->why, "more than %d DNS-querying terms", MAX_LOOKUPS);
            r = CK_SPF_PERMERROR;
        } else if (redirect.len > 0) {
            r = domain_eval(e, redirect.buf, depth + 1);
            if (r == CK_SPF_NONE) {
                str_printf(e->why, "redirect=%s has no SPF record", redirect.buf);
                r = CK_SPF_PERMERROR;
            }
        } else {
            str_printf(e->why, "no term of %s's record matches", domain);
            r = CK_SPF_NEUTRAL;
        }
    }
    str_free(&record), str_free(&redirect);
    return r;
}

static ck_spf_result simple_check(void *ctx, const char *domain, const cidr_addr *ip, str_t *why)
{
    eval e = {.r = ctx, .ip = ip, .why = why};

    return domain_eval(&e, domain, 0);
}

ck_spf_engine ck_spf_simple(const dns_resolver *r)
{
    ck_spf_engine e = {.name = "milterkit-check's simple SPF evaluator", .ctx = (void *)r,
                       .check = simple_check};

    return e;
}
