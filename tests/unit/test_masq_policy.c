/*
 * test_masq_policy.c - unit tests of lib/milter/masq_policy: the rewrite
 * of one config ("masq" and "site" sections, read from a file as the
 * daemons read them, with a domains file and a generics map), on header
 * values and envelope senders, one line per case; which headers it covers
 * (recipients or not); and the errors of a config it cannot use.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/mem.h"
#include "core/str.h"
#include "milter/masq_policy.h"
#include "milter/masq_settings.h"
#include "milter/site.h"

static char dir[] = "/tmp/test_masq_policy.XXXXXX";
static char conf_path[128], domains_path[128], generics_path[128];

typedef struct loaded {
    site_settings site;
    masq_settings s;
    masq_policy *p;
} loaded;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads site + masq { MASQ } (the text inside the braces).  Returns 0, or
 * -1 with errors appended (prepare failed). */
static int load(const char *masq, loaded *l, str_t *errors)
{
    str_t text;

    memset(l, 0, sizeof *l);
    str_init(&text);
    str_printf(&text,
               "site: { domain = \"example.net\"; hostname = \"mail.example.net\";\n"
               "  user = \"nobody\"; };\nmasq: { %s };\n", masq);
    write_file(conf_path, text.buf);
    str_free(&text);
    if (site_load(conf_path, &l->site, "masq", &masq_schema, &l->s, errors) < 0)
        fail_msg("config: %s", errors->buf);
    if (masq_policy_new(&l->s, &l->site, conf_path, &l->p, errors) < 0) {
        cfg_free(&masq_schema, &l->s);
        site_free(&l->site);
        return -1;
    }
    return 0;
}

static void unload(loaded *l)
{
    masq_policy_free(&l->p);
    assert_null(l->p);
    cfg_free(&masq_schema, &l->s);
    site_free(&l->site);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(conf_path, sizeof conf_path, "%s/milterkit.conf", dir);
    snprintf(domains_path, sizeof domains_path, "%s/domains", dir);
    snprintf(generics_path, sizeof generics_path, "%s/generics", dir);
    write_file(domains_path, "# masqueraded too\nlegacy.example.net\n");
    write_file(generics_path, "jane@pc2.home.example.net jane.doe@example.org\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(conf_path);
    unlink(domains_path);
    unlink(generics_path);
    rmdir(dir);
    return 0;
}

/* ---- rewrites ---- */

#define BASE                                                                                   \
    "as = \"example.net\"; domains = [\"home.example.net\"]; exposed_users = [\"root\"]; "     \
    "domains_file = \"@DOMAINS@\"; generics = \"@GENERICS@\"; "

static const struct rewrite_case {
    const char *conf;  /* masq settings, after BASE */
    bool envelope;     /* the value is an envelope sender */
    const char *value;
    masq_result want;
    const char *out; /* MASQ_CHANGED: the new value */
} rewrite_cases[] = {
    {"entire_domain = true;", false, " John <john@pc1.home.example.net>", MASQ_CHANGED,
     " John <john@example.net>"},
    {"entire_domain = false;", false, " john@pc1.home.example.net", MASQ_UNCHANGED, NULL},
    {"entire_domain = false;", false, " john@home.example.net", MASQ_CHANGED,
     " john@example.net"},
    {"", false, " a@legacy.example.net", MASQ_CHANGED, " a@example.net"}, /* domains_file */
    {"entire_domain = true;", false, " root@pc1.home.example.net", MASQ_UNCHANGED, NULL},
    {"entire_domain = true;", false, " a@example.org", MASQ_UNCHANGED, NULL},
    {"entire_domain = true;", false, " (c) a@pc1.home.example.net  (d)", MASQ_CHANGED,
     " (c) a@example.net  (d)"},
    {"entire_domain = true;", false, " a@pc1.home.example.net, b@other.example", MASQ_CHANGED,
     " a@example.net, b@other.example"},
    {"entire_domain = true;", false, " not an <address", MASQ_MALFORMED, NULL},
    {"generics_domains = [\"pc2.home.example.net\"];", false, " jane@pc2.home.example.net",
     MASQ_CHANGED, " jane.doe@example.org"},
    {"", false, " jane@pc2.home.example.net", MASQ_UNCHANGED, NULL}, /* no GENERICS_DOMAIN */
    {"entire_domain = true;", true, "<john@pc1.home.example.net>", MASQ_CHANGED,
     "<john@example.net>"},
    {"entire_domain = true;", true, "<>", MASQ_UNCHANGED, NULL},
    {"entire_domain = true;", true, "<root@pc1.home.example.net>", MASQ_UNCHANGED, NULL},
    {"entire_domain = true; exceptions = [\"pc1.home.example.net\"];", false,
     " a@pc1.home.example.net", MASQ_UNCHANGED, NULL},
};

static void expand(const char *conf, str_t *out)
{
    str_t base;
    const char *p;

    str_init(&base);
    str_append_cstr(&base, BASE);
    p = strstr(base.buf, "@DOMAINS@");
    str_append(out, base.buf, (size_t)(p - base.buf));
    str_append_cstr(out, domains_path);
    p += strlen("@DOMAINS@");
    str_append(out, p, (size_t)(strstr(p, "@GENERICS@") - p));
    str_append_cstr(out, generics_path);
    str_append_cstr(out, strstr(p, "@GENERICS@") + strlen("@GENERICS@"));
    str_append_cstr(out, conf);
    str_free(&base);
}

static void test_rewrites(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rewrite_cases / sizeof rewrite_cases[0]; i++) {
        const struct rewrite_case *t = &rewrite_cases[i];
        const char *why = NULL;
        str_t conf, errors, out;
        loaded l;
        masq_result r;

        str_init(&conf);
        str_init(&errors);
        str_init(&out);
        expand(t->conf, &conf);
        assert_int_equal(load(conf.buf, &l, &errors), 0);
        r = t->envelope ? masq_policy_envelope(l.p, t->value, strlen(t->value), &out, &why)
                        : masq_policy_header(l.p, t->value, strlen(t->value), &out, &why);
        if (r != t->want || (r == MASQ_CHANGED && strcmp(out.buf, t->out) != 0))
            fail_msg("[%s] %s -> %d \"%s\", want %d \"%s\"", t->conf, t->value, r, out.buf,
                     t->want, t->out ? t->out : "");
        if (r == MASQ_MALFORMED)
            assert_non_null(why);
        unload(&l);
        str_free(&conf);
        str_free(&errors);
        str_free(&out);
    }
}

/* ---- which headers ---- */

static const struct header_case {
    bool recipients;
    const char *name;
    bool want;
} header_cases[] = {
    {false, "From", true},      {false, "from", true},     {false, "Sender", true},
    {false, "Reply-To", true},  {false, "Resent-From", true}, {false, "To", false},
    {true, "To", true},         {true, "Cc", true},        {false, "Subject", false},
    {true, "Subject", false},   {false, "X-From", false},
};

static void test_headers(void **state)
{
    loaded plain, all;
    str_t errors;

    (void)state;
    str_init(&errors);
    assert_int_equal(load("as = \"example.net\";", &plain, &errors), 0);
    assert_int_equal(load("as = \"example.net\"; recipients = true;", &all, &errors), 0);
    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const struct header_case *t = &header_cases[i];

        if (masq_policy_wants_header(t->recipients ? all.p : plain.p, t->name) != t->want)
            fail_msg("recipients %d, %s: want %d", t->recipients, t->name, t->want);
    }
    unload(&plain);
    unload(&all);
    str_free(&errors);
}

/* ---- configs it cannot use ---- */

static const struct error_case {
    const char *conf;
    const char *error; /* text the error holds */
} error_cases[] = {
    {"as = \"example.net\"; generics = \"/nonexistent/generics\";", "masq.generics"},
    {"as = \"example.net\"; domains_file = \"/nonexistent/domains\";", "masq.domains_file"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        str_t errors;
        loaded l;

        str_init(&errors);
        assert_int_equal(load(error_cases[i].conf, &l, &errors), -1);
        if (strstr(errors.buf, error_cases[i].error) == NULL)
            fail_msg("%s: \"%s\", want \"%s\"", error_cases[i].conf, errors.buf,
                     error_cases[i].error);
        str_free(&errors);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrites),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
