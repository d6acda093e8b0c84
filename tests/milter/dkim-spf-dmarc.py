"""dkim-spf-dmarc.py - SPF (RFC 7208) and DMARC (RFC 9989) in
milterkit-dkim's verification (issue 12): one Authentication-Results field
with spf=, dkim= and dmarc=, and dkim.dmarc's actions.

Every name is served by a real DNS server (unbound on loopback, mktest
.testdns) through lib/dns: SPF records, DMARC records, the DKIM key, a zone
that answers REFUSED (a temporary failure) and one that never answers at all (stall()).  Mail
comes from an outside client (203.0.113.7, HELO mx.example.org) unless a
case says otherwise; each Authentication-Results field goes through the
strict RFC 8601 checker (mktest.authres) and is read back through it.

  SPF      pass, fail, softfail, neutral, none, temperror, permerror of
           the MAIL FROM identity, each beside the HELO identity's result;
           "<>" gives the HELO identity alone (smtp.helo).
  DMARC    pass by an aligned DKIM signature (SPF failing), by aligned SPF
           (unsigned), relaxed SPF alignment (a subdomain's MAIL FROM) and
           strict (the same one fails under aspf=s), fail with
           policy.dmarc=reject, none, temperror (REFUSED at _dmarc), two
           From fields (one domain passing, one failing: the failing one
           decides), t=y (reject lowered to quarantine).
  actions  off (default): nothing refused, every verdict annotated; on:
           p=reject failure 550 5.7.1 naming the domain, p=quarantine
           failure quarantined (SMFIR_QUARANTINE) and annotated, t=y's
           lowered policy quarantined not refused, temperror 451 only with
           on_temperror = "tempfail"; trusted mail (SMTP AUTH, internal
           network) and a trusted relay never refused, the relay's mail
           carries dkim= only.
  budget   one message whose MAIL FROM and From domain never answer:
           spf=temperror and dmarc=temperror ("time budget spent") within
           dkim.dns_budget, while a message on another connection completes
           meanwhile.
"""

import threading
import time

from mktest import authres, check, log, need_program, run_test, wait_for
from mktest import milterclient as mc

from mktest import dkimtest as dc

OUT = ("mx.example.org", "203.0.113.7", 40001)
HELO = "mx.example.org"
RELAY = ("backup-mx.example.net", "198.51.100.5", 40002)
PASS_SPF = "v=spf1 ip4:203.0.113.7 -all"


def zone(dns, keys):
    keys.make("example.org", "k", "rsa")
    dns.txt("k._domainkey.example.org", keys.keys[("example.org", "k")][2])
    dns.txt(HELO, PASS_SPF)
    dns.txt("example.org", PASS_SPF)
    dns.txt("_dmarc.example.org", "v=DMARC1; p=reject")
    dns.txt("fail.example", "v=spf1 -all")
    dns.txt("nospf.example", "not an SPF record")
    dns.txt("soft.example", "v=spf1 ~all")
    dns.txt("neutral.example", "v=spf1 ?all")
    dns.txt("perm.example", "v=spf1 bogus:x -all")
    dns.zone("temp.example", "refuse")
    dns.txt("_dmarc.relaxed.test", "v=DMARC1; p=reject")
    dns.txt("mail.relaxed.test", PASS_SPF)
    dns.txt("_dmarc.strict.test", "v=DMARC1; p=reject; aspf=s")
    dns.txt("mail.strict.test", PASS_SPF)
    dns.txt("_dmarc.quar.example", "v=DMARC1; p=quarantine")
    dns.txt("_dmarc.testing.example", "v=DMARC1; p=reject; t=y")
    dns.zone("_dmarc.dmtemp.example", "refuse")
    dns.stall("stall.example")


def conf(dns, extra):
    site = 'dns = { servers = ["%s"]; timeout = 5; };' % dns.server
    return dc.SITE.replace("@DNS@", site) + (
        'dkim: { socket = "@SOCKET@"; dns_budget = 2; %s };\n' % extra)


def send(d, raw, mail_from, connect=OUT, helo=HELO, macros=None, qid="Q1SPF"):
    headers, body = mc.parse_message(raw)
    return mc.run_message(d.socket, connect=connect, helo=helo,
                          macros=macros or mc.mta_macros("postfix", qid=qid),
                          mail_from=mail_from, rcpts=["<john@example.net>"],
                          headers=headers, body=body)


def one_ar(res, label):
    values = dc.ar_values(res)              # each checked against RFC 8601
    check(len(values) == 1, "%s: one Authentication-Results" % label, values, res)
    return authres.parse(values[0])


def unsigned(from_addr, extra=()):
    return dc.message(from_addr=from_addr, body="Hello.\r\n", extra_headers=extra)


def spf_of(pl):
    """[(result, identity ptype.property, value, reason)] of the spf results."""
    return [(r.result, "%s.%s" % r.props[0][:2] if r.props else None,
             r.props[0][2] if r.props else None, r.reason) for r in pl.of("spf")]


def dmarc_of(pl, label):
    got = pl.of("dmarc")
    check(len(got) == 1, "%s: one dmarc result" % label, pl.results)
    return got[0]


def spf_cases(d):
    raw = unsigned("a@none.example")
    cases = [("pass", "<b@example.org>", "pass", None),
             ("fail", "<b@fail.example>", "fail", None),
             ("softfail", "<b@soft.example>", "softfail", None),
             ("neutral", "<b@neutral.example>", "neutral", None),
             ("none", "<b@nospf.example>", "none", "no SPF record"),
             ("temperror", "<b@temp.example>", "temperror", ""),
             ("permerror", "<b@perm.example>", "permerror", "")]
    for label, mail_from, want, reason in cases:
        res = send(d, raw, mail_from)
        check(res.final == "continue", "SPF %s: never refused" % label, res.final)
        got = spf_of(one_ar(res, "SPF " + label))
        check(len(got) == 2, "SPF %s: MAIL FROM and HELO results" % label, got)
        check(got[0][:3] == (want, "smtp.mailfrom", mail_from.strip("<>")),
              "SPF %s: spf=%s smtp.mailfrom" % (label, want), got)
        check(reason is None or (got[0][3] is not None and reason in got[0][3]),
              "SPF %s: reason %r" % (label, reason), got)
        check(got[1][:3] == ("pass", "smtp.helo", HELO), "SPF %s: HELO identity" % label, got)
    # The null sender: the MAIL FROM identity is postmaster@HELO, one check.
    res = send(d, raw, "<>")
    got = spf_of(one_ar(res, "<>"))
    check(got == [("pass", "smtp.helo", HELO, None)], "<>: HELO identity alone", got)
    res = send(d, raw, "<>", helo="h.fail.example")
    got = spf_of(one_ar(res, "<> failing HELO"))
    check(got == [("none", "smtp.helo", "h.fail.example", got[0][3])],
          "<>: a HELO name without record", got)
    return len(cases) + 2


def dmarc_cases(d, keys):
    good = dc.dkimpy_signed(keys, "k")          # From a@example.org, d=example.org
    cases = [
        ("DKIM-aligned pass, SPF failing", good, "<b@fail.example>", "pass", "example.org",
         None),
        ("SPF-aligned pass, unsigned", unsigned("a@example.org"), "<b@example.org>", "pass",
         "example.org", None),
        ("relaxed SPF alignment", unsigned("a@relaxed.test"), "<b@mail.relaxed.test>", "pass",
         "relaxed.test", None),
        ("strict SPF alignment (aspf=s)", unsigned("a@strict.test"), "<b@mail.strict.test>",
         "fail", "strict.test", "reject"),
        ("fail, unsigned", unsigned("a@example.org"), "<b@fail.example>", "fail", "example.org",
         "reject"),
        ("fail, body changed", good.replace(b"Bye.", b"Bye!"), "<b@fail.example>", "fail",
         "example.org", "reject"),
        ("none", unsigned("a@none.example"), "<b@example.org>", "none", "none.example", None),
        ("temperror", unsigned("a@dmtemp.example"), "<b@example.org>", "temperror",
         "dmtemp.example", None),
        ("two From fields", unsigned("a@example.org", [("From", "c@quar.example")]),
         "<b@example.org>", "fail", "quar.example", "quarantine"),
        ("two mailboxes in From", unsigned("a@example.org, c@quar.example"),
         "<b@example.org>", "fail", "quar.example", "quarantine"),
        ("t=y lowers reject", unsigned("a@testing.example"), "<b@fail.example>", "fail",
         "testing.example", "quarantine"),
    ]
    for label, raw, mail_from, want, domain, policy in cases:
        res = send(d, raw, mail_from)
        check(res.final == "continue" and not [m for m in res.mods if m[0] == "quarantine"],
              "%s: annotated only (actions off)" % label, res.final, res.mods)
        pl = one_ar(res, label)
        check([r.method for r in pl.results][-1] == "dmarc" and pl.results[0].method == "spf",
              "%s: spf= first, dmarc= last" % label, pl.results)
        r = dmarc_of(pl, label)
        check(r.result == want and r.prop("header", "from") == domain,
              "%s: dmarc=%s header.from=%s" % (label, want, domain), r)
        check(r.prop("policy", "dmarc") == policy, "%s: policy.dmarc=%s" % (label, policy), r)
        if want == "temperror":
            check(r.reason, "%s: a reason" % label, r)
    return len(cases)


def action_cases(d, keys):
    n = 0
    res = send(d, unsigned("a@example.org"), "<b@fail.example>")
    check(res.final.kind == "replycode" and res.final.text.startswith("550 5.7.1 ") and
          "example.org" in res.final.text and not dc.ar_values(res),
          "p=reject failure: 550 5.7.1 naming the domain, no header", res.final)
    # The decision in plain key=value words (the A-R in the line may be cut).
    d.wait_for_log(r"dkim=verify signatures=0 skipped=0 spf=fail dmarc=fail "
                   r"dmarc_domain=example\.org dmarc_policy=reject action=reject ")
    res = send(d, unsigned("a@quar.example"), "<b@example.org>")
    q = [m for m in res.mods if m[0] == "quarantine"]
    check(res.final == "continue" and len(q) == 1 and "quar.example" in q[0][1],
          "p=quarantine failure: quarantined", res.final, res.mods)
    check(dmarc_of(one_ar(res, "quarantined"), "quarantined").result == "fail",
          "quarantined mail is annotated", res.mods)
    res = send(d, unsigned("a@testing.example"), "<b@fail.example>")
    check(res.final == "continue" and [m for m in res.mods if m[0] == "quarantine"],
          "t=y: reject lowered to quarantine, not refused", res.final, res.mods)
    res = send(d, unsigned("a@dmtemp.example"), "<b@example.org>")
    check(res.final.kind == "replycode" and res.final.text.startswith("451 4.4.3 "),
          "dmarc=temperror with on_temperror = tempfail: 451", res.final)
    res = send(d, dc.dkimpy_signed(keys, "k"), "<b@fail.example>")
    check(res.final == "continue", "DMARC pass: accepted", res.final)
    n += 5
    # Never refused: trusted origin (SMTP AUTH from outside, an internal
    # host) and a trusted relay, with a message that fails DMARC p=reject.
    bad = unsigned("a@example.org")
    for label, connect, macros in (
            ("SMTP AUTH", OUT, mc.mta_macros("postfix", qid="Q2", auth_authen="john")),
            ("internal network", dc.INTERNAL, None)):
        res = send(d, bad, "<b@fail.example>", connect=connect, macros=macros)
        check(res.final == "continue" and not dc.ar_values(res),
              "%s: trusted, never judged nor refused" % label, res.final, res.mods)
        n += 1
    res = send(d, bad, "<b@fail.example>", connect=RELAY)
    pl = one_ar(res, "trusted relay")
    check(res.final == "continue" and [r.method for r in pl.results] == ["dkim"],
          "trusted relay: accepted, dkim= only", res.final, pl.results)
    check("trusted relay" in dc.ar_values(res)[0], "trusted relay: said in a comment",
          dc.ar_values(res))
    d.wait_for_log(r"dkim=verify signatures=0 skipped=0 relay=yes action=accept ")
    return n + 1


def budget_case(d, dns):
    """A message whose lookups never get an answer uses up its budget
    (dns_budget = 2 s, below the ~3 s after which libunbound gives up on
    a silent server by itself) and gets temperror; another connection's
    message goes through meanwhile."""
    raw = unsigned("a@stall.example")
    out = {}

    def stalled():
        t0 = time.monotonic()
        try:
            out["res"] = send(d, raw, "<b@stall.example>", qid="QSTALL")
        except BaseException as e:          # re-raised below
            out["res"] = e
        out["elapsed"] = time.monotonic() - t0

    t = threading.Thread(target=stalled, daemon=True)
    t.start()
    # The stalled message has reached MAIL FROM when unbound sees its query.
    wait_for(lambda: "stall.example." in dns.log(), 30, what="the stalled SPF query")
    t0 = time.monotonic()
    res = send(d, dc.message(from_addr="a@example.org"), "<b@example.org>", qid="QFAST")
    fast = time.monotonic() - t0
    check(t.is_alive(), "the other message finished while the stalled one waits "
          "(%.2f s)" % fast, fast)
    check(dmarc_of(one_ar(res, "meanwhile"), "meanwhile").result == "pass",
          "the other message: dmarc=pass", res)
    t.join(60)
    check(not t.is_alive(), "the stalled message ends")
    res = out["res"]
    if isinstance(res, BaseException):
        raise res
    pl = one_ar(res, "stalled")
    spf = spf_of(pl)
    check(spf[0][0] == "temperror" and "time budget spent" in (spf[0][3] or ""),
          "stalled SPF: temperror, budget spent", spf)
    r = dmarc_of(pl, "stalled")
    check(r.result == "temperror" and "time budget spent" in (r.reason or ""),
          "stalled: dmarc=temperror, budget spent", pl.results)
    check(res.final == "continue", "stalled: accepted (on_temperror = accept)", res.final)
    # One budget for the message: SPF spent it at MAIL FROM, so DMARC's
    # lookups at end of message fail at once (a second budget would take
    # 2 s more).
    check(1.8 <= out["elapsed"] <= 3.6, "stalled: ends with its one budget (%.1f s)"
          % out["elapsed"], out["elapsed"])
    log("stalled message: %.1f s; the other one: %.2f s" % (out["elapsed"], fast))
    return 1


def main():
    need_program("/usr/sbin/unbound")
    from mktest.testdns import TestDNS
    with dc.Keys() as keys, TestDNS(ipv6=False) as dns:
        zone(dns, keys)
        dns.start()
        with dc.start(conf(dns, "")) as d:
            n = spf_cases(d)
            n += dmarc_cases(d, keys)
            n += budget_case(d, dns)
            check(d.alive(), "daemon alive")
        actions = ('trusted_relays = ["198.51.100.0/24"];\n'
                   '  dmarc = { on_policy_reject = "reject"; '
                   'on_policy_quarantine = "quarantine"; on_temperror = "tempfail"; };')
        with dc.start(conf(dns, actions)) as d:
            n += action_cases(d, keys)
    print("spf/dmarc checks passed: %d" % n)


run_test(main)
