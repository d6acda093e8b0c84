/* dkim_fixture.c - configs for the milterkit-dkim unit tests; see dkim_fixture.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"
#include "dkim_fixture.h"
#include "dkim_settings.h"

#ifndef DKIM_TEST_DATA
#define DKIM_TEST_DATA "tests/data/dkim"
#endif

static const daemon_part dkim_part = {
    .name = "dkim",
    .summary = "unit test",
    .schema = &dkim_schema,
    .prepare = dkim_policy_prepare,
    .release = dkim_policy_release,
};

daemon_conf *fixture_load(const char *dkim_extra, const char *masq)
{
    char dir[] = "/tmp/test_dkim_fixture.XXXXXX", path[64];
    str_t text, errors;
    daemon_conf *c;
    FILE *f;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/milterkit.conf", dir);
    str_init(&text);
    str_printf(&text,
               "site: { domain = \"example.net\"; hostname = \"mail.example.net\";\n"
               "  authserv_id = \"mail.example.net\"; user = \"nobody\";\n"
               "  internal_networks = [\"192.168.0.0/16\"]; };\n%s\n"
               "dkim: { socket = \"unix:%s/dkim.sock\"; check_key_permissions = false;\n"
               "  key_source = \"%s/keys.txt\";\n"
               "  keys = ( { domain = \"example.net\"; selector = \"rsa1\";\n"
               "             key = \"" DKIM_TEST_DATA "/rsa2048-pkcs1.pem\"; },\n"
               "           { domain = \"example.net\"; selector = \"ed1\";\n"
               "             key = \"" DKIM_TEST_DATA "/ed25519-pkcs8.pem\"; },\n"
               "           { domain = \"other.example\"; selector = \"o1\";\n"
               "             key = \"" DKIM_TEST_DATA "/rsa1024.pem\"; } );\n"
               "  %s };\n",
               masq ? masq : "", dir, dir, dkim_extra ? dkim_extra : "");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text.buf, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/keys.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("none._domainkey.example.net v=DKIM1; p=\n", f);
    fclose(f);
    str_init(&errors);
    snprintf(path, sizeof path, "%s/milterkit.conf", dir);
    c = daemon_conf_load(&dkim_part, path, &errors);
    if (c == NULL)
        fail_msg("config: %s", errors.buf);
    unlink(path);
    snprintf(path, sizeof path, "%s/keys.txt", dir);
    unlink(path);
    rmdir(dir);
    str_free(&errors);
    str_free(&text);
    return c;
}

void fixture_free(daemon_conf **c)
{
    daemon_conf_free(*c);
    *c = NULL;
}

dkim_policy *fixture_policy(const daemon_conf *c)
{
    return c->runtime;
}
