"""dkim-sign-decisions.py - trusted mail is never left unsigned silently
(issue 10 finding 8, issue 9 "no silent non-decisions"):

  - a From whose mailboxes share one domain (two mailboxes plus Sender,
    valid RFC 5322; 2000 mailboxes) is signed for that domain; mailboxes of
    two domains that both have keys get one signature per domain;
  - what cannot be signed (mailboxes of a domain with a key and of one
    without, a From over max_header_size, 2000 header fields, no From, two
    From fields) follows dkim.on_unsignable: tempfail (451 4.7.0 with the
    reason, the default), reject (550 5.7.0), or accept with a warning log
    line, never a silent 250;
  - trusted mail left unsigned for a legitimate reason (no key for the
    domain; root, an exposed user the masq rules leave unmasqueraded) gets
    one notice log line saying why, and no Authentication-Results header
    (outbound mail: dkim=none was added before);
  - with a masq section milterkit-dkim makes the rewrite itself (chgheader)
    and signs it, so the signature covers what leaves without milterkit-masq
    (before: it signed a prediction of masq's edit); with
    masquerade_before_signing = false it does not.
Every signature made is checked with python3-dkim and libopendkim.
"""

import re

from mktest import check, run_test

from mktest import dkimtest as dc

MASQ = ('masq: { as = "example.net"; domains = ["home.example.net"]; entire_domain = true; '
        'exposed_users = ["root"]; };')


def send(d, msg, qid):
    return dc.send(d.socket, msg, qid=qid)


def verifies(res, keys, od, n, label):
    sigs = dc.signatures(res)
    check(len(sigs) == n and res.final == "continue", "%s: %d signature(s)" % (label, n), res)
    check(not dc.ar_values(res), "%s: no Authentication-Results on outbound mail" % label)
    for mta in ("sendmail", "postfix"):
        raw = dc.delivered(res, mta)
        check(dc.dkimpy_verify_all(raw, keys.dnsfunc) == [True] * n,
              "%s/%s: python3-dkim verifies" % (label, mta), raw[:2000])
        got, text = od.results(raw)
        check(got == ["pass"] * n, "%s/%s: libopendkim verifies" % (label, mta), text)
    return sigs


def refused(d, res, qid, code, label, reason):
    check(not dc.signatures(res) and res.final.kind == "replycode" and
          res.final.text.startswith(code), "%s: %s" % (label, code), res)
    check(re.search(reason, res.final.text), "%s: the reply says why" % label, res.final.text)
    d.wait_for_log(r"%s: dkim=unsignable action=\w+ reason=\"[^\"]*%s" % (qid, reason))


def main():
    count = 0
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.make("other.example", "o1", "rsa")
        keys.write_source()
        with dc.OpenDKIMVerifier(keys.records()) as od, \
                dc.start(dc.dkim_conf(keys, masq=MASQ)) as d:
            count += signable(d, keys, od)
            count += unsignable(d)
            count += legit_unsigned(d)
        for action, code in (("reject", "550 5.7.0"), ("accept", None)):
            conf = dc.dkim_conf(keys, 'on_unsignable = "%s";' % action)
            with dc.start(conf) as d:
                msg = dc.message(from_addr="a@example.net, c@nokey.example",
                                 extra_headers=[("Sender", "a@example.net")])
                res = send(d, msg, "QACT")
                if code:
                    refused(d, res, "QACT", code, "on_unsignable=" + action, "no key")
                else:
                    check(res.final == "continue" and not dc.signatures(res) and
                          not dc.ar_values(res), "on_unsignable=accept: accepted unsigned", res)
                    d.wait_for_log(r"QACT: dkim=unsignable action=accept reason=\"From has "
                                   r"mailboxes of example.net \(keys\) and nokey.example")
                count += 1
        conf = dc.dkim_conf(keys, "masquerade_before_signing = false;", masq=MASQ)
        with dc.start(conf) as d:
            res = send(d, dc.message(from_addr="john@pc1.home.example.net"), "QNOMASQ")
            check(not res.mods_of("chgheader") and not dc.signatures(res),
                  "masquerade_before_signing=false: no rewrite, no key", res)
            d.wait_for_log(r"QNOMASQ: dkim=unsigned origin=\w+ reason=\"no key for "
                           r"pc1.home.example.net\"")
            count += 1
    print("signing decision checks passed: %d" % count)


def signable(d, keys, od):
    n = 0
    # Two mailboxes of one domain, plus Sender.
    msg = dc.message(from_addr="Ann <ann@example.net>, Bob <bob@EXAMPLE.NET.>",
                     extra_headers=[("Sender", "Ann <ann@example.net>")])
    sigs = verifies(send(d, msg, "QTWO"), keys, od, 1, "two mailboxes, one domain")
    check("d=example.net;" in sigs[0] and "sender" in sigs[0].lower(), "d= and Sender signed",
          sigs)
    # Two domains, both with keys: one signature each.
    msg = dc.message(from_addr="a@example.net, b@other.example",
                     extra_headers=[("Sender", "a@example.net")])
    sigs = verifies(send(d, msg, "QDOMS"), keys, od, 2, "two domains with keys")
    check(sorted(re.search(r"d=([\w.]+);", s).group(1) for s in sigs) ==
          ["example.net", "other.example"], "one signature per domain", sigs)
    # 2000 mailboxes of one domain (about 40 KB, under max_header_size).
    many = ", ".join("u%04d@example.net" % i for i in range(2000))
    msg = dc.message(from_addr=many, extra_headers=[("Sender", "u0000@example.net")])
    verifies(send(d, msg, "QMANY"), keys, od, 1, "2000 mailboxes, one domain")
    # The masquerade rewrite: made here, signed as made.
    msg = dc.message(from_addr="John <john@pc1.home.example.net>",
                     extra_headers=[("Reply-To", "john@pc1.home.example.net")])
    res = send(d, msg, "QMASQ")
    check(sorted(res.mods_of("chgheader")) ==
          [("chgheader", 1, "From", " John <john@example.net>"),
           ("chgheader", 1, "Reply-To", " john@example.net")], "From and Reply-To rewritten",
          res.mods)
    verifies(res, keys, od, 1, "masqueraded by milterkit-dkim")
    d.wait_for_log(r'QMASQ: dkim=masqueraded header=From index=1 old=" John '
                   r'<john@pc1.home.example.net>" new=" John <john@example.net>"')
    n += 4
    return n


def unsignable(d):
    cases = [
        ("QMIX", dc.message(from_addr="a@example.net, c@nokey.example",
                            extra_headers=[("Sender", "a@example.net")]),
         r"From has mailboxes of example.net \(keys\) and nokey.example \(no key\)"),
        ("QBIG", dc.message(from_addr=", ".join("user%04d-with-a-long-name@example.net" % i
                                                for i in range(2000))),
         "header fields over the limits"),
        ("QHDRS", dc.message(extra_headers=[("X-Filler", "%d" % i) for i in range(2000)]),
         "header fields over the limits"),
        ("QNOFROM", dc.message().replace(b"From: John <john@example.net>\r\n", b""),
         "no From field"),
        ("QTWOFROM", dc.message(extra_headers=[("From", "b@example.net")]), "2 From fields"),
        ("QGROUP", dc.message(from_addr="team: a@example.net;"), "a group in From"),
    ]
    for qid, msg, reason in cases:
        refused(d, send(d, msg, qid), qid, "451 4.7.0", qid, reason)
    check(d.alive(), "daemon alive")
    return len(cases)


def legit_unsigned(d):
    res = send(d, dc.message(from_addr="a@nokey.example"), "QNOKEY")
    check(res.final == "continue" and not dc.signatures(res) and not dc.ar_values(res),
          "no key: unsigned, no A-R", res)
    d.wait_for_log(r'QNOKEY: dkim=unsigned origin=\w+ reason="no key for nokey.example"')
    res = send(d, dc.message(from_addr="root@pc1.home.example.net"), "QROOT")
    check(res.final == "continue" and not dc.signatures(res) and not dc.ar_values(res) and
          not res.mods_of("chgheader"), "exposed user: unsigned, untouched, no A-R", res)
    d.wait_for_log(r'QROOT: dkim=unsigned origin=\w+ reason="no key for pc1.home.example.net '
                   r'\(root is an exposed user: not masqueraded\)"')
    return 2


run_test(main)
