"""dkim-verdicts.py - the DKIM verdicts of issue 10 finding 5, one check per
rule, with keys served by a real DNS server (unbound on loopback) through
lib/dns:

  rule                                   before          now
  a=rsa-sha1                             pass            permerror (RFC 8301 3.1)
  RSA key under dkim.min_key_bits        policy          policy (the setting applies)
  key with t=y                           pass            policy "testing" (RFC 6376 3.6.1);
                                                         failing: fail, never rejected
  q= with no known method                pass            permerror (RFC 6376 3.5);
                                                         q=other:dns/txt still passes
  a tag twice (i=) in the signature      fail            permerror (RFC 6376 3.2)
  a tag twice in the key record          pass            permerror
  l= with an appended unsigned tail      plain pass      policy with a reason (default
                                                         unsigned_tail = "policy"), or
                                                         pass with the reason ("pass")
  key RRset of several records           pass/permerror  permerror, every time
  (11 records, over 8 KB: in turn)       (random)

Each verdict goes with the reason in the Authentication-Results header
(reason="..."), which every check reads through mktest.authres (RFC 8601).
"""

from mktest import check, need_program, run_test

from mktest import dkimtest as dc

def sign(keys, selector, key="k", **kw):
    return dc.dkimpy_signed(keys, selector, key=key, **kw)


def mutate(raw, old, new):
    return dc.edit_signature(raw, old, new)


def verdict(d, raw, mta="postfix"):
    res = dc.send(d.socket, raw, connect=dc.OUTSIDE, mta=mta)
    results = dc.ar_results(dc.ar_values(res)[0])
    check(len(results) == 1, "one result", results)
    return res, results[0][0], results[0][1].get("reason")


def expect(d, raw, want, reason, label):
    res, got, why = verdict(d, raw)
    check(got == want, "%s: %s expected" % (label, want), got, why)
    check((why is None and reason is None) or (why and reason and reason in why),
          "%s: reason %r" % (label, reason), why)
    return res


def main():
    need_program("/usr/sbin/unbound")
    from mktest.testdns import TestDNS
    with dc.Keys() as keys, TestDNS(ipv6=False) as dns:
        dc.verdict_keys(keys, dns)
        keys.make("example.org", "k1024", "rsa", bits=1024)
        dns.txt("k1024._domainkey.example.org", keys.keys[("example.org", "k1024")][2])
        dns.start()
        site_dns = 'dns = { servers = ["%s"]; timeout = 5; };' % dns.server
        base = dc.SITE.replace("@DNS@", site_dns)
        conf = base + 'dkim: { socket = "@SOCKET@"; on_bad_signature = "reject"; };\n'
        with dc.start(conf) as d:
            n = run(d, keys)
        conf = base + ('dkim: { socket = "@SOCKET@"; min_key_bits = 2048; '
                       'unsigned_tail = "pass"; };\n')
        with dc.start(conf) as d:
            expect(d, sign(keys, "k1024", key="k1024"), "policy", "signing key too small",
                   "1024-bit key, min_key_bits 2048")
            expect(d, sign(keys, "k"), "pass", None, "2048-bit key, min_key_bits 2048")
            raw = sign(keys, "k", length=True) + b"Appended, not signed.\r\n"
            expect(d, raw, "pass", "l= leaves 23 of 37 body bytes unsigned",
                   "l= tail, unsigned_tail = pass")
            n += 3
    print("verdict checks passed: %d" % n)


def run(d, keys):
    n = 0
    for label, raw, want, reason in dc.verdict_corpus(keys):
        res = expect(d, raw, want, reason, label)
        if label == "t=y, body changed":
            check(res.final == "continue", "t=y failure not rejected (on_bad_signature)",
                  res.final)
        n += 1
    good = sign(keys, "k")
    expect(d, sign(keys, "k1024", key="k1024"), "pass", None, "1024-bit key, default minimum")
    res = dc.send(d.socket, good.replace(b"Bye.", b"Bye!"), connect=dc.OUTSIDE, mta="postfix")
    check(res.final == "reject" and not dc.ar_values(res), "a real failure is rejected",
          res.final)
    expect(d, mutate(good, b"q=dns/txt;", b"q=dns;"), "permerror",
           "no known query method in q=", "q=dns (without /txt)")
    res = dc.send(d.socket, mutate(good, b"q=dns/txt;", b"q=foo:dns/txt;"), connect=dc.OUTSIDE)
    check(res.final == "reject", "q=foo:dns/txt: evaluated (fail: the edit breaks b=)", res)
    # Several key records: permerror, the same every time.
    for i in range(5):
        expect(d, sign(keys, "two"), "permerror", "several key records", "2 records #%d" % i)
        expect(d, sign(keys, "eleven"), "permerror", "several key records",
               "11 records #%d" % i)
    n += 14
    check(d.alive(), "daemon alive")
    return n


run_test(main)
