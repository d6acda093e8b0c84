"""dkim-verify.py - milterkit-dkim verifies what others signed: python3-dkim
(RSA and Ed25519, all four c=), Debian's OpenDKIM (as a signing milter), and
the RFC 6376 / RFC 8463 example messages shipped with python3-dkim; a
one-byte change in a signed header or in the body gives dkim=fail with a
reason (reason="...", RFC 8601); the Authentication-Results field carries header.d/i/a/s/b (b= cut
to 8 characters) and goes on top (insheader index 0); on_bad_signature
chooses what a failing message gets."""
import os
import re

from mktest import Daemon, check, need_program, run_test

from mktest import dkimtest as dc

CANONS = [(b"relaxed", b"relaxed"), (b"simple", b"simple"), (b"relaxed", b"simple"),
          (b"simple", b"relaxed")]

FOOTBALL = {
    "test._domainkey.football.example.com":
        open(os.path.join(dc.DKIMPY_DATA, "test.txt")).read().strip(),
    "brisbane._domainkey.football.example.com":
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
}

OPENDKIM_SIGN_CONF = """\
Mode                    s
Domain                  example.org
Selector                od
KeyFile                 @TMPDIR@/od.private
Socket                  @SOCKET@
InternalHosts           0.0.0.0/0
Canonicalization        relaxed/simple
Syslog                  no
PidFile                 @TMPDIR@/opendkim.pid
UMask                   007
RequireSafeKeys         no
"""


def verify(d, raw, mta="postfix", qid="QV"):
    res = dc.send(d.socket, raw, connect=dc.OUTSIDE, mta=mta, qid=qid,
                  mail_from="<x@example.org>")
    values = dc.ar_values(res)
    ars = [m for m in res.mods if m[0] == "insheader" and
           m[2].lower() == "authentication-results"]
    check(len(ars) == 1 and ars[0][1] == 0 and values == [ars[0][3]],
          "one A-R inserted at index 0", res.mods)
    check(not dc.signatures(res), "never signs outside mail", res.mods)
    return res, ars[0][3], dc.ar_results(ars[0][3])


def expect(d, raw, want, label, **kw):
    res, value, results = verify(d, raw, **kw)
    got = [r for r, _ in results]
    check(got == want, "%s: %s expected" % (label, want), value)
    check(value.startswith(" mail.example.net;"), "%s: authserv-id first" % label, value)
    return res, value, results


def dkimpy_signed(keys, canon, selector, domain=b"example.org"):
    dkim = dc.dkimpy()
    path, kind, _ = keys.keys[(domain.decode(), selector.decode())]
    msg = dc.message(from_addr="Ann <ann@example.org>", body=b"Hi there.\r\n\r\nBye.\r\n")
    key = dc.ed25519_seed_b64(path) if kind == "ed25519" else open(path, "rb").read()
    sig = dkim.sign(msg, selector, domain, key, canonicalize=canon,
                    signature_algorithm=(b"ed25519-sha256" if kind == "ed25519"
                                         else b"rsa-sha256"),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


def opendkim_signed(keys):
    opendkim = need_program("/usr/sbin/opendkim")
    daemon = Daemon([opendkim, "-f", "-x", "@CONF@"], config=OPENDKIM_SIGN_CONF,
                    socket="inet", conf_name="opendkim.conf", name="opendkim")
    path = keys.keys[("example.org", "od")][0]
    daemon.files["od.private"] = open(path, "rb").read()
    with daemon:
        os.chmod(daemon.path("od.private"), 0o600)
        msg = dc.message(from_addr="Ann <ann@example.org>", folded=True,
                         body=b"Signed by OpenDKIM.\r\n")
        res = dc.send(daemon.socket, msg, connect=dc.INTERNAL,
                      mail_from="<ann@example.org>")
        check(len(dc.signatures(res)) == 1, "opendkim signed", res.mods)
        return dc.delivered(res)


def main():
    count = 0
    with dc.Keys() as keys:
        keys.make("example.org", "rsa", "rsa")
        keys.make("example.org", "ed", "ed25519")
        keys.make("example.org", "od", "rsa")
        keys.extra.update(FOOTBALL)
        keys.write_source()
        from_od = opendkim_signed(keys)
        conf = dc.SITE.replace("@DNS@", "") + (
            'dkim: { socket = "@SOCKET@"; key_source = "%s"; %s };\n' % (keys.source, dc.NO_AUTH))
        with dc.start(conf) as d:
            for canon in CANONS:
                for sel in (b"rsa", b"ed"):
                    raw = dkimpy_signed(keys, canon, sel)
                    label = "dkimpy %s %s" % (sel.decode(), b"/".join(canon).decode())
                    _, value, results = expect(d, raw, ["pass"], label)
                    props = results[0][1]
                    b = re.search(rb"b=([A-Za-z0-9+/= \t\r\n]+)", raw.split(b"bh=")[1])
                    b = re.sub(rb"\s", b"", b.group(1))[:8].decode()
                    alg = "ed25519-sha256" if sel == b"ed" else "rsa-sha256"
                    check(props.get("d") == "example.org" and props.get("s") == sel.decode()
                          and props.get("a") == alg and props.get("b") == b,
                          label + ": header.d/s/a/b", value, b)
                    count += 1
                    # One byte changed in the body, then in a signed header.
                    _, value, res = expect(d, raw.replace(b"Bye.", b"Bye!"), ["fail"],
                                           label + " body changed")
                    check(res[0][1].get("reason") == "body hash did not verify", "reason",
                          value)
                    _, value, res = expect(d, raw.replace(b"Subject: test", b"Subject: Test"),
                                           ["fail"], label + " header changed")
                    check(res[0][1].get("reason") == "signature did not verify", "reason",
                          value)
                    count += 2
            expect(d, from_od, ["pass"], "OpenDKIM-signed")
            expect(d, from_od.replace(b"Signed by", b"signed by"), ["fail"],
                   "OpenDKIM-signed, body changed")
            # RFC 8463 example: Ed25519 and RSA signatures of RFC 6376's message.
            raw = open(os.path.join(dc.DKIMPY_DATA, "rfc6376.signed.msg"), "rb").read()
            _, value, results = expect(d, raw, ["pass", "pass"], "RFC 8463 example")
            check(sorted(p["a"] for _, p in results) == ["ed25519-sha256", "rsa-sha256"],
                  "both algorithms", value)
            check(results[0][1].get("i") == "@football.example.com", "header.i", value)
            raw = open(os.path.join(dc.DKIMPY_DATA, "rfc6376.signed.rsa.msg"), "rb").read()
            expect(d, raw, ["pass"], "RFC 6376 example, RSA")
            expect(d, raw.replace(b"hungry", b"Hungry"), ["fail"], "RFC 6376, body changed")
            # Unsigned: dkim=none; on both MTAs' macro sets.
            expect(d, dc.message(), ["none"], "unsigned", mta="sendmail")
            _, value, _ = verify(d, dc.message())
            check(re.search(r"mail\.example\.net;\s+dkim=none$", value), "dkim=none", value)
            count += 7
        # on_bad_signature = "reject": a failing message is refused; a
        # message with one good and one bad signature passes.
        conf2 = conf.replace('key_source', 'on_bad_signature = "reject"; key_source')
        with dc.start(conf2) as d:
            raw = dkimpy_signed(keys, CANONS[0], b"rsa")
            res = dc.send(d.socket, raw.replace(b"Bye.", b"Bye!"), connect=dc.OUTSIDE)
            check(res.final == "reject", "on_bad_signature=reject", res.final)
            res = dc.send(d.socket, raw, connect=dc.OUTSIDE)
            check(res.final == "continue", "good signature passes", res.final)
            count += 2
    print("verification checks passed: %d" % count)


run_test(main)
