"""dkim-hostile.py - hostile signatures and key records get the RFC 6376
result, and never a crash: malformed DKIM-Signature tags (duplicated,
missing, bad base64, l= longer than the body, absurd x= and t=), key
records revoked (p= empty), with an unknown k=, h=sha1 only, of 8 KB and
more, absent; DNS timeout and SERVFAIL give temperror, and tempfail the
message when dkim.on_dns_error = "tempfail".  Keys come from a real DNS
server (unbound on loopback, tests/e2e/testdns.py) through lib/dns."""
import re

from mktest import check, need_program, run_test

from mktest import dkimtest as dc


def sign(keys, selector, domain=b"example.org", body=b"Hello.\r\nBye.\r\n", key="k", **kw):
    dkim = dc.dkimpy()
    msg = dc.message(from_addr="a@%s" % domain.decode(), body=body)
    key = open(keys.keys[("example.org", key)][0], "rb").read()
    return dkim.sign(msg, selector, domain, key, **kw) + msg


def mutate(raw, pattern, repl):
    head, sep, rest = raw.partition(b"\r\nFrom:")
    new, n = re.subn(pattern, repl, head, count=1)
    check(n == 1, "mutation %r applies" % pattern, head)
    return new + sep + rest


def results(d, raw, mta="postfix"):
    res = dc.send(d.socket, raw, connect=dc.OUTSIDE, mta=mta)
    ars = dc.ar_values(res)
    return res, (ars[0] if ars else ""), [r for r, _ in dc.ar_results(ars[0])] if ars else []


def expect(d, raw, want, label, reason=None):
    res, value, got = results(d, raw)
    check(got == want or (isinstance(want, tuple) and got in [[w] for w in want]),
          "%s: %s expected" % (label, want), value, res)
    if reason:
        check(re.search(reason, value), "%s: reason %r" % (label, reason), value)
    check(d.alive(), "%s: daemon alive" % label)
    return 1


def main():
    need_program("/usr/sbin/unbound")
    from mktest.testdns import TestDNS
    count = 0
    with dc.Keys() as keys:
        keys.make("example.org", "k", "rsa")
        keys.make("example.org", "small", "rsa", bits=768)
        rec = keys.keys[("example.org", "k")][2]
        pub = rec.split("p=")[1]
        # SERVFAIL: a zone forwarded to a server unbound may not query;
        # REFUSED: always_refuse.
        servfail = ['local-zone: "servfail.example." transparent',
                    'forward-zone:', 'name: "servfail.example."',
                    'forward-addr: 127.0.0.1@1']
        with TestDNS(ipv6=False, extra=servfail) as dns:
            dns.txt("good._domainkey.example.org", rec)
            dns.txt("revoked._domainkey.example.org", "v=DKIM1; k=rsa; p=")
            dns.txt("unknownk._domainkey.example.org", "v=DKIM1; k=foo; p=" + pub)
            dns.txt("sha1._domainkey.example.org", "v=DKIM1; k=rsa; h=sha1; p=" + pub)
            dns.txt("big8k._domainkey.example.org",
                    "v=DKIM1; k=rsa; n=" + "x" * (8000 - len(rec)) + "; p=" + pub)
            dns.txt("big9k._domainkey.example.org",
                    "v=DKIM1; k=rsa; n=" + "x" * 9000 + "; p=" + pub)
            dns.txt("small._domainkey.example.org", keys.keys[("example.org", "small")][2])
            dns.txt("garbage._domainkey.example.org", "\x01\x02 not a key ;;; p=!!!")
            dns.zone("refused.example", "always_refuse")
            dns.start()
            site_dns = 'dns = { servers = ["%s"]; timeout = 2; };' % dns.server
            for action in ("accept", "tempfail"):
                conf = dc.SITE.replace("@DNS@", site_dns) + (
                    'dkim: { socket = "@SOCKET@"; on_dns_error = "%s"; };\n' % action)
                with dc.start(conf) as d:
                    count += run(d, keys, dns, action)
    print("hostile-input checks passed: %d" % count)


def run(d, keys, dns, action):
    n = 0
    good = sign(keys, b"good")
    n += expect(d, good, ["pass"], "good key over DNS")
    # Malformed signature tags.
    n += expect(d, mutate(good, rb"d=example\.org;", b"d=example.org; d=example.com;"),
                ["permerror"], "duplicated d=")
    n += expect(d, mutate(good, rb"\bs=good;", b""), ["permerror"], "missing s=")
    n += expect(d, mutate(good, rb"\bb=[A-Za-z0-9+/]", b"b=!!!*"), ["permerror"],
                "bad base64 in b=")
    n += expect(d, mutate(good, rb"bh=[A-Za-z0-9+/]+", b"bh=%%%%"), ["permerror"],
                "bad base64 in bh=")
    n += expect(d, mutate(good, rb"\bv=1;", b"v=2;"), ["permerror"], "v=2")
    n += expect(d, mutate(good, rb"\ba=rsa-sha256;", b"a=rsa-md5;"), ["permerror"],
                "unknown a=")
    n += expect(d, mutate(good, rb"\bh=[^;]+;", b"h=to;"), ["permerror"], "h= without from")
    lsig = sign(keys, b"good", length=True)
    n += expect(d, mutate(lsig, rb"\bl=\d+", b"l=999999"), ["permerror"],
                "l= longer than the body")
    n += expect(d, mutate(good, rb"\bt=\d+;", b"t=1; x=2;"), ["policy"],
                "x= in the past", r"expired")
    n += expect(d, mutate(good, rb"\bt=\d+;", b"t=99999999999999999999999;"),
                ["policy"], "absurd t= (in the future)")
    n += expect(d, mutate(good, rb"\bt=\d+;", b"t=%d;" % (2**40)), ["policy"],
                "t= in the future", r"future")
    n += expect(d, mutate(good, rb"\bt=\d+;", b"t=100; x=50;"), ("permerror", "policy"),
                "x= < t= (and in the past)")
    # Key records.
    n += expect(d, sign(keys, b"revoked"), ["permerror"], "revoked key", r"revoked")
    n += expect(d, sign(keys, b"unknownk"), ["permerror"], "unknown k=")
    n += expect(d, sign(keys, b"sha1"), ["permerror"], "h=sha1 only")
    n += expect(d, sign(keys, b"big8k"), ["permerror"], "8 KB key record")
    n += expect(d, sign(keys, b"big9k"), ["permerror"], "9 KB key record")
    n += expect(d, sign(keys, b"garbage"), ["permerror"], "garbage key record")
    n += expect(d, sign(keys, b"small", key="small"), ["policy"], "768-bit key",
                r"too few key bits|key.*small")
    n += expect(d, sign(keys, b"absent"), ["permerror"], "no key record")
    # DNS trouble: SERVFAIL and timeout.
    sf = sign(keys, b"s1", domain=b"servfail.example")
    rf = sign(keys, b"r1", domain=b"refused.example")
    to = sign(keys, b"t%s" % action.encode(), domain=b"timeout.example")
    if action == "accept":
        n += expect(d, sf, ["temperror"], "SERVFAIL")
        n += expect(d, rf, ["temperror"], "REFUSED")
        dns.pause()
        try:
            n += expect(d, to, ["temperror"], "timeout")
        finally:
            dns.resume()
    else:
        res, _, _ = results(d, sf)
        check(res.final == "tempfail", "SERVFAIL -> tempfail", res)
        dns.pause()
        try:
            res, _, _ = results(d, to)
        finally:
            dns.resume()
        check(res.final == "tempfail", "timeout -> tempfail", res)
        # One good signature is enough, whatever happens to another.
        both = sf.split(b"\r\nFrom:")[0] + b"\r\n" + good
        res, value, got = results(d, both)
        check(res.final == "continue" and sorted(got) == ["pass", "temperror"],
              "pass + temperror: accepted", value, res)
        n += 3
    return n


run_test(main)
