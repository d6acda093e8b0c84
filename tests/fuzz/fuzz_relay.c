/*
 * fuzz_relay.c - libFuzzer target over milterkit-relay's own parsing:
 * relay.sender_logins values (relay_policy_prepare), envelope arguments,
 * domain and sender-item matching, sender binding, recipient classes.
 * Input: login, sender and recipient lines, then the sender_logins map
 * (none when empty).  Invariants checked (abort on violation):
 *   - a refused map names the file; in an accepted one every item has one
 *     '@', not last; its login may send as a@b and as any x@b for "@b",
 *     never through a source route; "<>" is always allowed; NO_LOGIN only
 *     for a login not in the map; ALLOWED needs an unrouted address with '@';
 *   - relay_addr_bare returns a part of its input; "<" out ">" gives out;
 *   - relay_addr_logged writes it in brackets (or cut with "..."),
 *     printable, the same whether or not the input had them;
 *   - x is within x, x., sub.x, X; within is transitive; an item matches
 *     its own address, "@b" any case of x@b, neither a longer one;
 *   - case never changes a recipient's class; a route, '%' or '!' is
 *     REMOTE, no '@' LOCAL; RELAYED only within relay_domains.
 * lib/dns is replaced by the stand-ins below (so dns.o is not linked):
 * prepare() only creates and frees a handle, which costs milliseconds.
 */
#include "config.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "milter/daemon.h"
#include "mail/mapfile.h"
#include "core/mem.h"
#include "relay_policy.h"
#include "relay_settings.h"

#define RELAYED "backup.example.org"
#define SEPS ", \t"

static char path[] = "/tmp/fuzz_relay.XXXXXX";
static char dns_handle;
static str_t tmp; /* scratch for cat() */

int dns_new(const dns_config *cfg, dns **out, const char **error_r)
{
    (void)cfg, (void)error_r;
    *out = (dns *)(void *)&dns_handle;
    return 0;
}

void dns_free(dns **d)
{
    *d = NULL;
}

dns_resolver dns_resolver_of(dns *d)
{
    return (dns_resolver){.ctx = d};
}

static void at_exit(void)
{
    unlink(path);
    str_free(&tmp);
}

static const char *cat(const char *a, const char *b, const char *c)
{
    str_clear(&tmp);
    str_printf(&tmp, "%s%s%s", a, b, c);
    return tmp.buf;
}

static void upper(const char *s, str_t *out)
{
    str_clear(out);
    for (; *s; s++)
        str_append_char(out, (char)toupper((unsigned char)*s));
}

/* The log form of an envelope argument: bracketed, printable, bounded,
 * the same with or without brackets typed. */
static void check_logged(const char *arg)
{
    log_safe_buf a, b;
    size_t n = strlen(relay_addr_logged(&a, arg));

    CHECK(n >= 2 && n <= LOG_SAFE_MAX + 3 && a.s[0] == '<');
    CHECK(a.s[n - 1] == '>' || (n > 3 && strcmp(a.s + n - 3, "...") == 0));
    for (size_t i = 0; i < n; i++)
        CHECK(a.s[i] >= 0x20 && a.s[i] < 0x7f);
    if (strpbrk(arg, "<> \t") == NULL && n < LOG_SAFE_MAX)
        CHECK(strcmp(relay_addr_logged(&b, cat("<", arg, ">")), a.s) == 0);
}

static void check_helpers(const char *l1, const char *l2, const char *l3, str_t *u, str_t *out)
{
    size_t n = strlen(l2) - (*l2 && l2[strlen(l2) - 1] == '.');
    const char *at = strrchr(l2, '@');
    bool routed;

    upper(l2, u);
    CHECK(relay_domain_within(l2, l2) == (n > 0) && relay_domain_within(u->buf, l2) == (n > 0));
    CHECK(n == 0 || relay_domain_within(cat("sub.", l2, ""), l2));
    CHECK(n == 0 || l2[n] == '.' || relay_domain_within(cat("", l2, "."), l2));
    if (relay_domain_within(l1, l2) && relay_domain_within(l2, l3))
        CHECK(relay_domain_within(l1, l3));
    if (*l2 != '@')
        CHECK(relay_sender_item_matches(l2, strlen(l2), l2) == (at != NULL));
    CHECK(at == NULL || relay_sender_item_matches(at, strlen(at), u->buf));
    CHECK(at == NULL || !relay_sender_item_matches(at, strlen(at), cat("", u->buf, "x")));
    CHECK(*l2 == '@' || !relay_sender_item_matches(l2, strlen(l2), cat("x", l2, "")));
    relay_addr_bare(l2, out, &routed);
    CHECK(strstr(l2, out->buf) != NULL);
    relay_addr_bare(cat("<", out->buf, ">"), u, &routed);
    CHECK(out->buf[0] == '@' || (!routed && strcmp(u->buf, out->buf) == 0));
    check_logged(l2);
}

static void check_entry(const relay_policy *p, const mapfile_entry *e, str_t *item)
{
    for (const char *v = e->value + strspn(e->value, SEPS); *v; v += strspn(v, SEPS)) {
        size_t n = strcspn(v, SEPS);
        const char *at;

        str_clear(item);
        str_append(item, v, n);
        at = strchr(item->buf, '@');
        CHECK(at != NULL && at[1] != '\0' && strchr(at + 1, '@') == NULL);
        CHECK(relay_policy_sender(p, e->key, cat(*v == '@' ? "<x" : "<", item->buf, ">")) ==
              RELAY_SENDER_ALLOWED);
        CHECK(relay_policy_sender(p, e->key, cat("<@relay.test:x", at, ">")) ==
              RELAY_SENDER_MISMATCH);
        v += n;
    }
}

static void check_policy(const relay_policy *p, bool map, char *const l[3], str_t *u, str_t *bare)
{
    relay_rcpt_kind k = relay_policy_rcpt(p, l[2]);
    relay_sender_check s = relay_policy_sender(p, l[0], l[1]);
    mapfile *m = NULL;
    bool routed;

    upper(l[2], u);
    CHECK(relay_policy_rcpt(p, u->buf) == k);
    relay_addr_bare(l[2], bare, &routed);
    if (routed || strpbrk(bare->buf, "%!"))
        CHECK(k == RELAY_RCPT_REMOTE);
    else if (strchr(bare->buf, '@') == NULL)
        CHECK(k == RELAY_RCPT_LOCAL);
    CHECK(k != RELAY_RCPT_RELAYED || relay_domain_within(strrchr(bare->buf, '@') + 1, RELAYED));
    CHECK(relay_policy_sender(p, l[0], "<>") == RELAY_SENDER_ALLOWED);
    if (!map)
        return;
    relay_addr_bare(l[1], bare, &routed);
    if (s == RELAY_SENDER_ALLOWED && *l[0] && (bare->len > 0 || routed))
        CHECK(!routed && strchr(bare->buf, '@') != NULL);
    CHECK(mapfile_load(path, MAPFILE_KEEP_CASE, &m, bare) == 0);
    CHECK(s != RELAY_SENDER_NO_LOGIN || mapfile_lookup(m, l[0]) == NULL);
    for (size_t i = 0; i < mapfile_count(m); i++)
        check_entry(p, mapfile_at(m, i), u);
    mapfile_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = mem_strndup((const char *)data, size), *l[4] = {text};
    daemon_conf c = {0};
    relay_settings s = {0};
    str_t t[3]; /* error, scratch, scratch */
    FILE *f;

    if (tmp.buf == NULL) { /* first call */
        int fd = mkstemp(path);

        CHECK(fd >= 0 && close(fd) == 0 && atexit(at_exit) == 0);
        str_init(&tmp);
    }
    for (size_t k = 1; k < 4 && l[k - 1] != NULL; k++)
        if ((l[k] = strchr(l[k - 1], '\n')) != NULL)
            *l[k]++ = '\0';
    for (size_t k = 0; k < 3; k++) {
        l[k + 1] = l[k + 1] ? l[k + 1] : "";
        str_init(&t[k]);
    }
    check_helpers(l[0], l[1], l[2], &t[1], &t[2]);
    cfg_defaults(&site_schema, &c.site);
    cfg_defaults(&relay_schema, &s);
    c.site.domain = mem_strdup("example.net");
    c.site.hostname = mem_strdup("mail.example.net");
    mem_free(&s.relay_domains.items); /* empty by default */
    s.relay_domains.items = mem_array(1, sizeof(char *));
    s.relay_domains.items[s.relay_domains.count++] = mem_strdup(RELAYED);
    if (*l[3] != '\0') {
        CHECK((f = fopen(path, "w")) != NULL && fputs(l[3], f) >= 0 && fclose(f) == 0);
        s.sender_logins = mem_strdup(path);
    }
    c.part = &s;
    if (relay_policy_prepare(&c, &t[0]) == 0)
        check_policy(c.runtime, s.sender_logins != NULL, l, &t[1], &t[2]);
    else
        CHECK(c.runtime == NULL && strstr(t[0].buf, path) != NULL);
    relay_policy_release(&c);
    cfg_free(&relay_schema, &s);
    cfg_free(&site_schema, &c.site);
    for (size_t k = 0; k < 3; k++)
        str_free(&t[k]);
    mem_free(&text);
    return 0;
}
