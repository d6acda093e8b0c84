/*
 * masquerade.c - sendmail's masquerading (ruleset MasqHdr of proto.m4) as a
 * byte-preserving rewrite over lib/addr spans.  See masquerade.h for the
 * rules and the order in which they apply.
 *
 * NOTES FOR milterkit-masq(8) - where sendmail 8.17 is odd, and we copy it
 * (each checked with sendmail -bt, "/tryflags HS" and "/tryflags ES", on a
 * .cf built from Debian's sendmail-cf with the matching FEATUREs):
 *  - MASQUERADE_EXCEPTION (exceptions) covers the name and every subdomain,
 *    and beats masquerading and EXPOSED_USER, but NOT genericstable: the
 *    genericstable is consulted first (ruleset MasqHdr), so an entry for
 *    carol@dmz.home.example.net applies even though dmz.home.example.net is
 *    an exception.
 *  - The local host names (class w, e.g. mail.example.net) are masqueraded
 *    exactly, never their subdomains, even with entire_domain; entire_domain
 *    only widens the `domains` list.  limited_masquerade stops class w from
 *    being masqueraded at all.
 *  - entire_domain matches on label boundaries: with home.example.net,
 *    pc1.home.example.net and home.example.net itself are masqueraded,
 *    evilhome.example.net is not.
 *  - EXPOSED_USER only keeps a user's host name in domains that would be
 *    masqueraded; an unqualified exposed user (with always_add_domain)
 *    gets the local host name ($j), not the masquerade name.  User names
 *    compare without regard to case (sendmail classes are caseless).
 *  - Without `as`, nothing is masqueraded; always_add_domain then appends
 *    the local host name.
 *  - The null address <> and empty groups (undisclosed-recipients:;) pass
 *    unchanged; members of a non-empty group are masqueraded like any address.
 *  - genericstable: applies to domains listed in generics_domains (class G;
 *    with generics_entire_domain also their subdomains), NOT automatically to
 *    the local host names, and to unqualified addresses (with
 *    always_add_domain), which are looked up as user@hostname.  Keys are
 *    lower-cased and tried in the order user@domain, user+*@domain (%1 =
 *    detail), user@domain without detail, @domain (%1 = local part; never for
 *    unqualified addresses), user, user+* (%1 = detail), user without detail.
 *    A value with a domain is final (it is not masqueraded afterwards); a
 *    value without one is masqueraded like an unqualified address.
 *  - A trailing dot on a rewritten domain goes ("@pc1.home.example.net." ->
 *    "@example.net"); domain names compare without regard to case.
 * Deliberate differences:
 *  - sendmail's SMTP mailer qualifies every unqualified header address
 *    ("joe" -> "joe@example.net") whatever FEATURE(always_add_domain) says;
 *    milterkit-masq leaves "joe" alone unless always_add_domain is set.
 *    Set it for sendmail's behaviour.  The optional domain argument of
 *    FEATURE(always_add_domain) has no equivalent: `as` (or, without `as`,
 *    the host name) is used.
 *  - A header that does not parse as an address list (unbalanced quotes,
 *    comments or brackets, NUL bytes, more than 20000 addresses) is left
 *    exactly as it was and the reason is logged; sendmail rewrites what it
 *    can recognise.
 *  - Only the domain bytes change: comments, folding, spacing, display
 *    names and encoded words keep their bytes (sendmail re-formats the
 *    address); a comment written inside an obsolete spaced-out domain
 *    ("pc1 (x) . home.example.net") goes with the domain it was part of.
 *  - sendmail drops an obsolete source route from every address it sends
 *    ("<@relay.org:a@pc1.home.example.net>" -> "<a@example.net>");
 *    milterkit-masq masquerades the address after the route the same way
 *    but keeps the route bytes ("<@relay.org:a@example.net>").
 *  - A genericstable temporary failure leaves the header or envelope sender
 *    unchanged and is reported, so the daemon can tempfail the message.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "core/cidr.h"
#include "core/dname.h"
#include "mail/addr.h"
#include "mail/masquerade.h"
#include "core/mem.h"

/* What to do with one address. */
enum action {
    KEEP,       /* leave it */
    NEW_DOMAIN, /* replace the domain span */
    ADD_DOMAIN, /* insert "@domain" after the bare local part */
    NEW_SPEC,   /* replace the addr-spec span */
};

/* One address being decided: its local part and domain without CFWS. */
typedef struct work {
    str_t local;
    str_t domain;
    bool qualified;
    bool local_changed; /* generics gave a new bare local part */
    str_t repl;         /* the replacement bytes */
} work;

const char *const masquerade_sender_headers[] = {
    "From",
    "Sender",
    "Reply-To",
    "Resent-From",
    "Resent-Sender",
    "Resent-Reply-To",
    "Errors-To",
    "Disposition-Notification-To",
    NULL,
};

const char *const masquerade_recipient_headers[] = {
    "To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", "Apparently-To", NULL,
};

static bool in_table(const char *const *t, const char *name)
{
    for (; *t != NULL; t++)
        if (strcasecmp(*t, name) == 0)
            return true;
    return false;
}

masquerade_hdr_kind masquerade_header_kind(const char *name)
{
    if (in_table(masquerade_sender_headers, name))
        return MASQUERADE_HDR_SENDER;
    if (in_table(masquerade_recipient_headers, name))
        return MASQUERADE_HDR_RECIPIENT;
    return MASQUERADE_HDR_OTHER;
}

/* Length of d without one trailing dot. */
static size_t domain_len(const char *d, size_t len)
{
    return len > 1 && d[len - 1] == '.' ? len - 1 : len;
}

/* Is the domain d equal to name, or (sub) below it? */
static bool domain_matches(const char *d, size_t dlen, const char *name, bool sub)
{
    size_t nlen = domain_len(name, strlen(name));

    dlen = domain_len(d, dlen);
    if (nlen == 0 || dlen < nlen || strncasecmp(d + dlen - nlen, name, nlen) != 0)
        return false;
    if (dlen == nlen)
        return true;
    return sub && d[dlen - nlen - 1] == '.';
}

static bool in_names(const masquerade_names *n, const str_t *d, bool sub)
{
    for (size_t i = 0; i < n->count; i++)
        if (n->items[i] != NULL && domain_matches(d->buf, d->len, n->items[i], sub))
            return true;
    return false;
}

static bool is_exposed(const masquerade_rules *r, const str_t *local)
{
    for (size_t i = 0; i < r->exposed_users.count; i++) {
        const char *u = r->exposed_users.items[i];
        if (u != NULL && strlen(u) == local->len && strncasecmp(u, local->buf, local->len) == 0)
            return true;
    }
    return false;
}

static const char *hostname_of(const masquerade_rules *r)
{
    if (r->hostname != NULL && r->hostname[0] != '\0')
        return r->hostname;
    if (r->local_hosts.count > 0)
        return r->local_hosts.items[0];
    return NULL;
}

static bool has_as(const masquerade_rules *r)
{
    return r->as != NULL && r->as[0] != '\0';
}

/* ---- genericstable ---- */

/* Appends value to out with each "%1" replaced by arg (NULL: left as is). */
static void append_subst(str_t *out, const str_t *value, const char *arg, size_t arglen)
{
    for (size_t i = 0; i < value->len; i++) {
        if (arg != NULL && value->buf[i] == '%' && i + 1 < value->len && value->buf[i + 1] == '1') {
            str_append(out, arg, arglen);
            i++;
        } else {
            str_append_char(out, value->buf[i]);
        }
    }
}

/* Looks up "<a><b><c>" lower-cased; on FOUND, result holds the substituted value. */
static masquerade_lookup lookup3(const masquerade_rules *r, str_t *key, const char *a, size_t alen,
                                 const char *b, const char *c, const char *arg, size_t arglen,
                                 str_t *result, const char **error_r)
{
    str_t value;
    masquerade_lookup res;

    str_clear(key);
    str_append(key, a, alen);
    str_append_cstr(key, b);
    str_append_cstr(key, c);
    for (size_t i = 0; i < key->len; i++)
        if (key->buf[i] >= 'A' && key->buf[i] <= 'Z')
            key->buf[i] = (char)(key->buf[i] - 'A' + 'a');
    str_init(&value);
    res = r->generics(r->generics_ctx, key->buf, &value, error_r);
    if (res == MASQUERADE_FOUND) {
        str_clear(result);
        append_subst(result, &value, arg, arglen);
    }
    str_free(&value);
    return res;
}

/*
 * The key sequence of proto.m4's MasqHdr for local (with an optional
 * "+detail") at domain: full address, user+*@domain, user@domain, @domain
 * (qualified only), local, user+*, user.
 */
static masquerade_lookup generics_find(const masquerade_rules *r, const work *w, const char *dom,
                                       str_t *result, const char **error_r)
{
    const char *local = w->local.buf, *plus = memchr(local, '+', w->local.len);
    size_t ulen = plus != NULL && plus != local ? (size_t)(plus - local) : w->local.len;
    const char *detail = local + ulen + 1;
    size_t dlen = ulen < w->local.len ? w->local.len - ulen - 1 : 0;
    bool has_plus = ulen < w->local.len;
    masquerade_lookup res;
    str_t key;

    str_init(&key);
    res = lookup3(r, &key, local, w->local.len, "@", dom, NULL, 0, result, error_r);
    if (res == MASQUERADE_NOTFOUND && has_plus) {
        res = lookup3(r, &key, local, ulen, "+*@", dom, detail, dlen, result, error_r);
        if (res == MASQUERADE_NOTFOUND)
            res = lookup3(r, &key, local, ulen, "@", dom, NULL, 0, result, error_r);
    }
    if (res == MASQUERADE_NOTFOUND && w->qualified)
        res = lookup3(r, &key, "", 0, "@", dom, local, w->local.len, result, error_r);
    if (res == MASQUERADE_NOTFOUND)
        res = lookup3(r, &key, local, w->local.len, "", "", NULL, 0, result, error_r);
    if (res == MASQUERADE_NOTFOUND && has_plus) {
        res = lookup3(r, &key, local, ulen, "+*", "", detail, dlen, result, error_r);
        if (res == MASQUERADE_NOTFOUND)
            res = lookup3(r, &key, local, ulen, "", "", NULL, 0, result, error_r);
    }
    str_free(&key);
    return res;
}

static bool generics_applies(const masquerade_rules *r, const work *w)
{
    if (r->generics == NULL)
        return false;
    if (!w->qualified)
        return hostname_of(r) != NULL;
    return in_names(&r->generics_domains, &w->domain, r->generics_entire_domain);
}

/*
 * Applies genericstable to *w.  Returns 1 when the value is a full address
 * (now in w->repl: the decision is NEW_SPEC), 0 when processing goes on
 * (possibly with a new bare local part), or a MASQUERADE_ERR_*.
 */
static int generics_step(const masquerade_rules *r, work *w, const char **error_r)
{
    str_t value;
    addr_entry e;
    int rc = 0;
    const char *dom = w->qualified ? w->domain.buf : hostname_of(r);

    str_init(&value);
    *error_r = "genericstable lookup failed";
    switch (generics_find(r, w, dom, &value, error_r)) {
    case MASQUERADE_NOTFOUND:
        break;
    case MASQUERADE_TEMPFAIL:
        rc = MASQUERADE_ERR_TEMPFAIL;
        break;
    case MASQUERADE_PERMFAIL:
        rc = MASQUERADE_ERR_PERMFAIL;
        break;
    case MASQUERADE_FOUND:
        if (addr_parse_envelope(value.buf, value.len, &e, error_r) < 0 || e.is_null ||
            e.route.len > 0) {
            *error_r = "bad genericstable value";
            rc = MASQUERADE_ERR_PERMFAIL;
        } else if (e.has_domain) {
            str_clear(&w->repl);
            str_append(&w->repl, value.buf + e.addr_spec.off, e.addr_spec.len);
            rc = 1;
        } else {
            str_clear(&w->local);
            str_append(&w->local, value.buf + e.local.off, e.local.len);
            w->qualified = false;
            w->local_changed = true;
        }
        break;
    }
    str_free(&value);
    return rc;
}

/* ---- masquerading proper ---- */

/* Is the domain one sendmail masquerades (class M, or w unless limited)? */
static bool masqueraded_domain(const masquerade_rules *r, const str_t *d)
{
    if (in_names(&r->domains, d, r->entire_domain))
        return true;
    return !r->limited && in_names(&r->local_hosts, d, false);
}

/* Steps 2 and 3: the new domain for *w, or NULL to keep it. */
static const char *masq_domain(const masquerade_rules *r, const work *w)
{
    if (w->qualified && in_names(&r->exceptions, &w->domain, true))
        return NULL;
    if (!has_as(r))
        return w->qualified ? NULL : hostname_of(r);
    if (!w->qualified)
        return is_exposed(r, &w->local) ? hostname_of(r) : r->as;
    if (!masqueraded_domain(r, &w->domain) || is_exposed(r, &w->local))
        return NULL;
    return r->as;
}

/* Decides for one address; fills w->repl.  Returns an action or MASQUERADE_ERR_*. */
static int decide(const masquerade_rules *r, work *w, const char **error_r)
{
    const char *dom;

    if (!w->qualified && !r->always_add_domain)
        return KEEP;
    if (generics_applies(r, w)) {
        int rc = generics_step(r, w, error_r);
        if (rc != 0)
            return rc > 0 ? NEW_SPEC : rc;
    }
    dom = masq_domain(r, w);
    if (dom == NULL && w->local_changed) {
        *error_r = "genericstable value without domain and no local host name";
        return MASQUERADE_ERR_PERMFAIL;
    }
    if (dom == NULL)
        return KEEP;
    str_clear(&w->repl);
    if (w->local_changed) {
        str_append(&w->repl, w->local.buf, w->local.len);
        str_append_char(&w->repl, '@');
        str_append_cstr(&w->repl, dom);
        return NEW_SPEC;
    }
    if (w->qualified) {
        str_append_cstr(&w->repl, dom);
        return NEW_DOMAIN;
    }
    str_append_char(&w->repl, '@');
    str_append_cstr(&w->repl, dom);
    return ADD_DOMAIN;
}

static void work_init(work *w, const char *value, const addr_entry *e)
{
    str_init(&w->local);
    str_init(&w->domain);
    str_init(&w->repl);
    addr_copy_local(value, e, &w->local);
    addr_copy_domain(value, e, &w->domain);
    w->qualified = e->has_domain;
    w->local_changed = false;
}

static void work_free(work *w)
{
    str_free(&w->local);
    str_free(&w->domain);
    str_free(&w->repl);
}

/* The bytes of e that action act replaces. */
static addr_span target_of(const addr_entry *e, int act)
{
    if (act == NEW_SPEC)
        return e->addr_spec;
    if (act == NEW_DOMAIN)
        return e->domain;
    return (addr_span){e->local.off + e->local.len, 0};
}

/*
 * Rewrites entry e of value into out: copies value[*pos .. target) and the
 * replacement, advancing *pos.  Sets *changed when bytes differ.
 */
static int apply_entry(const masquerade_rules *r, const char *value, const addr_entry *e,
                       str_t *out, size_t *pos, bool *changed, const char **error_r)
{
    work w;
    int act;

    if (e->is_null)
        return MASQUERADE_OK;
    work_init(&w, value, e);
    act = decide(r, &w, error_r);
    if (act == KEEP) {
        act = MASQUERADE_OK;
    } else if (act > KEEP) {
        addr_span at = target_of(e, act);

        if (at.len != w.repl.len || memcmp(value + at.off, w.repl.buf, at.len) != 0) {
            str_append(out, value + *pos, at.off - *pos);
            str_append(out, w.repl.buf, w.repl.len);
            *pos = at.off + at.len;
            *changed = true;
        }
        act = MASQUERADE_OK;
    }
    work_free(&w);
    return act;
}

static int give_back(const char *value, size_t len, str_t *out, int rc)
{
    str_clear(out);
    str_append(out, value, len);
    return rc;
}

int masquerade_header(const masquerade_rules *r, const char *value, size_t len, str_t *out,
                      bool *changed_r, const char **error_r)
{
    addr_list l;
    size_t pos = 0;
    bool changed = false;
    int rc = MASQUERADE_OK;

    if (changed_r != NULL)
        *changed_r = false;
    addr_list_init(&l);
    if (addr_parse_list(value, len, &l, error_r) < 0) {
        addr_list_free(&l);
        return give_back(value, len, out, MASQUERADE_ERR_MALFORMED);
    }
    str_clear(out);
    for (size_t i = 0; i < l.n && rc == MASQUERADE_OK; i++)
        rc = apply_entry(r, value, &l.v[i], out, &pos, &changed, error_r);
    addr_list_free(&l);
    if (rc != MASQUERADE_OK)
        return give_back(value, len, out, rc);
    str_append(out, value + pos, len - pos);
    if (changed_r != NULL)
        *changed_r = changed;
    return MASQUERADE_OK;
}

int masquerade_address(const masquerade_rules *r, const char *addr, size_t len, str_t *out,
                       bool *changed_r, const char **error_r)
{
    addr_entry e;
    size_t pos = 0;
    bool changed = false;
    int rc;

    if (changed_r != NULL)
        *changed_r = false;
    if (addr_parse_envelope(addr, len, &e, error_r) < 0)
        return give_back(addr, len, out, MASQUERADE_ERR_MALFORMED);
    str_clear(out);
    rc = apply_entry(r, addr, &e, out, &pos, &changed, error_r);
    if (rc != MASQUERADE_OK)
        return give_back(addr, len, out, rc);
    str_append(out, addr + pos, len - pos);
    if (changed_r != NULL)
        *changed_r = changed;
    return MASQUERADE_OK;
}

/* ---- configuration check ---- */

/* A name we compare (the lists): lib/core/dname's rules; class w may also
 * hold address literals, "[192.0.2.1]" and "[IPv6:2001:db8::1]". */
static bool valid_domain(const char *d)
{
    size_t n = d != NULL ? strlen(d) : 0;
    bool ok = false;

    if (n > 2 && d[0] == '[' && d[n - 1] == ']') {
        char *ip = mem_strndup(d + 1, n - 2);
        const char *inside = strncasecmp(ip, "IPv6:", 5) == 0 ? ip + 5 : ip;
        const char *why;
        cidr c;

        ok = strchr(inside, '/') == NULL && cidr_parse(inside, &c, &why) == 0;
        mem_free(&ip);
        return ok;
    }
    return dname_valid(d, DNAME_MATCH);
}

static bool valid_domains(const masquerade_names *n)
{
    for (size_t i = 0; i < n->count; i++)
        if (!valid_domain(n->items[i]))
            return false;
    return true;
}

int masquerade_rules_check(const masquerade_rules *r, const char **error_r)
{
    if (has_as(r) && !dname_valid(r->as, DNAME_HOST))
        *error_r = "masquerade name (as) is not a domain";
    else if (!valid_domains(&r->domains) || !valid_domains(&r->local_hosts))
        *error_r = "invalid name in masquerade domains or local host names";
    else if (!valid_domains(&r->exceptions) || !valid_domains(&r->generics_domains))
        *error_r = "invalid name in masquerade exceptions or generics domains";
    else if (r->hostname != NULL && r->hostname[0] != '\0' && !valid_domain(r->hostname))
        *error_r = "hostname is not a domain";
    else if (r->always_add_domain && hostname_of(r) == NULL)
        *error_r = "always_add_domain needs the local host name";
    else
        return 0;
    return -1;
}
