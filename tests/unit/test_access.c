/* test_access.c - unit tests of lib/access: sendmail access(5) parsing and
 * lookup order, one cmocka test per table row.  The map holds the examples
 * of sendmail's cf/README ("ANTI-SPAM CONFIGURATION CONTROL") plus our own. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/access.h"
#include "core/cidr.h"
#include "core/mem.h"
#include "core/str.h"

static const char map_text[] =
    "# examples of the cf README\n"
    "From:spammer@aol.com\t\t\tREJECT\n"
    "From:cyberspammer.com\tERROR:\"550 We don't accept mail from spammers\"\n"
    "From:okay.cyberspammer.com\tOK\n"
    "Connect:cyberspammer.com\t\tREJECT\n"
    "Connect:TLD\t\t\t\tREJECT\n"
    "Connect:192.168.212\t\t\tREJECT\n"
    "Connect:IPv6:2002:c0a8:02c7\t\tRELAY\n"
    "Connect:IPv6:2002:c0a8:51d2::23f4\tREJECT\n"
    "To:friend.domain\tRELAY\n"
    "Connect:friend.domain\tOK\n"
    "Connect:from.domain\tRELAY\n"
    "From:good@another.dom\tOK\n"
    "From:another.dom\tREJECT\n"
    "Connect:sendmail.org\t\tRELAY\n"
    "To:sendmail.org\t\t\tRELAY\n"
    "Connect:128.32\t\t\tRELAY\n"
    "Connect:128.32.2\t\tSKIP\n"
    "Connect:IPv6:1:2:3:4:5:6:7\tRELAY\n"
    "Connect:suspicious.example.com\tQUARANTINE:Mail from suspicious host\n"
    "Connect:[127.0.0.3]\t\tOK\n"
    "Connect:[IPv6:1:2:3:4:5:6:7:8]\tOK\n"
    "To:user@example.com\tERROR:4.2.2:450 mailbox full\n"
    "From:FREE.STEALTH.MAILER@\tERROR:550 Spam not accepted\n"
    "To:badlocaluser@\tERROR:550 Mailbox disabled for badlocaluser\n"
    "Connect:10.1\t\tOK\n"
    "Connect:127.0.0.1\tRELAY\n"
    "From:unresolvable.domain\tOK\n"
    "From:[1.2.3.4]\t\t\tOK\n"
    "From:[1.2.4]\t\t\tRELAY\n"
    "Spam:abuse@\tFRIEND\n"
    "GreetPause:localhost\t0\n"
    "# untagged (deprecated but supported)\n"
    "home.example.net\tRELAY\n"
    "spammer.example\tREJECT\n"
    "# milterkit extensions and corner cases\n"
    "Connect:10.0.0.0/12\tRELAY\n"
    "Connect:IPv6:2001:db8::/32\tRELAY\n"
    "Connect:host.home.example.net\tREJECT\n"
    "Connect:skip.home.example.net\tSKIP\n"
    "Connect:10.9.9.9\tTEMPFAIL\n"
    "Connect:192.0.2.55\tERROR:\"451 try later\"\n"
    "203.0.113\tREJECT\n"
    "Connect:203.0.113\tOK\n"
    "From:plus+*@example.org\tREJECT\n"
    "From:plus@example.org\tOK\n"
    "From:plus+exact@example.org\tDISCARD\n"
    "From:@exact.example\tREJECT\n"
    "To:[IPv6:2001:db8::5]\tOK\n"
    "To:relay-me@partner.example\tRELAY\n"
    "To:partner.example\tERROR:5.7.1:\"550 not this one\"\n";

static access_map *map;

static int load_map(void **state)
{
    str_t why;

    (void)state;
    str_init(&why);
    if (access_parse("access", map_text, sizeof map_text - 1, &map, &why) < 0) {
        fprintf(stderr, "map: %s\n", why.buf);
        str_free(&why);
        return -1;
    }
    str_free(&why);
    return 0;
}

static int free_map(void **state)
{
    (void)state;
    access_free(&map);
    return 0;
}

/* ---- lookups ---- */

typedef enum { CONNECT, FROM, TO } kind;

typedef struct lookup_case {
    const char *name;
    kind kind;
    const char *subject; /* address for CONNECT, mail address otherwise */
    const char *client_name;
    access_action want;
    const char *want_key;  /* NULL: don't check */
    const char *want_code; /* NULL: don't check */
    const char *want_dsn;
    const char *want_text;
} lookup_case;

/* clang-format off */
static const lookup_case lookups[] = {
    /* Connect: by name, most specific first, tagged before untagged */
    {"connect_name_in_rejected_domain", CONNECT, "198.51.100.1", "a.cyberspammer.com", ACCESS_REJECT, "connect:cyberspammer.com", "550", "5.7.1", "Access denied"},
    {"connect_name_with_trailing_dot_and_case", CONNECT, "198.51.100.1", "A.CyberSpammer.COM.", ACCESS_REJECT, "connect:cyberspammer.com", NULL, NULL, NULL},
    {"connect_name_matches_on_label_boundary_only", CONNECT, "198.51.100.1", "notcyberspammer.com", ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_top_level_domain_entry", CONNECT, "198.51.100.1", "host.tld", ACCESS_REJECT, "connect:tld", NULL, NULL, NULL},
    {"connect_tagged_host_beats_untagged_parent", CONNECT, "198.51.100.1", "host.home.example.net", ACCESS_REJECT, "connect:host.home.example.net", NULL, NULL, NULL},
    {"connect_untagged_parent_domain_relays", CONNECT, "198.51.100.1", "ggl.home.example.net", ACCESS_RELAY, "home.example.net", NULL, NULL, NULL},
    {"connect_untagged_exact_domain", CONNECT, "198.51.100.1", "spammer.example", ACCESS_REJECT, "spammer.example", NULL, NULL, NULL},
    {"connect_skip_on_name_falls_to_address", CONNECT, "10.1.7.7", "skip.home.example.net", ACCESS_OK, "connect:10.1", NULL, NULL, NULL},
    {"connect_skip_on_name_stops_parent_search", CONNECT, "198.51.100.1", "skip.home.example.net", ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_quarantine_with_reason", CONNECT, "198.51.100.1", "suspicious.example.com", ACCESS_QUARANTINE, NULL, NULL, NULL, "Mail from suspicious host"},
    {"connect_from_entries_do_not_apply", CONNECT, "198.51.100.1", "another.dom", ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_to_entries_do_not_apply", CONNECT, "198.51.100.1", "x.partner.example", ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_name_found_before_address", CONNECT, "192.168.212.5", "x.sendmail.org", ACCESS_RELAY, "connect:sendmail.org", NULL, NULL, NULL},
    {"connect_unknown_name_falls_to_address", CONNECT, "192.168.212.5", "x.example.org", ACCESS_REJECT, "connect:192.168.212", NULL, NULL, NULL},
    /* Connect: by address */
    {"connect_ipv4_three_octets", CONNECT, "192.168.212.9", NULL, ACCESS_REJECT, "connect:192.168.212", "550", "5.7.1", NULL},
    {"connect_ipv4_outside_prefix", CONNECT, "192.168.213.9", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_ipv4_two_octets", CONNECT, "128.32.3.5", NULL, ACCESS_RELAY, "connect:128.32", NULL, NULL, NULL},
    {"connect_ipv4_skip_exempts_subnet", CONNECT, "128.32.2.5", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_octets_more_specific_than_cidr", CONNECT, "10.1.2.3", NULL, ACCESS_OK, "connect:10.1", NULL, NULL, NULL},
    {"connect_cidr_12", CONNECT, "10.2.0.1", NULL, ACCESS_RELAY, "connect:10.0.0.0/12", NULL, NULL, NULL},
    {"connect_cidr_12_boundary", CONNECT, "10.16.0.1", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_host_address", CONNECT, "127.0.0.1", NULL, ACCESS_RELAY, "connect:127.0.0.1", NULL, NULL, NULL},
    {"connect_tempfail_value", CONNECT, "10.9.9.9", NULL, ACCESS_TEMPFAIL, NULL, "451", "4.7.1", NULL},
    {"connect_error_4xx_without_dsn", CONNECT, "192.0.2.55", NULL, ACCESS_ERROR, NULL, "451", "4.0.0", "try later"},
    {"connect_tagged_before_untagged_same_prefix", CONNECT, "203.0.113.7", NULL, ACCESS_OK, "connect:203.0.113", NULL, NULL, NULL},
    {"connect_ipv4_mapped_ipv6_client", CONNECT, "::ffff:192.168.212.1", NULL, ACCESS_REJECT, "connect:192.168.212", NULL, NULL, NULL},
    {"connect_ipv6_groups_prefix_48", CONNECT, "2002:c0a8:2c7::1", NULL, ACCESS_RELAY, "connect:ipv6:2002:c0a8:02c7", NULL, NULL, NULL},
    {"connect_ipv6_compressed_key_exact", CONNECT, "2002:c0a8:51d2::23f4", NULL, ACCESS_REJECT, NULL, NULL, NULL, NULL},
    {"connect_ipv6_compressed_key_is_one_address", CONNECT, "2002:c0a8:51d2::23f5", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_ipv6_seven_groups", CONNECT, "1:2:3:4:5:6:7:9", "named.example", ACCESS_RELAY, "connect:ipv6:1:2:3:4:5:6:7", NULL, NULL, NULL},
    {"connect_ipv6_cidr", CONNECT, "2001:db8:ffff::1", NULL, ACCESS_RELAY, "connect:ipv6:2001:db8::/32", NULL, NULL, NULL},
    /* bracketed keys: only when the client has no confirmed name */
    {"connect_bracket_ipv4_without_name", CONNECT, "127.0.0.3", NULL, ACCESS_OK, "connect:[127.0.0.3]", NULL, NULL, NULL},
    {"connect_bracket_ipv4_ignored_with_name", CONNECT, "127.0.0.3", "lo.example", ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"connect_bracket_ipv6_without_name", CONNECT, "1:2:3:4:5:6:7:8", NULL, ACCESS_OK, "connect:[ipv6:1:2:3:4:5:6:7:8]", NULL, NULL, NULL},
    {"connect_bracket_ipv6_with_name_uses_address", CONNECT, "1:2:3:4:5:6:7:8", "n.example", ACCESS_RELAY, NULL, NULL, NULL, NULL},
    {"connect_empty_name_is_no_name", CONNECT, "127.0.0.3", "", ACCESS_OK, NULL, NULL, NULL, NULL},
    /* From: */
    {"from_full_address", FROM, "spammer@aol.com", NULL, ACCESS_REJECT, "from:spammer@aol.com", NULL, NULL, NULL},
    {"from_angle_brackets_and_case", FROM, "<Spammer@AOL.com>", NULL, ACCESS_REJECT, NULL, NULL, NULL, NULL},
    {"from_other_user_same_domain", FROM, "friend@aol.com", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"from_domain_error_quoted", FROM, "x@cyberspammer.com", NULL, ACCESS_ERROR, "from:cyberspammer.com", "550", "5.0.0", "We don't accept mail from spammers"},
    {"from_subdomain_ok_beats_parent", FROM, "x@okay.cyberspammer.com", NULL, ACCESS_OK, NULL, NULL, NULL, NULL},
    {"from_subsubdomain_inherits", FROM, "x@a.okay.cyberspammer.com", NULL, ACCESS_OK, NULL, NULL, NULL, NULL},
    {"from_user_exception_in_rejected_domain", FROM, "good@another.dom", NULL, ACCESS_OK, NULL, NULL, NULL, NULL},
    {"from_rest_of_rejected_domain", FROM, "bad@another.dom", NULL, ACCESS_REJECT, NULL, NULL, NULL, NULL},
    {"from_user_at_any_domain", FROM, "free.stealth.mailer@anywhere.example", NULL, ACCESS_ERROR, "from:free.stealth.mailer@", "550", NULL, "Spam not accepted"},
    {"from_detail_exact", FROM, "plus+exact@example.org", NULL, ACCESS_DISCARD, NULL, NULL, NULL, NULL},
    {"from_detail_wildcard", FROM, "plus+other@example.org", NULL, ACCESS_REJECT, "from:plus+*@example.org", NULL, NULL, NULL},
    {"from_no_detail", FROM, "plus@example.org", NULL, ACCESS_OK, NULL, NULL, NULL, NULL},
    {"from_at_domain_exact", FROM, "x@exact.example", NULL, ACCESS_REJECT, "from:@exact.example", NULL, NULL, NULL},
    {"from_at_domain_not_subdomains", FROM, "x@sub.exact.example", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"from_domain_literal_exact", FROM, "x@[1.2.3.4]", NULL, ACCESS_OK, NULL, NULL, NULL, NULL},
    {"from_domain_literal_network", FROM, "x@[1.2.4.9]", NULL, ACCESS_RELAY, "from:[1.2.4]", NULL, NULL, NULL},
    {"from_domain_literal_other", FROM, "x@[1.3.4.9]", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"from_null_sender_finds_nothing", FROM, "<>", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"from_untagged_fallback", FROM, "x@home.example.net", NULL, ACCESS_RELAY, "home.example.net", NULL, NULL, NULL},
    {"from_to_entries_do_not_apply", FROM, "x@friend.domain", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"from_connect_entries_do_not_apply", FROM, "x@sendmail.org", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    {"from_ignored_tags_never_match", FROM, "abuse@x.example", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
    /* To: */
    {"to_full_address_with_dsn", TO, "user@example.com", NULL, ACCESS_ERROR, NULL, "450", "4.2.2", "mailbox full"},
    {"to_domain_relay", TO, "anyone@friend.domain", NULL, ACCESS_RELAY, "to:friend.domain", NULL, NULL, NULL},
    {"to_subdomain_relay", TO, "x@mail.sendmail.org", NULL, ACCESS_RELAY, NULL, NULL, NULL, NULL},
    {"to_user_at", TO, "badlocaluser@example.net", NULL, ACCESS_ERROR, "to:badlocaluser@", "550", NULL, NULL},
    {"to_bare_local_user", TO, "badlocaluser", NULL, ACCESS_ERROR, NULL, NULL, NULL, NULL},
    {"to_ipv6_literal_normalised", TO, "x@[IPv6:2001:db8:0::5]", NULL, ACCESS_OK, NULL, NULL, NULL, NULL},
    {"to_full_address_beats_domain", TO, "relay-me@partner.example", NULL, ACCESS_RELAY, NULL, NULL, NULL, NULL},
    {"to_domain_error_with_dsn_quoted", TO, "other@partner.example", NULL, ACCESS_ERROR, NULL, "550", "5.7.1", "not this one"},
    {"to_unlisted_domain", TO, "x@elsewhere.example", NULL, ACCESS_NONE, NULL, NULL, NULL, NULL},
};
/* clang-format on */

static void run_lookup(void **state)
{
    const lookup_case *c = *state;
    access_result r;
    access_action got;

    if (c->kind == CONNECT) {
        cidr_addr a;

        assert_int_equal(cidr_addr_parse(c->subject, &a), 0);
        got = access_lookup_connect(map, &a, c->client_name, &r);
    } else if (c->kind == FROM) {
        got = access_lookup_from(map, c->subject, &r);
    } else {
        got = access_lookup_to(map, c->subject, &r);
    }
    if (got != c->want || r.action != got)
        fail_msg("%s: got %s (key %s), want %s", c->name, access_action_name(got),
                 r.key ? r.key : "-", access_action_name(c->want));
    if (c->want_key)
        assert_string_equal(r.key, c->want_key);
    if (c->want == ACCESS_NONE)
        assert_true(r.code == NULL);
    if (c->want_code)
        assert_string_equal(r.code, c->want_code);
    if (c->want_dsn)
        assert_string_equal(r.dsn, c->want_dsn);
    if (c->want_text)
        assert_string_equal(r.text, c->want_text);
    assert_non_null(r.text);
}

/* ---- parsing ---- */

typedef struct parse_case {
    const char *name;
    const char *text;
    const char *error; /* NULL: must load; else a substring of the message */
} parse_case;

/* clang-format off */
static const parse_case parses[] = {
    {"parse_unknown_tag_refused", "Connect:1.2.3.4 OK\nConect:1.2.3.4 RELAY\n", "access:2: unknown tag"},
    {"parse_unknown_value_refused", "Connect:1.2.3.4 RELAYY\n", "access:1: unknown value"},
    {"parse_octet_over_255", "Connect:300.1 OK\n", "malformed IPv4"},
    {"parse_five_octets", "Connect:1.2.3.4.5 OK\n", "malformed IPv4"},
    {"parse_empty_octet", "Connect:1..2 OK\n", "malformed IPv4"},
    {"parse_ipv6_bad_hex", "Connect:IPv6:zz OK\n", "malformed IPv6"},
    {"parse_ipv6_nine_groups", "Connect:IPv6:1:2:3:4:5:6:7:8:9 OK\n", "malformed IPv6"},
    {"parse_ipv6_group_too_long", "Connect:IPv6:12345 OK\n", "malformed IPv6"},
    {"parse_cidr_host_bits", "Connect:10.0.0.1/8 OK\n", "access:1:"},
    {"parse_reply_code_not_4xx_5xx", "x ERROR:650 bad\n", "reply code"},
    {"parse_reply_code_two_digits", "x ERROR:55 bad\n", "reply code"},
    {"parse_dsn_class_mismatch", "x ERROR:5.7.1:450 no\n", "class"},
    {"parse_connect_with_user", "Connect:a@b.example OK\n", "Connect: key with an address"},
    {"parse_duplicate_key", "From:x@y OK\nfrom:X@Y REJECT\n", "access:2: duplicate key"},
    {"parse_duplicate_after_normalising", "Connect:IPv6:1::0 OK\nConnect:IPv6:1:0:0:0:0:0:0:0 REJECT\n", "access:2: same network"},
    {"parse_duplicate_bracket_ipv6", "To:[IPv6:1::] OK\nTo:[IPv6:1:0:0:0:0:0:0:0] OK\n", "access:2: same key"},
    {"parse_quarantine_needs_reason", "x QUARANTINE:\n", "QUARANTINE"},
    {"parse_empty_key_after_tag", "Connect: OK\n", "empty key"},
    {"parse_text_not_printable", "x ERROR:550 bad\x01text\n", "printable"},
    {"parse_bad_bracket_ipv6", "Connect:[IPv6:nope] OK\n", "malformed [IPv6"},
    {"parse_missing_value", "Connect:1.2.3.4\n", "access:1: key \"connect:1.2.3.4\" has no value"},
    {"parse_error_names_third_line", "a OK\nb RELAY\nc FROBNICATE\nd OK\n", "access:3:"},
    {"parse_accepts_ignored_tags", "Spam:abuse@ FRIEND\nSrv_Features: V\nTLS_Clt:x.example VERIFY\n", NULL},
    {"parse_accepts_lowercase_keywords", "Connect:1.2.3.4 relay\nx reject\n", NULL},
    {"parse_accepts_deprecated_code_text", "x 550 go away\ny \"421 closing\"\n", NULL},
    {"parse_accepts_dsn_and_quotes", "x ERROR:5.7.1:\"550 quoted text\"\n", NULL},
    {"parse_accepts_empty_file", "# nothing\n\n", NULL},
};
/* clang-format on */

static void run_parse(void **state)
{
    const parse_case *c = *state;
    access_map *m = NULL;
    str_t why;
    int r;

    str_init(&why);
    r = access_parse("access", c->text, strlen(c->text), &m, &why);
    if (c->error == NULL) {
        if (r != 0)
            fail_msg("%s: refused: %s", c->name, why.buf);
        assert_non_null(m);
    } else {
        if (r != -1)
            fail_msg("%s: accepted", c->name);
        assert_null(m);
        if (strstr(why.buf, c->error) == NULL)
            fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, why.buf, c->error);
    }
    access_free(&m);
    str_free(&why);
}

static void values_are_parsed_once(void **state)
{
    static const char text[] = "x 550 go away\ny \"421 closing\"\nConnect:1.2.3.4 relay\n"
                               "Spam:abuse@ FRIEND\n";
    access_map *m;
    access_result r;
    cidr_addr a;
    str_t why;

    (void)state;
    str_init(&why);
    assert_int_equal(access_parse("t", text, sizeof text - 1, &m, &why), 0);
    assert_int_equal(access_count(m), 3);
    assert_int_equal(access_ignored(m), 1);
    assert_int_equal(access_lookup_from(m, "u@x", &r), ACCESS_ERROR);
    assert_string_equal(r.code, "550");
    assert_string_equal(r.dsn, "5.0.0");
    assert_string_equal(r.text, "go away");
    assert_int_equal(r.line, 1);
    assert_int_equal(access_lookup_to(m, "u@y", &r), ACCESS_ERROR);
    assert_string_equal(r.code, "421");
    assert_string_equal(r.dsn, "4.0.0");
    assert_string_equal(r.text, "closing");
    assert_int_equal(cidr_addr_parse("1.2.3.4", &a), 0);
    assert_int_equal(access_lookup_connect(m, &a, NULL, &r), ACCESS_RELAY);
    assert_string_equal(access_action_name(r.action), "RELAY");
    access_free(&m);
    assert_null(m);
    str_free(&why);
}

int main(void)
{
    size_t nl = sizeof lookups / sizeof lookups[0], np = sizeof parses / sizeof parses[0];
    struct CMUnitTest *t = mem_array(nl + np + 1, sizeof *t);
    size_t n = 0;
    int ret;

    for (size_t i = 0; i < nl; i++)
        t[n++] = (struct CMUnitTest){lookups[i].name, run_lookup, NULL, NULL, (void *)&lookups[i]};
    for (size_t i = 0; i < np; i++)
        t[n++] = (struct CMUnitTest){parses[i].name, run_parse, NULL, NULL, (void *)&parses[i]};
    t[n++] =
        (struct CMUnitTest){"values_are_parsed_once", values_are_parsed_once, NULL, NULL, NULL};
    ret = _cmocka_run_group_tests("access", t, n, load_map, free_map);
    mem_free(&t);
    return ret;
}
