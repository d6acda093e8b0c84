"""relay-decisions.py - milterkit-relay's decisions, per recipient, against
a real DNS server on loopback (unbound with local data, tests/e2e/testdns.py):
confirmed home hosts relay, forged PTRs and unknown hosts are refused with a
reply that says why, hosts without PTR are judged by address, a DNS failure
is a 451 and never a 550, AUTH relays from anywhere, sender/login binding,
local domains open to all, access map actions, dry-run."""

from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check, free_port

from mktest.testdns import TestDNS

# 127.0.0.0/8 and ::1 are internal by default: keep every test client out.
CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["10.255.255.0/24"]; submission_daemons = ["MSA"];
        log_level = "debug";
        dns = { servers = [@DNS@]; timeout = @TIMEOUT@; }; };
relay: { socket = "@SOCKET@"; access = "@TMPDIR@/access";
         local_domains = ["example.net", "example.com"];
         relay_domains = ["backup.example.org"];
         sender_logins = "@TMPDIR@/sender_logins"; @EXTRA@ };
'''

ACCESS = '''# test access map, sendmail access(5) syntax
Connect:home.example.net        RELAY
Connect:127.0.0.20              RELAY
Connect:IPv6:0:0:0:0:0:0:0:1    RELAY
Connect:127.0.0.50              REJECT
Connect:127.0.0.51              ERROR:5.7.1:550 Go away, spammer
Connect:127.0.0.52              TEMPFAIL
Connect:127.0.0.53              OK
From:spammer@example.org        REJECT
From:@junk.example              ERROR:"550 No junk, thanks"
To:blocked@example.net          REJECT
To:partner.example              RELAY
'''

LOGINS = '''alice   alice@example.net, a.smith@example.net
bob     @example.com
'''

REMOTE = "<someone@example.org>"
LOCAL = "<postmaster@example.net>"


def dns_records(dns):
    # a confirmed home host
    dns.ptr("127.0.0.10", "pc10.home.example.net")
    dns.a("pc10.home.example.net", "127.0.0.10")
    # the forged one: the PTR claims a home name whose A is elsewhere
    dns.ptr("127.0.0.7", "ggl.home.example.net")
    dns.a("ggl.home.example.net", "198.51.100.8")
    # several PTR names, only the second confirms
    dns.ptr("127.0.0.30", "nothere.example.org")
    dns.ptr("127.0.0.30", "pc30.home.example.net")
    dns.a("pc30.home.example.net", "127.0.0.30")
    # confirmed, but not a home host
    dns.ptr("127.0.0.40", "host.example.org")
    dns.a("host.example.org", "127.0.0.40")
    # IPv6 client whose name has only an A record: forged by default
    dns.ptr("2001:db8::5", "v4only.home.example.net")
    dns.a("v4only.home.example.net", "127.0.0.5")
    # IPv6 client confirmed by AAAA
    dns.ptr("2001:db8::6", "v6.home.example.net")
    dns.aaaa("v6.home.example.net", "2001:db8::6")


def send(d, addr, rcpts, mail_from="<user@example.org>", mta="sendmail", auth=None,
         daemon_name=None, hostname="client"):
    macros = mc.mta_macros(mta, qid="QID%s" % (addr or "local").replace(":", "x").replace(".", "x"),
                           auth_authen=auth, daemon_name=daemon_name)
    connect = (hostname, addr, 40000) if addr else (hostname, None, 0)
    return mc.run_message(d.socket, connect=connect, macros=macros, mail_from=mail_from,
                          rcpts=rcpts, headers=[("Subject", " test")], body=b"hi\r\n")


def rcpt_reply(res, index=0):
    return res.rcpt_replies[index][1] if len(res.rcpt_replies) > index else None


def expect_rcpt(res, want_code, want_text=None, index=0, what=""):
    rep = rcpt_reply(res, index)
    if want_code is None:
        check(rep is not None and not rep.refused, "%s: recipient accepted" % what, res)
        return
    check(rep is not None and rep.refused, "%s: recipient refused" % what, res)
    check(rep.smtp.startswith(want_code), "%s: %s expected, got %r" % (what, want_code,
                                                                        rep.smtp), res)
    if want_text:
        check(want_text in rep.smtp, "%s: reply %r lacks %r" % (what, rep.smtp, want_text))


def config(dns_servers, timeout=2, extra=""):
    return (CONF.replace("@DNS@", ", ".join('"%s"' % s for s in dns_servers))
            .replace("@TIMEOUT@", str(timeout)).replace("@EXTRA@", extra))


FILES = {"access": ACCESS, "sender_logins": LOGINS}


def test_negotiation(d):
    res = send(d, "127.0.0.10", [LOCAL])
    cl = res.negotiated
    for flag in ("SMFIP_NOBODY", "SMFIP_NOHDRS", "SMFIP_NOEOH", "SMFIP_NODATA", "SMFIP_NOHELO"):
        check(cl.wants(getattr(mc, flag)), "negotiates %s away" % flag, cl.describe())
    mail_macros = " ".join(cl.symlists.get("M", []))
    check("auth_authen" in mail_macros, "asks for {auth_authen} at MAIL", cl.symlists)
    check(res.final is not None and not res.final.refused, "message accepted", res)


def test_matrix(d):
    cases = [
        # (what, address, rcpts, expected per rcpt [(code, text)])
        ("confirmed home host relays", "127.0.0.10", [REMOTE], [(None, None)]),
        ("forged PTR refused", "127.0.0.7", [REMOTE],
         [("550 5.7.1", "Relaying denied. IP name possibly forged [127.0.0.7]")]),
        ("forged PTR may still mail a local domain", "127.0.0.7", [LOCAL], [(None, None)]),
        ("no PTR, address entry relays", "127.0.0.20", [REMOTE], [(None, None)]),
        ("no PTR, no entry refused", "127.0.0.21", [REMOTE],
         [("550 5.7.1", "Relaying denied. IP name lookup failed [127.0.0.21]")]),
        ("no PTR local domain accepted", "127.0.0.21", [LOCAL, "<x@EXAMPLE.COM>", "<root>"],
         [(None, None)] * 3),
        ("IPv6 ::1 no PTR, address entry relays", "::1", [REMOTE], [(None, None)]),
        ("IPv6 no PTR refused", "2001:db8::99", [REMOTE],
         [("550 5.7.1", "IP name lookup failed [2001:db8::99]")]),
        ("IPv6 name with only A is forged", "2001:db8::5", [REMOTE],
         [("550 5.7.1", "possibly forged [2001:db8::5]")]),
        ("IPv6 confirmed by AAAA relays", "2001:db8::6", [REMOTE], [(None, None)]),
        ("multi-PTR, one confirming name relays", "127.0.0.30", [REMOTE], [(None, None)]),
        ("confirmed stranger refused, told to authenticate", "127.0.0.40", [REMOTE],
         [("550 5.7.1", "Relaying denied for host.example.org [127.0.0.40]. Authenticate first")]),
        ("relay_domains and To: RELAY open to all", "127.0.0.40",
         ["<a@backup.example.org>", "<a@mx.backup.example.org>", "<a@partner.example>"],
         [(None, None)] * 3),
        ("percent hack through a local domain is relaying", "127.0.0.40",
         ["<victim%example.org@example.net>", "<@example.net:victim@example.org>"],
         [("550 5.7.1", None)] * 2),
        ("internal network relays", "10.255.255.9", [REMOTE], [(None, None)]),
        ("Connect: REJECT", "127.0.0.50", [LOCAL], [("550 5.7.1", "Access denied")]),
        ("Connect: ERROR", "127.0.0.51", [LOCAL], [("550 5.7.1", "Go away, spammer")]),
        ("Connect: TEMPFAIL", "127.0.0.52", [LOCAL], [("451 4.7.1", None)]),
        ("Connect: OK does not relay", "127.0.0.53", [LOCAL, REMOTE],
         [(None, None), ("550 5.7.1", "IP name lookup failed")]),
        ("To: REJECT even for home hosts", "127.0.0.10", ["<blocked@example.net>", LOCAL],
         [("550 5.7.1", "Access denied"), (None, None)]),
        ("local submission without AUTH refused", None, [REMOTE],
         [("550 5.7.1", "Relaying denied. Authenticate first")]),
    ]
    for what, addr, rcpts, want in cases:
        for mta in ("sendmail", "postfix"):
            res = send(d, addr, rcpts, mta=mta)
            check(len(res.rcpt_replies) == len(rcpts), "%s: every rcpt answered" % what, res)
            for i, (code, text) in enumerate(want):
                expect_rcpt(res, code, text, i, "%s [%s rcpt %d]" % (what, mta, i))
            print("ok: %s (%s)" % (what, mta))


def test_auth(d):
    for addr in ("127.0.0.7", "127.0.0.21", "2001:db8::99", None):
        res = send(d, addr, [REMOTE], mail_from="<alice@example.net>", auth="alice")
        expect_rcpt(res, None, what="AUTH relays from %s" % addr)
    res = send(d, "127.0.0.21", [REMOTE], mail_from="<x@example.com>", auth="bob",
               mta="postfix")
    expect_rcpt(res, None, what="bob may use @example.com")
    for login, sender in (("alice", "<bob@example.net>"), ("bob", "<bob@example.net>"),
                          ("mallory", "<mallory@example.net>")):
        res = send(d, "127.0.0.10", [REMOTE], mail_from=sender, auth=login)
        rep = res.replies.get("mail")
        check(rep is not None and rep.smtp.startswith("553 5.7.1"),
              "%s as %s refused 553 5.7.1" % (login, sender), res)
        check("not owned by user %s" % login in rep.smtp, "reply names the login", rep.smtp)
    # Postfix reports the login with its realm (smtpd_sasl_local_domain):
    # ours falls back to the bare login, a foreign realm does not.
    res = send(d, "127.0.0.21", [REMOTE], mail_from="<alice@example.net>",
               auth="alice@mail.example.net", mta="postfix")
    expect_rcpt(res, None, what="login with our realm")
    res = send(d, "127.0.0.21", [REMOTE], mail_from="<alice@example.net>",
               auth="alice@evil.example", mta="postfix")
    check(res.replies["mail"].smtp.startswith("553 5.7.1"), "foreign realm refused", res)
    res = send(d, "127.0.0.10", [REMOTE], mail_from="<>", auth="alice")
    expect_rcpt(res, None, what="null sender from an authenticated user")
    res = send(d, None, [REMOTE], daemon_name="MSA")
    expect_rcpt(res, None, what="submission daemon relays")


def test_from(d):
    res = send(d, "127.0.0.10", [LOCAL], mail_from="<spammer@example.org>")
    check(res.replies["mail"].smtp.startswith("550 5.7.1"), "From: REJECT", res)
    res = send(d, "127.0.0.10", [LOCAL], mail_from="<a@junk.example>")
    check(res.replies["mail"].smtp == "550 5.0.0 No junk, thanks" or
          res.replies["mail"].smtp.startswith("550"), "From: ERROR", res)


def test_fcrdns_once(d):
    mark = d.mark()
    res = send(d, "127.0.0.40", [REMOTE, "<b@example.org>", LOCAL])
    expect_rcpt(res, "550", None, 0, "first")
    expect_rcpt(res, "550", None, 1, "second")
    expect_rcpt(res, None, None, 2, "local")
    # The daemon's log arrives through a pipe after its replies: wait for the
    # connection's last line before counting, and before the next mark (a
    # line of this connection read after it would count for the next step).
    d.wait_for_log(r"relay=no stage=rcpt rcpt=\S+ client=\[127\.0\.0\.40\]", since=mark)
    lines = d.find_log(r"fcrdns=OK client=\[127\.0\.0\.40\]", since=mark)
    check(len(lines) == 1, "FCrDNS done once per connection (%d)" % len(lines), d.log_tail())
    d.wait_for_log(r'names="host\.example\.org" confirmed=host\.example\.org', since=mark)
    mark = d.mark()
    send(d, "10.255.255.9", [REMOTE])
    send(d, "127.0.0.7", [REMOTE], mail_from="<alice@example.net>", auth="alice")
    d.wait_for_log(r"QID127x0x0x7: relay=allowed stage=rcpt rcpt=<someone@example.org> "
                   r"client=\[127\.0\.0\.7\] origin=auth", since=mark)
    check(not d.find_log(r"fcrdns=", since=mark), "no DNS for trusted origin", d.log_tail())
    # An address typed without brackets (sendmail passes it on as typed) is
    # logged in brackets all the same.
    mark = d.mark()
    macros = mc.mta_macros("sendmail", qid="QIDTYPED", auth_authen="alice")
    cl = mc.MilterClient(d.socket)
    with cl:
        cl.negotiate()
        cl.connect("client", "127.0.0.7", 40000, macros=macros["C"])
        cl.mail("<alice@example.net>", macros=macros["M"])
        cl.rcpt("other@example.org", macros=macros.get("R"), as_typed=True)
        cl.abort()
        cl.quit()
    d.wait_for_log(r"QIDTYPED: relay=allowed stage=rcpt rcpt=<other@example\.org> ", since=mark)


def test_forged_logged(d):
    mark = d.mark()
    send(d, "127.0.0.7", [REMOTE])
    d.wait_for_log(r'fcrdns=FORGED client=\[127\.0\.0\.7\] names="ggl\.home\.example\.net"',
                   since=mark)
    d.wait_for_log(r"QID127x0x0x7: relay=refused stage=rcpt rcpt=<someone@example\.org> "
                   r"client=\[127\.0\.0\.7\] origin=untrusted fcrdns=FORGED", since=mark)


def test_dns_down(dns_port):
    """Nothing answers: relaying depends on DNS -> 451 4.4.3, never 550;
    local mail and address entries still work."""
    conf = config(["127.0.0.1@%d" % dns_port], timeout=1)
    with milter_daemon("relay", conf, files=FILES) as d:
        for mta in ("sendmail", "postfix"):
            res = send(d, "127.0.0.10", [REMOTE, LOCAL, "<x@example.org>"], mta=mta)
            expect_rcpt(res, "451 4.4.3", "Cannot resolve PTR record for [127.0.0.10]", 0,
                        "DNS down: relaying tempfails")
            expect_rcpt(res, None, None, 1, "DNS down: local domain accepted")
            expect_rcpt(res, "451 4.4.3", None, 2, "DNS down: second remote rcpt")
            res = send(d, "127.0.0.20", [REMOTE], mta=mta)
            expect_rcpt(res, None, None, 0, "DNS down: address entry still relays")
            res = send(d, "127.0.0.7", [REMOTE], mail_from="<alice@example.net>",
                       auth="alice", mta=mta)
            expect_rcpt(res, None, None, 0, "DNS down: AUTH still relays")
        d.wait_for_log(r"fcrdns=TEMP client=\[127\.0\.0\.10\]")
    conf = config(["127.0.0.1@%d" % dns_port], timeout=1,
                  extra='on_dns_error = "reject";')
    with milter_daemon("relay", conf, files=FILES) as d:
        res = send(d, "127.0.0.10", [REMOTE])
        expect_rcpt(res, "550 5.7.1", None, 0, "on_dns_error = reject")


def test_dns_paused(dns):
    conf = config(dns.servers, timeout=1)
    with milter_daemon("relay", conf, files=FILES) as d:
        dns.pause()
        try:
            res = send(d, "127.0.0.10", [REMOTE])
        finally:
            dns.resume()
        expect_rcpt(res, "451 4.4.3", None, 0, "DNS timeout: 451")


def test_dry_run(dns):
    conf = config(dns.servers, extra="dry_run = true;")
    with milter_daemon("relay", conf, files=FILES) as d:
        res = send(d, "127.0.0.7", [REMOTE, "<blocked@example.net>"])
        expect_rcpt(res, None, None, 0, "dry run: forged relays")
        expect_rcpt(res, None, None, 1, "dry run: To: REJECT passes")
        res = send(d, "127.0.0.10", [REMOTE], mail_from="<bob@example.net>", auth="alice")
        check(not res.replies["mail"].refused, "dry run: binding mismatch passes", res)
        res = send(d, "127.0.0.50", [LOCAL])
        expect_rcpt(res, None, None, 0, "dry run: Connect: REJECT passes")
        d.wait_for_log(r"relay=would-refuse stage=rcpt rcpt=<someone@example\.org> .*"
                       r"reply=\"550 5\.7\.1 Relaying denied\. IP name possibly forged")
        d.wait_for_log(r"relay=would-refuse stage=mail .*binding=mismatch")


def test_cross_family(dns):
    conf = config(dns.servers, extra="allow_cross_family = true;")
    with milter_daemon("relay", conf, files=FILES) as d:
        res = send(d, "2001:db8::5", [REMOTE])
        expect_rcpt(res, None, None, 0, "allow_cross_family: A confirms an IPv6 client")
        d.wait_for_log(r"fcrdns=OK client=\[2001:db8::5\].*cross_family=yes")


def main():
    dead_port = free_port()
    with TestDNS(ipv6=False) as dns:
        dns_records(dns)
        dns.start()
        with milter_daemon("relay", config(dns.servers), files=FILES) as d:
            test_negotiation(d)
            test_matrix(d)
            test_auth(d)
            test_from(d)
            test_fcrdns_once(d)
            test_forged_logged(d)
        test_dns_paused(dns)
        test_dry_run(dns)
        test_cross_family(dns)
    test_dns_down(dead_port)


run_test(main)
