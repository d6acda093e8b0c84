/* test_relay_policy.c - unit tests of milterkit-relay's policy helpers:
 * envelope address parsing, local/relay/remote classification of
 * recipients (source routes and %-hacks count as relaying), and the
 * sender/login binding of relay.sender_logins. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "milter/daemon.h"
#include "core/mem.h"
#include "relay_policy.h"
#include "relay_settings.h"

static char logins_path[] = "/tmp/test_relay_policy.XXXXXX";

static const char LOGINS[] = "# login -> addresses\n"
                             "alice   alice@example.net, a.smith@example.net\n"
                             "bob     @example.com\n"
                             "Carol   carol@example.net\n";

static void list_of(cfg_strlist *l, const char *a, const char *b)
{
    l->count = b ? 2 : 1;
    l->items = mem_array(l->count, sizeof *l->items);
    l->items[0] = mem_strdup(a);
    if (b)
        l->items[1] = mem_strdup(b);
}

static daemon_conf *make_conf(bool with_logins, bool with_local)
{
    daemon_conf *c = mem_zalloc(sizeof *c);
    relay_settings *s = mem_zalloc(sizeof *s);
    str_t err;

    cfg_defaults(&site_schema, &c->site);
    cfg_defaults(&relay_schema, s);
    c->site.domain = mem_strdup("example.net");
    c->site.hostname = mem_strdup("mail.example.net");
    list_of(&c->site.dns.servers, "127.0.0.1@9", NULL);
    if (with_local)
        list_of(&s->local_domains, "example.net", "example.com.");
    list_of(&s->relay_domains, "backup.example.org", NULL);
    if (with_logins)
        s->sender_logins = mem_strdup(logins_path);
    c->part = s;
    str_init(&err);
    if (relay_policy_prepare(c, &err) != 0)
        fail_msg("prepare: %s", err.buf);
    str_free(&err);
    return c;
}

static void free_conf(daemon_conf *c)
{
    relay_policy_release(c);
    cfg_free(&relay_schema, c->part);
    mem_free(&c->part);
    cfg_free(&site_schema, &c->site);
    mem_free(&c);
}

static int setup(void **state)
{
    int fd = mkstemp(logins_path);

    (void)state;
    if (fd < 0 || write(fd, LOGINS, sizeof LOGINS - 1) != (ssize_t)(sizeof LOGINS - 1))
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(logins_path);
    return 0;
}

static const struct {
    const char *in, *out;
    bool routed;
} bare_cases[] = {
    {"<user@example.net>", "user@example.net", false},
    {"  <user@example.net>  ", "user@example.net", false},
    {"user@example.net", "user@example.net", false},
    {"<>", "", false},
    {"", "", false},
    {"<@hop1,@hop2:user@example.org>", "user@example.org", true},
    {"<@hop1:>", "", true},
    {"<postmaster>", "postmaster", false},
    {"<\"odd@local\"@example.net>", "\"odd@local\"@example.net", false},
    {"<unbalanced@example.net", "<unbalanced@example.net", false},
};

static void addr_bare_strips_brackets_and_routes(void **state)
{
    str_t out;

    (void)state;
    str_init(&out);
    for (size_t i = 0; i < sizeof bare_cases / sizeof bare_cases[0]; i++) {
        bool routed = !bare_cases[i].routed;

        relay_addr_bare(bare_cases[i].in, &out, &routed);
        if (strcmp(out.buf, bare_cases[i].out) != 0 || routed != bare_cases[i].routed)
            fail_msg("case %zu: %s -> %s (routed %d)", i, bare_cases[i].in, out.buf, routed);
    }
    relay_addr_bare(NULL, &out, &(bool){false});
    assert_string_equal(out.buf, "");
    str_free(&out);
}

/* The log writes every envelope address in brackets, as typed or not. */
static void addr_logged_table(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"<a@example.org>", "<a@example.org>"},
        {"a@example.org", "<a@example.org>"},
        {"  a@example.org\t", "<a@example.org>"},
        {" <a@example.org> ", "<a@example.org>"},
        {"<>", "<>"},
        {"", "<>"},
        {"postmaster", "<postmaster>"},
        {"<@r.example:a@example.org>", "<@r.example:a@example.org>"},
        {"a\001b@example.org", "<a?b@example.org>"},
    };
    log_safe_buf b;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(relay_addr_logged(&b, cases[i].in), cases[i].out) != 0)
            fail_msg("case %zu: %s -> %s, want %s", i, cases[i].in, b.s, cases[i].out);
    assert_string_equal(relay_addr_logged(&b, NULL), "<>");
}

static const struct {
    const char *domain, *d;
    bool within;
} within_cases[] = {
    {"example.org", "example.org", true},
    {"EXAMPLE.org.", "example.ORG", true},
    {"mx.example.org", "example.org", true},
    {"a.b.example.org", "example.org.", true},
    {"badexample.org", "example.org", false},
    {"example.org", "mx.example.org", false},
    {"org", "example.org", false},
    {"example.org", "", false},
    {"", "example.org", false},
};

static void domain_within_matches_subdomains_only(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof within_cases / sizeof within_cases[0]; i++)
        if (relay_domain_within(within_cases[i].domain, within_cases[i].d) !=
            within_cases[i].within)
            fail_msg("case %zu: %s within %s", i, within_cases[i].domain, within_cases[i].d);
}

static const struct {
    const char *rcpt;
    relay_rcpt_kind kind;
} rcpt_cases[] = {
    {"<user@example.net>", RELAY_RCPT_LOCAL},
    {"<user@EXAMPLE.NET>", RELAY_RCPT_LOCAL},
    {"<user@example.net.>", RELAY_RCPT_LOCAL},
    {"<user@example.com>", RELAY_RCPT_LOCAL},      /* listed with a trailing dot */
    {"<user@mail.example.net>", RELAY_RCPT_LOCAL}, /* site.hostname */
    {"<postmaster>", RELAY_RCPT_LOCAL},            /* no domain */
    {"<user@sub.example.net>", RELAY_RCPT_REMOTE}, /* local domains are exact */
    {"<user@backup.example.org>", RELAY_RCPT_RELAYED},
    {"<user@mx1.backup.example.org>", RELAY_RCPT_RELAYED},
    {"<user@notbackup.example.org>", RELAY_RCPT_REMOTE},
    {"<user@example.org>", RELAY_RCPT_REMOTE},
    {"<user%example.org@example.net>", RELAY_RCPT_REMOTE},     /* percent hack */
    {"<example.org!user@example.net>", RELAY_RCPT_REMOTE},     /* bang path */
    {"<@example.net:user@example.org>", RELAY_RCPT_REMOTE},    /* source route */
    {"<@example.org:user@example.net>", RELAY_RCPT_REMOTE},    /* even to a local domain */
    {"<\"user@example.org\"@example.net>", RELAY_RCPT_REMOTE}, /* quoted @ */
    {"<user@[192.0.2.1]>", RELAY_RCPT_REMOTE},
    {"<user@>", RELAY_RCPT_REMOTE},
};

static void rcpt_classification(void **state)
{
    daemon_conf *c = make_conf(false, true);

    (void)state;
    for (size_t i = 0; i < sizeof rcpt_cases / sizeof rcpt_cases[0]; i++)
        if (relay_policy_rcpt(c->runtime, rcpt_cases[i].rcpt) != rcpt_cases[i].kind)
            fail_msg("case %zu: %s", i, rcpt_cases[i].rcpt);
    free_conf(c);
}

static void local_domains_default_to_site_domain(void **state)
{
    daemon_conf *c = make_conf(false, false);

    (void)state;
    assert_int_equal(relay_policy_rcpt(c->runtime, "<a@example.net>"), RELAY_RCPT_LOCAL);
    assert_int_equal(relay_policy_rcpt(c->runtime, "<a@example.com>"), RELAY_RCPT_REMOTE);
    free_conf(c);
}

static const struct {
    const char *login, *sender;
    relay_sender_check want;
} sender_cases[] = {
    {"alice", "<alice@example.net>", RELAY_SENDER_ALLOWED},
    {"alice", "<ALICE@Example.Net>", RELAY_SENDER_ALLOWED},
    {"alice", "<a.smith@example.net>", RELAY_SENDER_ALLOWED},
    {"alice", "<bob@example.net>", RELAY_SENDER_MISMATCH},
    {"alice", "<alice@example.net.evil>", RELAY_SENDER_MISMATCH},
    {"alice", "<xalice@example.net>", RELAY_SENDER_MISMATCH},
    {"alice", "<@relay.example:alice@example.net>", RELAY_SENDER_MISMATCH}, /* routed */
    {"alice", "<alice>", RELAY_SENDER_MISMATCH},
    {"alice", "<>", RELAY_SENDER_ALLOWED}, /* bounces */
    {"bob", "<anyone@example.com>", RELAY_SENDER_ALLOWED},
    {"bob", "<anyone@sub.example.com>", RELAY_SENDER_MISMATCH}, /* @domain is exact */
    {"bob", "<bob@example.net>", RELAY_SENDER_MISMATCH},
    {"alice@mail.example.net", "<alice@example.net>", RELAY_SENDER_ALLOWED}, /* our realm */
    {"alice@example.net", "<alice@example.net>", RELAY_SENDER_ALLOWED},
    {"alice@evil.example", "<alice@example.net>", RELAY_SENDER_NO_LOGIN}, /* foreign realm */
    {"mallory", "<mallory@example.net>", RELAY_SENDER_NO_LOGIN},
    {"carol", "<carol@example.net>", RELAY_SENDER_NO_LOGIN}, /* logins keep their case */
    {"Carol", "<carol@example.net>", RELAY_SENDER_ALLOWED},
    {"", "<x@example.org>", RELAY_SENDER_ALLOWED}, /* not authenticated */
};

static void sender_login_binding(void **state)
{
    daemon_conf *c = make_conf(true, true);

    (void)state;
    for (size_t i = 0; i < sizeof sender_cases / sizeof sender_cases[0]; i++)
        if (relay_policy_sender(c->runtime, sender_cases[i].login, sender_cases[i].sender) !=
            sender_cases[i].want)
            fail_msg("case %zu: %s as %s", i, sender_cases[i].login, sender_cases[i].sender);
    free_conf(c);
}

static void no_sender_map_binds_nothing(void **state)
{
    daemon_conf *c = make_conf(false, true);

    (void)state;
    assert_int_equal(relay_policy_sender(c->runtime, "alice", "<bob@example.org>"),
                     RELAY_SENDER_ALLOWED);
    free_conf(c);
}

static const struct {
    const char *item, *addr;
    bool match;
} item_cases[] = {
    {"@example.net", "a@example.net", true},
    {"@example.net", "a@EXAMPLE.NET", true},
    {"@example.net", "a@sub.example.net", false},
    {"a@example.net", "a@example.net", true},
    {"a@example.net", "b@example.net", false},
    {"a@example.net", "a@example.net.x", false},
    {"", "a@example.net", false},
    {"@example.net", "noat", false},
};

static void sender_items(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof item_cases / sizeof item_cases[0]; i++)
        if (relay_sender_item_matches(item_cases[i].item, strlen(item_cases[i].item),
                                      item_cases[i].addr) != item_cases[i].match)
            fail_msg("case %zu: %s ~ %s", i, item_cases[i].item, item_cases[i].addr);
}

static void bad_sender_map_is_refused_with_file_and_line(void **state)
{
    char path[] = "/tmp/test_relay_policy_bad.XXXXXX";
    const char text[] = "alice alice@example.net\nbob example.com\n";
    int fd = mkstemp(path);
    daemon_conf *c = mem_zalloc(sizeof *c);
    relay_settings *s = mem_zalloc(sizeof *s);
    str_t err;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    cfg_defaults(&site_schema, &c->site);
    cfg_defaults(&relay_schema, s);
    c->site.domain = mem_strdup("example.net");
    s->sender_logins = mem_strdup(path);
    c->part = s;
    str_init(&err);
    assert_int_equal(relay_policy_prepare(c, &err), -1);
    assert_non_null(strstr(err.buf, ":2: \"example.com\" is neither"));
    assert_null(c->runtime);
    str_free(&err);
    unlink(path);
    cfg_free(&relay_schema, c->part);
    mem_free(&c->part);
    cfg_free(&site_schema, &c->site);
    mem_free(&c);
}

static void bad_access_map_is_refused(void **state)
{
    daemon_conf *c = mem_zalloc(sizeof *c);
    relay_settings *s = mem_zalloc(sizeof *s);
    str_t err;

    (void)state;
    cfg_defaults(&site_schema, &c->site);
    cfg_defaults(&relay_schema, s);
    c->site.domain = mem_strdup("example.net");
    s->access = mem_strdup("/nonexistent/milterkit/access");
    c->part = s;
    str_init(&err);
    assert_int_equal(relay_policy_prepare(c, &err), -1);
    assert_non_null(strstr(err.buf, "/nonexistent/milterkit/access"));
    str_free(&err);
    cfg_free(&relay_schema, c->part);
    mem_free(&c->part);
    cfg_free(&site_schema, &c->site);
    mem_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addr_logged_table),
        cmocka_unit_test(addr_bare_strips_brackets_and_routes),
        cmocka_unit_test(domain_within_matches_subdomains_only),
        cmocka_unit_test(rcpt_classification),
        cmocka_unit_test(local_domains_default_to_site_domain),
        cmocka_unit_test(sender_login_binding),
        cmocka_unit_test(no_sender_map_binds_nothing),
        cmocka_unit_test(sender_items),
        cmocka_unit_test(bad_sender_map_is_refused_with_file_and_line),
        cmocka_unit_test(bad_access_map_is_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
