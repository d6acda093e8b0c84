"""make-corpus.py - writes the fixed messages of tests/unit/test_dkim_verify.c
(run once with python3-dkim; the .eml files are committed).

Keys: ../rsa2048-pkcs1.pem (selectors rsa, test, two, dupkey, absent, slow),
../rsa1024.pem (k1024), ../ed25519-dknewkey.key (ed).  The key records are
built by the unit test from the same files, so nothing here goes stale: the
signatures carry t= and no x=.  Edited signatures (q=, a tag twice, i=)
no longer verify cryptographically; they test the verdicts decided before.
"""
import os
import re
import sys

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
MSG = (b"From: Ann <ann@example.org>\r\nTo: john@example.net\r\n"
       b"Subject: fixed message\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <fixed@example.org>\r\n\r\nHello.\r\nBye.\r\n")
HDRS = [b"from", b"to", b"subject", b"date", b"message-id"]


def key(name):
    return open(os.path.join(DATA, name), "rb").read()


def sign(sel, keyfile="rsa2048-pkcs1.pem", msg=MSG, **kw):
    return dkim.sign(msg, sel.encode(), b"example.org", key(keyfile), include_headers=HDRS,
                     canonicalize=(b"relaxed", b"relaxed"), **kw) + msg


def edit(raw, old, new):
    head, sep, rest = raw.partition(b"\r\nFrom:")
    new_head, n = re.subn(old, new, head, count=1)
    assert n == 1, old
    return new_head + sep + rest


def main():
    good = sign("rsa")
    out = {
        "pass-rsa": good,
        "pass-ed25519": sign("ed", "ed25519-dknewkey.key", signature_algorithm=b"ed25519-sha256"),
        "rsa-sha1": sign("rsa", signature_algorithm=b"rsa-sha1"),
        "testing": sign("test"),
        "q-unknown": edit(good, rb"q=dns/txt;", b"q=foo/bar;"),
        "i-twice": edit(good, rb"\bs=rsa;", b"s=rsa; i=@example.org; i=@example.org;"),
        "i-qp": edit(good, rb"\bi=@example.org;", b"i=jlong=40example.org;"),
        "l-full": sign("rsa", length=True),
        "l-tail": sign("rsa", length=True) + b"Appended, not signed.\r\n",
        "two-records": sign("two"),
        "dup-key-tag": sign("dupkey"),
        "no-key": sign("absent"),
        "tempfail": sign("slow"),
        "body-changed": good.replace(b"Bye.", b"Bye!"),
        "small-key": sign("k1024", "rsa1024.pem"),
        "unsigned": MSG,
    }
    for name, raw in out.items():
        with open(os.path.join(HERE, name + ".eml"), "wb") as fh:
            fh.write(raw)
    print("wrote %d messages" % len(out), file=sys.stderr)


main()
