"""dkim-ar-strict.py - every Authentication-Results field milterkit-dkim
writes follows RFC 8601's grammar, whatever the signature it reports
holds (issue 10 finding 7: "header.b=/gCrinpc" is not a token and must be
a quoted-string; "header.i=jlong=40messiah.edu" is i= still in its
dkim-quoted-printable form).

A corpus of signatures (b= starting with "/", "+" or "=" characters, i=
with =40, =20, =22, =5C, a one-label domain, l= tails, many signatures,
an authserv-id that is not a token) is verified; each field goes through
mktest.authres (strict RFC 8601 ABNF), and the values read back are the
decoded ones: header.i the address itself, header.b the first 8
characters of b=.  With MKTEST_AUTHRES_TALLY=FILE the fields are only
counted (ok/bad) in FILE: how the "before" count was measured with the
previous binary.
"""

import os
import re

from mktest import check, run_test

from mktest import dkimtest as dc

TALLY = bool(os.environ.get("MKTEST_AUTHRES_TALLY"))


def signed(keys, **kw):
    dkim = dc.dkimpy()
    msg = dc.message(from_addr="a@example.org", body=b"Hello.\r\n")
    pem = open(keys.keys[("example.org", "k")][0], "rb").read()
    return dkim.sign(msg, b"k", b"example.org", pem, **kw) + msg


def edit(raw, old, new):
    head, sep, rest = raw.partition(b"\r\nFrom:")
    check(re.search(old, head), "edit %r applies" % old, head)
    return re.sub(old, new, head, count=1) + sep + rest


def b_value(raw):
    b = re.search(rb"\bb=([^;]*)", raw.split(b"bh=")[1]).group(1)
    return re.sub(rb"\s", b"", b).decode()


# (label, raw-message maker, expected header.i or None)
def corpus(keys):
    good = signed(keys)
    out = [("plain", good, "@example.org")]
    for lead in ("/", "+", "=", "/+"):
        out.append(("b= starting %r" % lead, edit(good, rb"\bb=", b"b=" + lead.encode()),
                    "@example.org"))
    for enc, dec in ((b"jlong=40messiah.edu", "jlong@messiah.edu"),
                     (b"john=20doe=40example.org", "john doe@example.org"),
                     (b"=22q=22=40example.org", '"q"@example.org'),
                     (b"back=5Cslash=40example.org", "back\\slash@example.org"),
                     (b"=40localhost", "@localhost"),
                     (b"bad=4", "bad=4"),
                     (b"=C3=A9t=C3=A9=40example.org", "=C3=A9t=C3=A9=40example.org")):
        out.append(("i=%s" % enc.decode(), edit(good, rb"\bi=[^;]*;", b"i=" + enc + b";"), dec))
    out.append(("l= tail", signed(keys, length=True) + b"tail\r\n", "@example.org"))
    out.append(("20 signatures", b"".join(signed(keys).split(b"\r\nFrom:")[0] + b"\r\n"
                                          for _ in range(20)) + good, "@example.org"))
    for i in range(20):
        out.append(("random #%d" % i, signed(keys), "@example.org"))
    return out


def main():
    count = 0
    with dc.Keys() as keys:
        keys.make("example.org", "k", "rsa")
        keys.write_source()
        cases = corpus(keys)
        for authserv in ("mail.example.net", "mail example (net)"):
            site = dc.SITE.replace("@DNS@", "").replace(
                'authserv_id = "mail.example.net"', 'authserv_id = "%s"' % authserv)
            conf = site + ('dkim: { socket = "@SOCKET@"; key_source = "%s"; %s };\n'
                           % (keys.source, dc.NO_AUTH))
            with dc.start(conf) as d:
                for label, raw, want_i in cases:
                    res = dc.send(d.socket, raw, connect=dc.OUTSIDE, mta="postfix")
                    values = dc.ar_values(res)      # each checked against RFC 8601
                    check(len(values) == 1, "%s: one A-R" % label, res.mods)
                    count += 1
                    if TALLY:
                        continue
                    pl = dc.authres.parse(values[0])
                    check(pl.authserv_id == authserv, "%s: authserv-id" % label, values[0])
                    first = pl.of("dkim")[0]
                    check(first.prop("header", "i") == want_i, "%s: header.i decoded" % label,
                          values[0], want_i)
                    check(first.prop("header", "b") == b_value(raw)[:8],
                          "%s: header.b" % label, values[0])
    print("strict A-R checks passed: %d fields" % count)


run_test(main)
