/* spf.c - SPF check_host() (RFC 7208) on lib/dns; see spf.h. */
#include "config.h"

#include "auth/spf.h"

#include "dns/dnsname.h"
#include "auth/spf_macro.h"
#include "auth/spf_record.h"
#include "core/mem.h"

#include <string.h>

#define MAX_MX_NAMES 10  /* 4.6.4: more is permerror */
#define MAX_PTR_NAMES 10 /* 4.6.4: the rest are ignored */

typedef enum mres { M_NOMATCH, M_MATCH, M_ERROR } mres;

/* One evaluation: the client, the identity, the counters shared by every
 * include and redirect, the PTR names validated once. */
typedef struct ctx {
    const dns_resolver *r;
    const dns_budget *budget;
    cidr_addr ip;
    bool v4;
    const char *sender, *local, *sender_domain, *helo;
    unsigned lookups, voids, max_lookups, max_voids;
    bool out_of_time;
    spf_result err;  /* the error an M_ERROR stands for */
    const char *why; /* first reason recorded */
    str_t mechanism; /* the top-level term that decided */
    unsigned depth;
    /* validated names of the client (5.5, 7.3 %{p}) */
    bool ptr_done;
    dns_status ptr_status;
    size_t nvalid;
    char *valid[MAX_PTR_NAMES];
    const char *p_domain; /* the <domain> %{p} prefers names below */
} ctx;

static spf_result check_host(ctx *c, const char *domain);

static void note(ctx *c, const char *why)
{
    if (c->why == NULL)
        c->why = why;
}

static mres error(ctx *c, spf_result r, const char *why)
{
    c->err = r;
    note(c, why);
    return M_ERROR;
}

/* ---- DNS ---- */

/* Asks for name (text, after macro expansion).  A name that is no DNS name
 * (empty or long label) cannot exist: DNS_NOTFOUND without a query. */
static dns_status ask(ctx *c, const char *name, dns_type type, dns_answer *a)
{
    dns_status st;
    str_t q;

    memset(a, 0, sizeof *a);
    str_init(&q);
    if (dnsname_query_form(name, strlen(name), &q) < 0) {
        str_free(&q);
        a->info.why = "not a DNS name";
        return DNS_NOTFOUND;
    }
    st = c->r->lookup(c->r->ctx, q.buf, type, c->budget, a);
    str_free(&q);
    if (st == DNS_TEMPFAIL && a->info.why != NULL && strcmp(a->info.why, DNS_WHY_BUDGET) == 0)
        c->out_of_time = true;
    return st == DNS_PERMFAIL ? DNS_NOTFOUND : st; /* unaskable: as if absent */
}

static mres dns_trouble(ctx *c, const dns_answer *a)
{
    return error(c, SPF_TEMPERROR,
                 a->info.why && strcmp(a->info.why, DNS_WHY_BUDGET) == 0 ? DNS_WHY_BUDGET
                                                                         : "DNS lookup failed");
}

/* A void lookup (4.6.4): counted, and the third one is permerror. */
static bool void_exceeded(ctx *c)
{
    if (++c->voids <= c->max_voids)
        return false;
    error(c, SPF_PERMERROR, "too many void DNS lookups");
    return true;
}

/* One more term that causes DNS lookups (4.6.4). */
static bool lookup_exceeded(ctx *c)
{
    if (++c->lookups <= c->max_lookups)
        return false;
    error(c, SPF_PERMERROR, "too many DNS lookups");
    return true;
}

static bool has_addr(const dns_answer *a, const cidr_addr *ip, unsigned bits)
{
    cidr net = {.bits = bits};

    for (size_t i = 0; i < a->count; i++) {
        net.addr = a->rr[i].addr;
        if (cidr_match(&net, ip))
            return true;
    }
    return false;
}

/* ---- validated names (5.5 ptr, 7.3 %{p}) ---- */

static void validate_ptr(ctx *c)
{
    dns_answer ptr, a;
    str_t rev;

    if (c->ptr_done)
        return;
    c->ptr_done = true;
    str_init(&rev);
    dns_reverse_name(&c->ip, &rev);
    c->ptr_status = c->r->lookup(c->r->ctx, rev.buf, DNS_T_PTR, c->budget, &ptr);
    str_free(&rev);
    if (c->ptr_status == DNS_TEMPFAIL && ptr.info.why != NULL &&
        strcmp(ptr.info.why, DNS_WHY_BUDGET) == 0)
        c->out_of_time = true;
    for (size_t i = 0; c->ptr_status == DNS_FOUND && i < ptr.count && i < MAX_PTR_NAMES; i++) {
        /* A failed lookup skips the name (5.5). */
        if (ask(c, ptr.rr[i].text, c->v4 ? DNS_T_A : DNS_T_AAAA, &a) == DNS_FOUND &&
            has_addr(&a, &c->ip, 128))
            c->valid[c->nvalid++] = mem_strdup(ptr.rr[i].text);
        dns_answer_free(&a);
    }
    dns_answer_free(&ptr);
}

/* %{p}: a validated name, one equal to or below <domain> first (7.3). */
static const char *p_macro(void *arg)
{
    ctx *c = arg;

    validate_ptr(c);
    for (size_t i = 0; i < c->nvalid; i++)
        if (dnsname_within(c->valid[i], c->p_domain))
            return c->valid[i];
    return c->nvalid > 0 ? c->valid[0] : "unknown";
}

/* ---- targets ---- */

/* The target name of a term (or the current domain without domain-spec):
 * macros expanded, trailing dot dropped, cut to 253 bytes on the left (7.3). */
static int target_of(ctx *c, const spf_span *spec, const char *domain, str_t *out)
{
    spf_macro_env env = {
        .sender = c->sender,
        .local = c->local,
        .sender_domain = c->sender_domain,
        .domain = domain,
        .ip = &c->ip,
        .helo = c->helo,
        .validated_name = p_macro,
        .ctx = c,
    };
    const char *why;

    if (spec->p == NULL) {
        str_append_cstr(out, domain);
        return 0;
    }
    c->p_domain = domain;
    if (spf_macro_expand(spec->p, spec->len, 0, &env, out, &why) < 0) {
        error(c, SPF_PERMERROR, why);
        return -1;
    }
    if (out->len > 0 && out->buf[out->len - 1] == '.')
        str_truncate(out, out->len - 1);
    while (out->len > DNSNAME_MAX) {
        char *dot = memchr(out->buf, '.', out->len);

        if (dot == NULL)
            break;
        memmove(out->buf, dot + 1, out->len - (size_t)(dot + 1 - out->buf) + 1);
        out->len -= (size_t)(dot + 1 - out->buf);
    }
    return 0;
}

/* ---- mechanisms (5) ---- */

static mres mech_addr(ctx *c, const char *target, const spf_term *t)
{
    unsigned bits = c->v4 ? 96 + t->cidr4 : t->cidr6;
    dns_answer a;
    dns_status st = ask(c, target, c->v4 ? DNS_T_A : DNS_T_AAAA, &a);
    mres m = M_NOMATCH;

    if (st == DNS_TEMPFAIL)
        m = dns_trouble(c, &a);
    else if (st == DNS_NOTFOUND)
        m = void_exceeded(c) ? M_ERROR : M_NOMATCH;
    else if (has_addr(&a, &c->ip, bits))
        m = M_MATCH;
    dns_answer_free(&a);
    return m;
}

static mres mech_mx(ctx *c, const char *target, const spf_term *t)
{
    unsigned bits = c->v4 ? 96 + t->cidr4 : t->cidr6;
    dns_answer mx, a;
    dns_status st = ask(c, target, DNS_T_MX, &mx);
    mres m = M_NOMATCH;

    if (st == DNS_TEMPFAIL)
        m = dns_trouble(c, &mx);
    else if (st == DNS_NOTFOUND)
        m = void_exceeded(c) ? M_ERROR : M_NOMATCH;
    else if (mx.count > MAX_MX_NAMES)
        m = error(c, SPF_PERMERROR, "more than 10 MX names");
    for (size_t i = 0; st == DNS_FOUND && m == M_NOMATCH && i < mx.count; i++) {
        st = ask(c, mx.rr[i].text, c->v4 ? DNS_T_A : DNS_T_AAAA, &a);
        if (st == DNS_TEMPFAIL)
            m = dns_trouble(c, &a);
        else if (st == DNS_FOUND && has_addr(&a, &c->ip, bits))
            m = M_MATCH;
        st = DNS_FOUND; /* an MX name without address is no match, no void */
        dns_answer_free(&a);
    }
    dns_answer_free(&mx);
    return m;
}

static mres mech_ptr(ctx *c, const char *target)
{
    validate_ptr(c);
    if (c->ptr_status == DNS_NOTFOUND && void_exceeded(c))
        return M_ERROR;
    for (size_t i = 0; i < c->nvalid; i++)
        if (dnsname_within(c->valid[i], target))
            return M_MATCH;
    return M_NOMATCH; /* a failed PTR lookup does not match (5.5) */
}

static mres mech_exists(ctx *c, const char *target)
{
    dns_answer a;
    dns_status st = ask(c, target, DNS_T_A, &a); /* A even for IPv6 clients (5.7) */
    mres m = st == DNS_FOUND ? M_MATCH : M_NOMATCH;

    if (st == DNS_TEMPFAIL)
        m = dns_trouble(c, &a);
    else if (st == DNS_NOTFOUND && void_exceeded(c))
        m = M_ERROR;
    dns_answer_free(&a);
    return m;
}

static mres mech_include(ctx *c, const char *target)
{
    spf_result r;

    c->depth++;
    r = check_host(c, target);
    c->depth--;
    switch (r) {
    case SPF_PASS:
        return M_MATCH;
    case SPF_FAIL:
    case SPF_SOFTFAIL:
    case SPF_NEUTRAL:
        return M_NOMATCH;
    case SPF_TEMPERROR:
        return error(c, SPF_TEMPERROR, "include: temporary error");
    case SPF_NONE:
        return error(c, SPF_PERMERROR, "include: target has no SPF record");
    case SPF_PERMERROR:
        break;
    }
    return error(c, SPF_PERMERROR, "include: permanent error");
}

static mres evaluate_term(ctx *c, const spf_term *t, const char *domain)
{
    mres m;
    str_t target;

    switch (t->mech) {
    case SPF_MECH_ALL:
        return M_MATCH;
    case SPF_MECH_IP4:
    case SPF_MECH_IP6: /* an IPv4-mapped client is IPv4 (5) */
        return (t->mech == SPF_MECH_IP4) == c->v4 && cidr_match(&t->net, &c->ip) ? M_MATCH
                                                                                 : M_NOMATCH;
    default:
        break;
    }
    if (lookup_exceeded(c))
        return M_ERROR;
    str_init(&target);
    if (target_of(c, &t->domain, domain, &target) < 0) {
        str_free(&target);
        return M_ERROR;
    }
    switch (t->mech) {
    case SPF_MECH_A:
        m = mech_addr(c, target.buf, t);
        break;
    case SPF_MECH_MX:
        m = mech_mx(c, target.buf, t);
        break;
    case SPF_MECH_PTR:
        m = mech_ptr(c, target.buf);
        break;
    case SPF_MECH_EXISTS:
        m = mech_exists(c, target.buf);
        break;
    default:
        m = mech_include(c, target.buf);
        break;
    }
    str_free(&target);
    return m;
}

static spf_result qualified(char q)
{
    switch (q) {
    case '-':
        return SPF_FAIL;
    case '~':
        return SPF_SOFTFAIL;
    case '?':
        return SPF_NEUTRAL;
    default:
        return SPF_PASS;
    }
}

/* ---- check_host (4) ---- */

/* 4.3: a domain we can check: a well-formed multi-label name, no literal. */
static bool domain_usable(const char *d)
{
    return d[0] != '[' && dnsname_well_formed(d, strlen(d)) && strchr(d, '.') != NULL &&
           strchr(d, '.') < d + strlen(d) - 1;
}

/* Selects the one v=spf1 record of the answer (4.5); NULL with *result set. */
static const dns_rr *select_record(ctx *c, const dns_answer *a, spf_result *result)
{
    const dns_rr *found = NULL;

    for (size_t i = 0; i < a->count; i++) {
        if (!spf_record_is_spf1(a->rr[i].text, a->rr[i].len))
            continue;
        if (found != NULL) {
            *result = SPF_PERMERROR;
            note(c, "more than one SPF record");
            return NULL;
        }
        found = &a->rr[i];
    }
    if (found == NULL) {
        *result = SPF_NONE;
        note(c, "no SPF record");
    }
    return found;
}

static spf_result run_record(ctx *c, const spf_record *rec, const char *domain)
{
    spf_result r;
    str_t target;

    for (size_t i = 0; i < rec->nterms; i++) {
        mres m = evaluate_term(c, &rec->terms[i], domain);

        if (m == M_ERROR)
            return c->err;
        if (m == M_MATCH) {
            if (c->depth == 0)
                str_append(&c->mechanism, rec->terms[i].text.p, rec->terms[i].text.len);
            return qualified(rec->terms[i].qualifier);
        }
    }
    if (rec->redirect.p == NULL) {
        if (c->depth == 0)
            str_append_cstr(&c->mechanism, "default");
        return SPF_NEUTRAL;
    }
    if (lookup_exceeded(c))
        return c->err;
    str_init(&target);
    if (target_of(c, &rec->redirect, domain, &target) < 0) {
        str_free(&target);
        return c->err;
    }
    r = check_host(c, target.buf); /* the redirect's result is ours (6.1) */
    str_free(&target);
    if (r == SPF_NONE) {
        note(c, "redirect: target has no SPF record");
        return SPF_PERMERROR;
    }
    return r;
}

static spf_result check_host(ctx *c, const char *domain)
{
    const char *why = NULL;
    spf_result r = SPF_NONE;
    spf_record rec;
    dns_answer a;
    dns_status st;
    const dns_rr *txt;

    if (!domain_usable(domain)) {
        note(c, "not a domain name that can have SPF");
        return SPF_NONE;
    }
    st = ask(c, domain, DNS_T_TXT, &a);
    if (st == DNS_TEMPFAIL) {
        dns_trouble(c, &a);
        dns_answer_free(&a);
        return SPF_TEMPERROR;
    }
    if (st == DNS_NOTFOUND) {
        note(c, a.info.nxdomain ? "domain does not exist" : "no SPF record");
        if (c->depth > 0 && void_exceeded(c))
            r = SPF_PERMERROR;
        dns_answer_free(&a);
        return r;
    }
    txt = select_record(c, &a, &r);
    if (txt != NULL && spf_record_parse(txt->text, txt->len, &rec, NULL, &why) < 0) {
        note(c, why);
        r = SPF_PERMERROR;
    } else if (txt != NULL) {
        r = run_record(c, &rec, domain);
    }
    if (txt != NULL)
        spf_record_free(&rec);
    dns_answer_free(&a);
    return r;
}

/* ---- identities ---- */

static const char *const result_names[] = {"none",     "neutral",   "pass",     "fail",
                                           "softfail", "temperror", "permerror"};

const char *spf_result_name(spf_result r)
{
    return (unsigned)r < sizeof result_names / sizeof result_names[0] ? result_names[r] : "?";
}

void spf_check_free(spf_check *c)
{
    mem_free(&c->domain);
    mem_free(&c->sender);
    mem_free(&c->mechanism);
}

void spf_verdict_free(spf_verdict *v)
{
    spf_check_free(&v->helo);
    spf_check_free(&v->mailfrom);
}

spf_result spf_check_host(const dns_resolver *r, const dns_budget *budget, const cidr_addr *ip,
                          const char *domain, const char *sender, const char *helo,
                          const spf_limits *limits, spf_check *out)
{
    const char *at = strrchr(sender, '@');
    str_t local, full;
    ctx c = {
        .r = r,
        .budget = budget,
        .ip = *ip,
        .v4 = cidr_addr_is_v4(ip),
        .helo = helo ? helo : "",
        .max_lookups =
            limits && limits->max_lookups ? limits->max_lookups : SPF_DEFAULT_MAX_LOOKUPS,
        .max_voids = limits && limits->max_voids ? limits->max_voids : SPF_DEFAULT_MAX_VOIDS,
    };

    memset(out, 0, sizeof *out);
    str_init(&local);
    str_init(&full);
    str_init(&c.mechanism);
    if (at != NULL && at > sender)
        str_append(&local, sender, (size_t)(at - sender));
    else
        str_append_cstr(&local, "postmaster"); /* 4.3: no local-part */
    c.local = local.buf;
    c.sender_domain = at != NULL ? at + 1 : domain;
    str_printf(&full, "%s@%s", c.local, c.sender_domain);
    c.sender = full.buf;
    out->result = check_host(&c, domain);
    if (c.out_of_time && out->result != SPF_PERMERROR) {
        /* Answers were missing: no verdict can stand on what was left. */
        out->result = SPF_TEMPERROR;
        c.why = DNS_WHY_BUDGET;
    }
    out->domain = mem_strdup(domain);
    out->sender = str_steal(&full);
    out->mechanism =
        c.mechanism.len > 0 && out->result != SPF_TEMPERROR && out->result != SPF_PERMERROR
            ? str_steal(&c.mechanism)
            : NULL;
    out->why = c.why ? c.why : "";
    out->lookups = c.lookups;
    out->voids = c.voids;
    for (size_t i = 0; i < c.nvalid; i++)
        mem_free(&c.valid[i]);
    str_free(&c.mechanism);
    str_free(&local);
    return out->result;
}

/* The local part and domain of an envelope address: "<@r1,@r2:user@dom>",
 * "<user@dom>", "user@dom", "<>"; returns false for the null path. */
static bool envelope_parts(const char *s, str_t *local, str_t *domain, bool *has_domain)
{
    size_t len = strlen(s);
    const char *at;

    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
        s++, len -= 2;
    if (len > 0 && s[0] == '@' && memchr(s, ':', len) != NULL) { /* source route */
        const char *colon = memchr(s, ':', len);

        len -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    if (len == 0)
        return false;
    at = NULL;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '@')
            at = s + i;
    *has_domain = at != NULL && at + 1 < s + len;
    if (!*has_domain) {
        str_append(local, s, len);
        return true;
    }
    str_append(local, s, (size_t)(at - s));
    str_append(domain, at + 1, (size_t)(s + len - (at + 1)));
    if (domain->len > 0 && domain->buf[domain->len - 1] == '.')
        str_truncate(domain, domain->len - 1);
    return true;
}

static void copy_check(const spf_check *from, spf_check *to)
{
    *to = *from;
    to->domain = from->domain ? mem_strdup(from->domain) : NULL;
    to->sender = from->sender ? mem_strdup(from->sender) : NULL;
    to->mechanism = from->mechanism ? mem_strdup(from->mechanism) : NULL;
}

static void check_helo(const dns_resolver *r, const dns_budget *budget, const spf_request *req,
                       const char *helo, spf_check *out)
{
    str_t sender;

    if (helo[0] == '\0') {
        memset(out, 0, sizeof *out);
        out->result = SPF_NONE;
        out->why = "no HELO name";
        return;
    }
    str_init(&sender);
    str_printf(&sender, "postmaster@%s", helo);
    spf_check_host(r, budget, &req->client, helo, sender.buf, helo, &req->limits, out);
    str_free(&sender);
}

spf_result spf_evaluate(const dns_resolver *r, const dns_budget *budget, const spf_request *req,
                        spf_verdict *out)
{
    str_t helo, local, domain, sender;
    bool has_domain = false;

    memset(out, 0, sizeof *out);
    str_init(&helo);
    str_init(&local);
    str_init(&domain);
    str_init(&sender);
    if (req->helo != NULL)
        str_append_cstr(&helo, req->helo);
    if (helo.len > 0 && helo.buf[helo.len - 1] == '.')
        str_truncate(&helo, helo.len - 1);
    out->null_sender =
        req->mail_from == NULL || !envelope_parts(req->mail_from, &local, &domain, &has_domain);
    if (out->null_sender) {
        check_helo(r, budget, req, helo.buf, &out->helo); /* 2.4: postmaster@HELO */
        copy_check(&out->helo, &out->mailfrom);
    } else if (!has_domain) {
        out->mailfrom.result = SPF_NONE;
        out->mailfrom.why = "MAIL FROM has no domain";
        check_helo(r, budget, req, helo.buf, &out->helo);
    } else {
        /* MAIL FROM first: it is the one that counts, and gets the budget first. */
        str_printf(&sender, "%s@%s", local.buf, domain.buf);
        spf_check_host(r, budget, &req->client, domain.buf, sender.buf, helo.buf, &req->limits,
                       &out->mailfrom);
        check_helo(r, budget, req, helo.buf, &out->helo);
    }
    str_free(&helo);
    str_free(&local);
    str_free(&domain);
    str_free(&sender);
    return out->mailfrom.result;
}
