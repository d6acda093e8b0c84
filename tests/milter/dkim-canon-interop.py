"""dkim-canon-interop.py - one body canonicalization that libopendkim,
python3-dkim and Mail::DKIM all verify (issue 10 finding 6).

A corpus of bodies with bare CR, bare LF, CR before CRLF, NUL, no final
CRLF, trailing white space and empty lines, and a bare CR on a 64 KB chunk
boundary, is signed with each of the four c= combinations; the message as
the next hop receives it (the milter's edits applied, the body it replaced
if it did, and the final CRLF every MTA puts before the end of DATA) must
verify with:
  - python3-dkim (dkim.verify),
  - Mail::DKIM (libmail-dkim-perl), fed the bytes as they are,
  - libopendkim (Debian's opendkim as a verifying milter).
Before: "one\\rtwo\\r\\n" signed relaxed gave libopendkim "body hash did
not verify" (its relaxed canonicalization drops a bare CR, the others keep
it).  Now a body with a bare CR or bare LF is replaced (SMFIR_REPLBODY)
by the same body with CRLF there, and that is what is signed; a clean
body is never replaced.  With max_body_rewrite = 0 such a body cannot be
signed: dkim.on_unsignable (tempfail).
"""

from mktest import check, run_test

from mktest import dkimtest as dc

CANONS = ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"]

# (name, body, body expected after the rewrite or None when kept as is)
CORPUS = [
    ("bare-cr", b"one\rtwo\r\n", b"one\r\ntwo\r\n"),
    ("bare-lf", b"one\ntwo\r\n", b"one\r\ntwo\r\n"),
    ("bare-cr-wsp", b"one \r two\r\n", b"one \r\n two\r\n"),
    ("cr-crlf", b"one\r\r\ntwo\r\n", b"one\r\n\r\ntwo\r\n"),
    ("lf-cr", b"a\n\rb\r\n", b"a\r\n\r\nb\r\n"),
    ("cr-at-end", b"one\r\ntwo\r", b"one\r\ntwo\r\n"),
    ("only-cr", b"\r", b"\r\n"),
    ("nul", b"one\x00two\r\n\x00\r\n", None),
    ("no-final-crlf", b"one\r\ntwo", None),
    ("trailing-ws-lines", b"text\r\n  \r\n\t\r\n\r\n", None),
    ("trailing-wsp", b"text  \r\nmore\t\r\n \t \r\n", None),
    ("empty", b"", None),
    ("empty-lines", b"\r\n\r\n", None),
    ("cr-on-chunk-boundary", dc.on_chunk_boundary(b"\r"), dc.on_chunk_boundary(b"\r\n")),
    ("crlf-on-chunk-boundary", dc.on_chunk_boundary(b"\r\n"), None),
]


def on_the_wire(body):
    """The body as an MTA sends it on: SMTP ends DATA with CRLF "." CRLF,
    so a last line without CRLF gets one."""
    return body if body == b"" or body.endswith(b"\r\n") else body + b"\r\n"


def check_verifiers(raw, keys, od, label):
    got = dc.dkimpy_verify_all(raw, keys.dnsfunc)
    check(got == [True], "%s: python3-dkim verifies" % label, got, raw[-300:])
    got = dc.mail_dkim_verify_all(raw, keys.records())
    check([r for r, _ in got] == ["pass"], "%s: Mail::DKIM verifies" % label, got, raw[-300:])
    got, text = od.results(raw)
    check(got == ["pass"], "%s: libopendkim verifies" % label, text, raw[-300:])


def main():
    count = 0
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.write_source()
        with dc.OpenDKIMVerifier(keys.records()) as od:
            for canon in CANONS:
                conf = dc.dkim_conf(keys, 'canonicalization = "%s";' % canon)
                with dc.start(conf) as d:
                    for name, body, fixed in CORPUS:
                        label = "%s/%s" % (canon, name)
                        res = dc.send(d.socket, dc.message(body=b""), qid="QCANON", body=body)
                        check(res.final == "continue" and len(dc.signatures(res)) == 1,
                              "%s: signed" % label, res.final, res.mods[:3])
                        new = res.mods_of("replbody")
                        check((fixed is None and not new) or
                              (fixed is not None and new and res.body_after() == fixed),
                              "%s: body replaced only with CRLF where it had bare CR/LF"
                              % label, res.body_after()[:200])
                        res.body = on_the_wire(res.body)
                        for mta in ("sendmail", "postfix"):
                            head = dc.delivered(res, mta)
                            check_verifiers(head, keys, od, "%s/%s" % (label, mta))
                        count += 1
                    d.wait_for_log(r'QCANON: dkim=body-rewritten bare_cr_lf=1 ')
            conf = dc.dkim_conf(keys, 'max_body_rewrite = 0;')
            with dc.start(conf) as d:
                res = dc.send(d.socket, dc.message(), qid="QNOREWRITE", body=b"one\rtwo\r\n")
                check(res.final.kind == "replycode" and res.final.text.startswith("451 4.7.0")
                      and not dc.signatures(res), "max_body_rewrite = 0: tempfail", res)
                d.wait_for_log(r'QNOREWRITE: dkim=unsignable action=tempfail reason="the body '
                               r'has a bare CR or LF and is over max_body_rewrite \(0 bytes\)')
                res = dc.send(d.socket, dc.message(body=b"clean\r\n" * 1000))
                check(len(dc.signatures(res)) == 1 and not res.mods_of("replbody"),
                      "max_body_rewrite = 0: a clean body is signed", res)
                count += 2
    print("canonicalization interop checks passed: %d" % count)


run_test(main)
