/* test_check.c - unit tests of milterkit-check's modules: the readers of
 * untrusted text (postconf output and milter lists, sendmail.cf, milter
 * negotiation replies, swaks transcripts), socket address comparison,
 * socket and file permissions judged for a user, and the milter-list
 * judgement.  The spf and dmarc items are tested against a stub DNS in
 * tests/unit/test_check_dns.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ck_access.h"
#include "ck_mpkt.h"
#include "ck_mta.h"
#include "ck_pfconf.h"
#include "ck_send.h"
#include "ck_smcf.h"
#include "ck_sock.h"
#include "core/mem.h"

/* ---- postconf output ---- */

static void pf_params(void **state)
{
    static const char out[] = "mail_owner = postfix\n"
                              "smtpd_milters = unix:a.sock\n"
                              "  inet:127.0.0.1:8893\n"
                              "\tunix:c.sock\n"
                              "garbage line\n"
                              "empty =\n"
                              "submission/inet/smtpd_milters = unix:x\n";
    ck_kvlist l;
    const char *err;

    (void)state;
    assert_int_equal(ck_pf_parse_params(out, strlen(out), &l, &err), 0);
    assert_int_equal(l.count, 4);
    assert_string_equal(ck_kvlist_get(&l, "mail_owner"), "postfix");
    assert_string_equal(ck_kvlist_get(&l, "smtpd_milters"),
                        "unix:a.sock   inet:127.0.0.1:8893 \tunix:c.sock");
    assert_string_equal(ck_kvlist_get(&l, "empty"), "");
    assert_string_equal(ck_kvlist_get(&l, "submission/inet/smtpd_milters"), "unix:x");
    assert_null(ck_kvlist_get(&l, "garbage line"));
    ck_kvlist_free(&l);
    assert_int_equal(ck_pf_parse_params("a = b\0c = d\n", 12, &l, &err), -1);
    assert_int_equal(l.count, 0);
}

static void pf_params_bounded(void **state)
{
    str_t big;
    ck_kvlist l;
    const char *err;

    (void)state;
    str_init(&big);
    str_append_cstr(&big, "x = ");
    for (size_t i = 0; i < CK_PF_MAX_VALUE; i++)
        str_append_char(&big, 'a');
    assert_int_equal(ck_pf_parse_params(big.buf, big.len, &l, &err), -1);
    assert_non_null(strstr(err, "longer"));
    str_clear(&big);
    for (size_t i = 0; i <= CK_PF_MAX_LINES; i++)
        str_printf(&big, "n%zu = v\n", i);
    assert_int_equal(ck_pf_parse_params(big.buf, big.len, &l, &err), -1);
    str_free(&big);
}

typedef struct milters_case {
    const char *value;
    int rc;
    size_t count;
    const char *sock[4];
    const char *action[4];
} milters_case;

static void pf_milters(void **state)
{
    static const milters_case cases[] = {
        {"", 0, 0, {NULL}, {NULL}},
        {"unix:a inet:h:1,inet:[::1]:2", 0, 3, {"unix:a", "inet:h:1", "inet:[::1]:2"}, {NULL}},
        {" , unix:a ,, ", 0, 1, {"unix:a"}, {NULL}},
        {"{ inet:h:1, connect_timeout=10s, default_action = accept } unix:b", 0, 2,
         {"inet:h:1", "unix:b"}, {"accept", NULL}},
        {"{inet:h:1 default_action=tempfail}", 0, 1, {"inet:h:1"}, {"tempfail"}},
        {"{inet:h:1,default_action=tempfail}", 0, 1, {"inet:h:1"}, {"tempfail"}},
        {"{ unix:a", -1, 0, {NULL}, {NULL}},
        {"{ unix:a { unix:b } }", -1, 0, {NULL}, {NULL}},
        {"unix:a }", -1, 0, {NULL}, {NULL}},
        {"{ }", -1, 0, {NULL}, {NULL}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const milters_case *c = &cases[i];
        ck_pf_milters m;
        const char *err = NULL;
        int rc = ck_pf_parse_milters(c->value, &m, &err);

        if (rc != c->rc || m.count != c->count)
            fail_msg("\"%s\": rc %d count %zu (%s)", c->value, rc, m.count, err ? err : "");
        for (size_t j = 0; j < m.count; j++) {
            assert_string_equal(m.items[j].socket, c->sock[j]);
            if (c->action[j] == NULL)
                assert_null(m.items[j].default_action);
            else
                assert_string_equal(m.items[j].default_action, c->action[j]);
        }
        ck_pf_milters_free(&m);
    }
}

/* ---- sendmail.cf ---- */

static void smcf(void **state)
{
    static const char cf[] =
        "# comment\n"
        "O InputMailFilters=relay, masq,dkim\n"
        "Xrelay, S=unix:/run/relay.sock, F=T, T=C:10s;S:1m\n"
        "Xmasq, S=inet:8892@127.0.0.1\n"
        "Xdkim, S=inet6:8893@[::1],\n"
        "\t F=R\n"
        "O DaemonPortOptions=Port=smtp, Name=MTA\n"
        "O DaemonPortOptions=Name=MSA, port=587, M=Ea\n"
        "o runasuser=mail:mail\n"
        "O runasuser=nobody\n"
        "Ox\n";
    ck_smcf c;
    const char *err;
    const ck_sm_filter *f;
    str_t v;

    (void)state;
    assert_int_equal(ck_smcf_parse(cf, strlen(cf), &c, &err), 0);
    assert_int_equal(c.nfilters, 3);
    assert_true(c.has_input);
    assert_int_equal(c.ninput, 3);
    assert_string_equal(c.input[1], "masq");
    assert_string_equal(c.input[2], "dkim");
    f = ck_smcf_filter(&c, "relay");
    assert_string_equal(f->socket, "unix:/run/relay.sock");
    assert_string_equal(f->flags, "T");
    f = ck_smcf_filter(&c, "masq");
    assert_null(f->flags);
    f = ck_smcf_filter(&c, "dkim");
    assert_string_equal(f->socket, "inet6:8893@[::1]");
    assert_string_equal(f->flags, "R"); /* from the continuation line */
    assert_int_equal(c.ndaemons, 2);
    str_init(&v);
    assert_int_equal(ck_smcf_daemon_opt(c.daemons[1], "Port", &v), 0);
    assert_string_equal(v.buf, "587");
    str_clear(&v);
    assert_int_equal(ck_smcf_daemon_opt(c.daemons[0], "Addr", &v), -1);
    str_free(&v);
    assert_string_equal(c.run_as_user, "nobody"); /* "o" lines are not options */
    ck_smcf_free(&c);

    assert_int_equal(ck_smcf_parse("Xa, S=unix:/x\n", 14, &c, &err), 0);
    assert_false(c.has_input);
    ck_smcf_free(&c);
}

/* ---- milter packets ---- */

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void mpkt_take(void **state)
{
    unsigned char b[32];
    ck_mpkt p;
    const char *err;

    (void)state;
    put32(b, 3);
    b[4] = 'O', b[5] = 1, b[6] = 2, b[7] = 0xff;
    assert_int_equal(ck_mpkt_take(b, 3, 0, &p, &err), CK_MPKT_NEED_MORE);
    assert_int_equal(ck_mpkt_take(b, 6, 0, &p, &err), CK_MPKT_NEED_MORE);
    assert_int_equal(ck_mpkt_take(b, 8, 0, &p, &err), CK_MPKT_PACKET);
    assert_int_equal(p.cmd, 'O');
    assert_int_equal(p.len, 2);
    assert_int_equal(p.used, 7);
    put32(b, 0);
    assert_int_equal(ck_mpkt_take(b, 8, 0, &p, &err), CK_MPKT_BAD);
    put32(b, 100);
    assert_int_equal(ck_mpkt_take(b, 8, 99, &p, &err), CK_MPKT_BAD);
    memcpy(b, "220 mail.example.net ESMTP\r\n", 28); /* an SMTP server */
    assert_int_equal(ck_mpkt_take(b, 28, 4096, &p, &err), CK_MPKT_BAD);
}

static size_t optneg(unsigned char *b, uint32_t v, uint32_t a, uint32_t pr)
{
    put32(b, v), put32(b + 4, a), put32(b + 8, pr);
    return 12;
}

static void mpkt_optneg(void **state)
{
    unsigned char b[64];
    ck_mpkt_optneg n;
    const char *err;
    size_t len;
    str_t pkt;

    (void)state;
    len = optneg(b, 6, 0x11, 0x1c538a);
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), 0);
    assert_int_equal(n.version, 6);
    assert_int_equal(n.macro_lists, 0);
    len = optneg(b, 6, 0x11, 0x20000000u); /* libmilter's 1 MiB data size bit */
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), 0);
    /* macro lists: stage 1 "{x}", stage 5 "i" */
    len = optneg(b, 6, 0, 0);
    put32(b + len, 1), memcpy(b + len + 4, "{x}", 4), len += 8;
    put32(b + len, 5), memcpy(b + len + 4, "i", 2), len += 6;
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), 0);
    assert_int_equal(n.macro_lists, 2);
    assert_int_equal(ck_mpkt_read_optneg(b, len - 1, &n, &err), -1); /* no NUL */
    put32(b + 20, 1); /* stage 1 twice */
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), -1);
    put32(b + 20, 7);
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), -1);
    assert_int_equal(ck_mpkt_read_optneg(b, 11, &n, &err), -1);
    len = optneg(b, 7, 0, 0);
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), -1);
    len = optneg(b, 1, 0, 0);
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), -1);
    len = optneg(b, 6, 0x200, 0);
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), -1);
    len = optneg(b, 6, 0, 0x00200000u);
    assert_int_equal(ck_mpkt_read_optneg(b, len, &n, &err), -1);

    str_init(&pkt);
    ck_mpkt_optneg_packet(&pkt);
    ck_mpkt_quit_packet(&pkt);
    assert_int_equal(pkt.len, 17 + 5);
    assert_memory_equal(pkt.buf, "\0\0\0\x0dO\0\0\0\x06\0\0\x01\xff\x30\x1f\xff\xff", 17);
    assert_memory_equal(pkt.buf + 17, "\0\0\0\x01Q", 5);
    str_free(&pkt);
}

/* ---- socket addresses ---- */

static bool same(const char *ours, const char *postfix, const char *queue, bool chroot)
{
    ck_sock a, b;
    const char *err;
    bool r;

    assert_int_equal(ck_sock_parse_milter(ours, &a, &err), 0);
    assert_int_equal(ck_sock_parse_postfix(postfix, queue, chroot, &b, &err), 0);
    r = ck_sock_same(&a, &b);
    ck_sock_free(&a);
    ck_sock_free(&b);
    return r;
}

static void sockets(void **state)
{
    ck_sock s;
    const char *err;
    str_t out;

    (void)state;
    assert_true(same("unix:/q/milterkit/r.sock", "unix:milterkit/r.sock", "/q/", true));
    assert_true(same("unix:/q/milterkit/r.sock", "unix:milterkit/r.sock", "/q", false));
    assert_true(same("unix:/run/r.sock", "unix:/run/r.sock", "/q", false));
    assert_false(same("unix:/run/r.sock", "unix:/run/r.sock", "/q", true)); /* in the chroot */
    assert_true(same("unix:/q/run/r.sock", "local:/run/r.sock", "/q", true));
    assert_true(same("inet:8893@127.0.0.1", "inet:127.0.0.1:8893", "/q", true));
    assert_true(same("inet:8893@127.0.0.1", "inet:localhost:8893", "/q", true));
    assert_true(same("inet:8893@localhost", "inet:[::1]:8893", "/q", true));
    assert_true(same("inet:8893", "inet:mail.example.net:8893", "/q", true));
    assert_true(same("inet6:8893@[::1]", "inet:[0:0::1]:8893", "/q", true));
    assert_true(same("inet:8893@Milter.Example", "inet:milter.example:8893", "/q", true));
    assert_false(same("inet:8893@127.0.0.1", "inet:127.0.0.1:8894", "/q", true));
    assert_false(same("inet:8893@127.0.0.2", "inet:localhost:8893", "/q", true));
    assert_false(same("unix:/q/r.sock", "inet:localhost:8893", "/q", true));
    assert_int_equal(ck_sock_parse_milter("unix:relative", &s, &err), -1);
    assert_int_equal(ck_sock_parse_milter("inet:0@h", &s, &err), -1);
    assert_int_equal(ck_sock_parse_milter("inet:65536", &s, &err), -1);
    assert_int_equal(ck_sock_parse_milter("tcp:1", &s, &err), -1);
    assert_int_equal(ck_sock_parse_milter("unix:/a b", &s, &err), -1);
    assert_int_equal(ck_sock_parse_postfix("inet:h", "/q", true, &s, &err), -1);
    assert_int_equal(ck_sock_parse_postfix("inet:[::1:25", "/q", true, &s, &err), -1);
    str_init(&out);
    assert_int_equal(ck_sock_parse_milter("unix:/q/milterkit/r.sock", &s, &err), 0);
    ck_sock_postfix_form(&s, "/q/", &out);
    assert_string_equal(out.buf, "unix:milterkit/r.sock");
    ck_sock_free(&s);
    str_clear(&out);
    assert_int_equal(ck_sock_parse_milter("inet6:1@::1", &s, &err), 0);
    ck_sock_postfix_form(&s, "/q", &out);
    assert_string_equal(out.buf, "inet:[::1]:1");
    ck_sock_free(&s);
    str_free(&out);
}

/* ---- swaks transcripts ---- */

static void swaks(void **state)
{
    static const char postfix[] =
        "=== Connected to 127.0.0.1.\n"
        "<-  220 mail.example.net ESMTP Postfix\n"
        " -> STARTTLS\n"
        "<-  220 2.0.0 Ready to start TLS\n"
        " ~> AUTH PLAIN AGpvaG4AKioqKioqKio=\n"
        "<~  235 2.7.0 Authentication successful\n"
        " ~> DATA\n"
        "<~  354 End data with <CR><LF>.<CR><LF>\n"
        " ~> Subject: x\n"
        " ~> .\n"
        "<~  250 2.0.0 Ok: queued as 4Xy9Zk1abcz\n"
        " ~> QUIT\n"
        "<~  221 2.0.0 Bye\n";
    static const char sendmail[] = " ~> .\n<~  250 2.0.0 4ANA1b2C003456 Message accepted for "
                                   "delivery\n";
    static const char badauth[] = " ~> AUTH PLAIN AGpvaG4=\n"
                                  "<~* 535 5.7.8 Error: authentication failed\n"
                                  "*** No authentication type succeeded\n";
    static const char refused[] = " ~> .\n<~* 554 5.7.1 Relay access denied\n";
    static const char later[] = " ~> .\n<~  451 4.3.0 Try again later\n"; /* unmarked */
    str_t reply, qid, error;

    (void)state;
    str_init(&reply), str_init(&qid), str_init(&error);
    assert_int_equal(ck_send_parse(postfix, strlen(postfix), &reply, &qid, &error), 0);
    assert_string_equal(reply.buf, "250 2.0.0 Ok: queued as 4Xy9Zk1abcz");
    assert_string_equal(qid.buf, "4Xy9Zk1abcz");
    str_clear(&reply), str_clear(&qid);
    assert_int_equal(ck_send_parse(sendmail, strlen(sendmail), &reply, &qid, &error), 0);
    assert_string_equal(qid.buf, "4ANA1b2C003456");
    str_clear(&reply), str_clear(&qid);
    assert_int_equal(ck_send_parse(badauth, strlen(badauth), &reply, &qid, &error), -1);
    assert_string_equal(error.buf, "No authentication type succeeded");
    assert_int_equal(qid.len, 0);
    str_clear(&error);
    assert_int_equal(ck_send_parse(refused, strlen(refused), &reply, &qid, &error), -1);
    assert_string_equal(reply.buf, "554 5.7.1 Relay access denied");
    assert_int_equal(ck_send_parse(later, strlen(later), &reply, &qid, &error), -1);
    assert_string_equal(reply.buf, "451 4.3.0 Try again later");
    str_free(&reply), str_free(&qid), str_free(&error);
}

/* ---- permissions judged for a user ---- */

static void access_for_user(void **state)
{
    char dir[] = "/tmp/test_check.XXXXXX";
    str_t sub, sock, key;
    struct sockaddr_un sun;
    int fd;
    ck_user u;
    ck_access_result r;
    const gid_t other_groups[1] = {4242};

    (void)state;
    if (geteuid() != 0)
        skip(); /* the files must belong to others than the user judged */
    assert_non_null(mkdtemp(dir));
    str_init(&sub), str_init(&sock), str_init(&key);
    str_printf(&sub, "%s/sub", dir);
    str_printf(&sock, "%s/sub/m.sock", dir);
    str_printf(&key, "%s/k.private", dir);
    assert_int_equal(mkdir(sub.buf, 0750), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, sock.buf, sock.len + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(chown(sock.buf, 0, 4242), 0);
    assert_int_equal(chmod(sock.buf, 0660), 0);
    close(fd);
    assert_int_equal(close(open(key.buf, O_CREAT | O_WRONLY, 0600)), 0);

    /* uid 4321, group 4321, also in 4242 */
    ck_user_make(&u, "tester", 4321, 4321, other_groups, 1);
    ck_access_result_init(&r);
    assert_int_equal(ck_access_unix(&u, sock.buf, &r), CK_ACCESS_DENIED); /* sub: 0750 root:root */
    assert_true(r.directory);
    assert_string_equal(r.where.buf, sub.buf);
    ck_access_result_free(&r);
    assert_int_equal(chown(sub.buf, 0, 4242), 0);
    ck_access_result_init(&r);
    assert_int_equal(ck_access_unix(&u, sock.buf, &r), CK_ACCESS_OK);
    ck_access_result_free(&r);
    assert_int_equal(chmod(sock.buf, 0640), 0);
    ck_access_result_init(&r);
    assert_int_equal(ck_access_unix(&u, sock.buf, &r), CK_ACCESS_DENIED);
    assert_false(r.directory);
    assert_int_equal(r.mode, 0640);
    assert_non_null(strstr(r.why.buf, "tester may not write to it"));
    ck_access_result_free(&r);
    ck_access_result_init(&r);
    assert_int_equal(ck_access_read(&u, key.buf, &r), CK_ACCESS_DENIED);
    ck_access_result_free(&r);
    assert_int_equal(chown(key.buf, 4321, 0), 0);
    ck_access_result_init(&r);
    assert_int_equal(ck_access_read(&u, key.buf, &r), CK_ACCESS_OK);
    ck_access_result_free(&r);
    ck_access_result_init(&r);
    assert_int_equal(ck_access_unix(&u, key.buf, &r), CK_ACCESS_ERROR); /* not a socket */
    ck_access_result_free(&r);
    ck_access_result_init(&r);
    str_append_cstr(&sub, "/none.sock");
    assert_int_equal(ck_access_unix(&u, sub.buf, &r), CK_ACCESS_MISSING);
    ck_access_result_free(&r);
    ck_user_free(&u);

    unlink(sock.buf), unlink(key.buf);
    str_truncate(&sub, strlen(dir) + 4);
    rmdir(sub.buf), rmdir(dir);
    str_free(&sub), str_free(&sock), str_free(&key);
}

/* ---- the milter list judged ---- */

static void conf_three(ck_conf *c)
{
    static char path[] = "/etc/milterkit/milterkit.conf";
    static const char *const names[3] = {"relay", "masq", "dkim"};
    static const char *const socks[3] = {"unix:/q/milterkit/relay.sock",
                                         "unix:/q/milterkit/masq.sock", "inet:8893@127.0.0.1"};

    memset(c, 0, sizeof *c);
    c->path = path;
    for (size_t i = 0; i < 3; i++) {
        c->milter[i].name = names[i];
        c->milter[i].present = true;
        c->milter[i].socket = (char *)socks[i];
    }
}

/* Judges one Postfix-style list; returns the report's text. */
static char *judge_list(const char *const *socks, size_t n, const char *action_open)
{
    ck_conf c;
    ck_mta m;
    ck_mta_chain *ch;
    ck_report r;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    const char *err;

    conf_three(&c);
    ck_mta_init(&m, "postfix");
    m.queue_dir = mem_strdup("/q");
    m.chroot = true;
    ch = ck_mta_add_chain(&m, "smtpd_milters (main.cf)", false, "postconf -e 'x = %s'");
    ch->action_fix = mem_strdup("postconf -e milter_default_action=tempfail");
    for (size_t i = 0; i < n; i++) {
        ck_mta_entry *e = ck_mta_add_entry(ch, socks[i], NULL);

        e->parsed = ck_sock_parse_postfix(socks[i], "/q", true, &e->sock, &err) == 0;
        if (strncmp(socks[i], "unix:/", 6) == 0) /* as ck_postfix does */
            e->has_alt = ck_sock_parse_postfix(socks[i], "/q", false, &e->alt, &err) == 0;
        if (action_open != NULL) {
            e->fail_open = mem_strdup(action_open);
            e->open_by_action = true;
        }
    }
    ck_report_init(&r, f, false);
    ck_mta_check_chains(&r, &c, &m);
    ck_mta_free(&m);
    fclose(f);
    return text;
}

static void chains(void **state)
{
    static const char *const good[] = {"unix:milterkit/relay.sock", "unix:milterkit/masq.sock",
                                       "inet:localhost:8893"};
    static const char *const swapped[] = {"unix:milterkit/masq.sock",
                                          "unix:milterkit/relay.sock", "inet:127.0.0.1:8893"};
    static const char *const partial[] = {"unix:milterkit/relay.sock", "inet:127.0.0.1:8893",
                                          "inet:127.0.0.1:9999"};
    static const char *const outside[] = {"unix:/q/milterkit/relay.sock",
                                          "unix:milterkit/masq.sock", "inet:127.0.0.1:8893"};
    char *t;

    (void)state;
    t = judge_list(good, 3, NULL);
    assert_non_null(strstr(t, "ok    mta milters smtpd_milters (main.cf): 3 of ours in order"));
    free(t);
    t = judge_list(swapped, 3, NULL);
    assert_non_null(strstr(t, "FAIL  mta milters"));
    assert_non_null(strstr(t, "milterkit-masq is called before milterkit-relay"));
    assert_non_null(strstr(t, "fix: postconf -e 'x = unix:milterkit/relay.sock "
                              "unix:milterkit/masq.sock inet:127.0.0.1:8893'"));
    free(t);
    t = judge_list(partial, 3, NULL);
    assert_non_null(strstr(t, "milterkit-masq (unix:/q/milterkit/masq.sock) is not in it"));
    assert_non_null(strstr(t, "inet:127.0.0.1:8893 inet:127.0.0.1:9999'")); /* others kept */
    free(t);
    t = judge_list(outside, 3, NULL);
    assert_non_null(strstr(t, "milterkit-relay (unix:/q/milterkit/relay.sock) is not in it "
                              "(a socket of that path is named, but a chrooted Postfix"));
    free(t);
    t = judge_list(good, 3, "milter_default_action = accept");
    assert_non_null(strstr(t, "milter_default_action = accept: when milterkit-relay, "
                              "milterkit-masq, milterkit-dkim is down"));
    assert_non_null(strstr(t, "fix: postconf -e milter_default_action=tempfail\n"));
    free(t);
    t = judge_list(good, 3 - 3, NULL);
    assert_non_null(strstr(t, "milterkit-relay"));
    assert_non_null(strstr(t, "milterkit-dkim (inet:8893@127.0.0.1) is not in it"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pf_params),
        cmocka_unit_test(pf_params_bounded),
        cmocka_unit_test(pf_milters),
        cmocka_unit_test(smcf),
        cmocka_unit_test(mpkt_take),
        cmocka_unit_test(mpkt_optneg),
        cmocka_unit_test(sockets),
        cmocka_unit_test(swaks),
        cmocka_unit_test(access_for_user),
        cmocka_unit_test(chains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
