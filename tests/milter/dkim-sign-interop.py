"""dkim-sign-interop.py - every signature milterkit-dkim makes verifies with
python3-dkim and with libopendkim (Debian's opendkim as a verifying milter):
RSA-2048 and Ed25519 dual signatures, all four c= combinations, folded and
unfolded headers, empty, 8-bit and 5 MB bodies, on the header list as
sendmail and as Postfix deliver it.  A signature is made only for mail of
trusted origin with a key for its From domain (or a parent domain with
sign_subdomains); the masquerade rewrite of the masq section is made by
milterkit-dkim itself (a chgheader) and signed, so the signature verifies
whether milterkit-masq ran before (the rewrite is then a no-op) or not at
all.  What is not signed, and why, is in tests/milter/dkim-sign-decisions.py."""

from mktest import milterclient as mc
from mktest import check, run_test

from mktest import dkimtest as dc

CANONS = ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"]
MASQ = ('masq: { as = "example.net"; domains = ["home.example.net"]; entire_domain = true; '
        'exposed_users = ["root"]; };')


def bodies():
    return [("plain", b"Hello,\r\nthis is the body.\r\n"),
            ("empty", b""),
            ("8bit", "Grüße aus Köln \u2014 ça va?\r\n\r\n\r\n".encode("utf-8")),
            ("trailing-space", b"line with spaces   \r\n\ttab line\t\r\n\r\n")]


def check_signed(res, keys, opendkim, label, mtas=("sendmail", "postfix")):
    sigs = dc.signatures(res)
    check(len(sigs) == 2, "%s: two signatures (RSA and Ed25519)" % label, res.mods)
    algs = sorted(__import__("re").search(r"a=([\w-]+)", s).group(1) for s in sigs)
    check(algs == ["ed25519-sha256", "rsa-sha256"], "%s: algorithms" % label, algs)
    check(not dc.ar_values(res), "%s: no Authentication-Results on the sign path" % label)
    for mta in mtas:
        raw = dc.delivered(res, mta)
        verdicts = dc.dkimpy_verify_all(raw, keys.dnsfunc)
        check(verdicts == [True, True], "%s/%s: python3-dkim verifies both" % (label, mta),
              verdicts, raw[:3000])
        if opendkim is not None:
            got, text = opendkim.results(raw)
            check(sorted(got) == ["pass", "pass"],
                  "%s/%s: libopendkim verifies both" % (label, mta), text, raw[:3000])
    return 1


def main():
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.make("example.net", "ed1", "ed25519")
        keys.make("other.example", "o1", "rsa")
        keys.write_source()
        with dc.OpenDKIMVerifier(keys.records()) as od:
            count = sum(run_canon(keys, od, canon) for canon in CANONS)
            count += run_others(keys, od)
    print("signing checks passed: %d" % count)


def run_canon(keys, od, canon):
    count = 0
    conf = dc.dkim_conf(keys, 'canonicalization = "%s"; sign_subdomains = true;' % canon,
                        masq=MASQ)
    with dc.start(conf) as d:
        for bname, body in bodies():
            for folded in (False, True):
                label = "%s/%s/%s" % (canon, bname, "folded" if folded else "unfolded")
                res = dc.send(d.socket, dc.message(body=body, folded=folded))
                count += check_signed(res, keys, od, label)
        # Masquerading: milterkit-masq did not run (we rewrite From
        # ourselves, and sign that) or it ran before us (the rewrite is a
        # no-op): both verify as delivered.
        orig = dc.message(from_addr="John <john@pc1.home.example.net>")
        res = dc.send(d.socket, orig)
        check(res.mods_of("chgheader") == [("chgheader", 1, "From",
                                             " John <john@example.net>")],
              canon + ": From masqueraded by milterkit-dkim", res.mods)
        count += check_signed(res, keys, od, canon + "/masq-not-attached")
        shown = orig.replace(b"john@pc1.home.example.net", b"john@example.net")
        res = dc.send(d.socket, shown)
        check(not res.mods_of("chgheader"), canon + ": masqueraded already: no edit", res.mods)
        count += check_signed(res, keys, od, canon + "/masq-before")
        # Subdomain: a parent's keys sign with sign_subdomains.
        res = dc.send(d.socket, dc.message(from_addr="x@lists.example.net"))
        count += check_signed(res, keys, od, canon + "/subdomain")
        check(all("d=example.net;" in s for s in dc.signatures(res)), "d= parent")
    return count


def run_others(keys, od):
    count = 0
    with dc.start(dc.dkim_conf(keys, "", masq=MASQ)) as d:
        # One 5 MB body, streamed.
        big = (b"0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ  \r\n"
               * 80000)[:5 * 1024 * 1024]
        res = dc.send(d.socket, dc.message(body=big + b"\r\n"))
        count += check_signed(res, keys, od, "5MB", mtas=("postfix",))
        # A single-key domain: one signature, the algorithm of its key.
        res = dc.send(d.socket, dc.message(from_addr="a@other.example"))
        sigs = dc.signatures(res)
        check(len(sigs) == 1 and "a=rsa-sha256" in sigs[0] and "d=other.example" in sigs[0],
              "other.example: one RSA signature", sigs)
        check(dc.dkimpy_verify_all(dc.delivered(res), keys.dnsfunc) == [True],
              "other.example verifies")
        # Without sign_subdomains a subdomain is not signed.
        res = dc.send(d.socket, dc.message(from_addr="x@lists.example.net"))
        check(not dc.signatures(res), "subdomain not signed by default", res.mods)
        # No key for the From domain: not signed, no Authentication-Results.
        res = dc.send(d.socket, dc.message(from_addr="a@nokey.example"))
        check(not dc.signatures(res) and not dc.ar_values(res) and res.final == "continue",
              "no key: left unsigned, no A-R", res.mods)
        # Outside client claiming our domain: verified, never signed.
        res = dc.send(d.socket, dc.message(), connect=dc.OUTSIDE, mta="postfix")
        check(not dc.signatures(res), "outside client claiming example.net not signed",
              res.mods)
        ars = dc.ar_values(res)
        check(len(ars) == 1 and "dkim=none" in ars[0], "outside: dkim=none", ars)
        # AUTH from outside, and the submission daemon: trusted, signed.
        res = dc.send(d.socket, dc.message(), connect=dc.OUTSIDE,
                      macros=mc.mta_macros("postfix", qid="QAUTH", auth_authen="john"))
        check(len(dc.signatures(res)) == 2, "authenticated client signed", res.mods)
        res = dc.send(d.socket, dc.message(), connect=dc.OUTSIDE,
                      macros=mc.mta_macros("sendmail", qid="QMSA", daemon_name="MSA"))
        check(len(dc.signatures(res)) == 2, "submission daemon signed", res.mods)
        # Several SMTP sessions on one milter connection (SMFIC_QUIT_NC: no
        # new negotiation): the later ones are signed just as well.
        client = None
        for i in range(3):
            res = mc.run_message(d.socket, connect=dc.INTERNAL,
                                 macros=mc.mta_macros("postfix", qid="QNC%d" % i),
                                 mail_from="<john@example.net>", rcpts=["<x@example.org>"],
                                 message=dc.message(folded=True), client=client, quit=False)
            client = res.client
            check(dc.dkimpy_verify_all(dc.delivered(res, "postfix"), keys.dnsfunc) ==
                  [True, True], "session %d after QUIT_NC verifies" % i, res.mods)
            client.quit_nc()
        client.quit()
        # Two From fields: cannot be signed: dkim.on_unsignable (tempfail).
        res = dc.send(d.socket, dc.message(extra_headers=[("From", "b@example.net")]))
        check(not dc.signatures(res) and res.final.kind == "replycode" and
              res.final.text.startswith("451 4.7.0"), "two From fields: tempfail", res)
        count += 7
    return count


run_test(main)
