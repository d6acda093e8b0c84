"""authres-checker.py - the strict RFC 8601 checker of the test library
(mktest.authres), on a table of Authentication-Results values it must
accept and reject, one line each.  Every A-R field the dkim tests make our
milter emit goes through this checker, so it must itself be right: the
examples of RFC 8601 Appendix B are accepted, and each way a value can
break the grammar (a "/" in an unquoted pvalue, dkim-quoted-printable left
in header.i, an unclosed comment or quote, a missing result, 8-bit text)
is rejected."""

from mktest import check, run_test
from mktest import authres

VALID = [
    # RFC 8601 Appendix B (folds as a milter hands them: "\n" + WSP)
    " example.org 1; none",
    " example.com;\n          spf=pass smtp.mailfrom=example.net",
    " example.com;\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\n"
    "          spf=pass smtp.mailfrom=example.net",
    " example.com;\n          sender-id=fail header.from=example.com;\n"
    "          dkim=pass (good signature) header.d=example.com",
    " example.com;\n          dkim=pass reason=\"good signature\"\n"
    "            header.i=@mail-router.example.net;\n"
    "          dkim=fail reason=\"bad signature\"\n            header.i=@newyork.example.com",
    # what milterkit-dkim writes
    " mail.example.net;\n\tdkim=none",
    " mail.example.net;\n\tdkim=pass header.d=example.org header.i=@example.org "
    "header.a=rsa-sha256 header.s=sel header.b=hXScbcer",
    " mail.example.net;\n\tdkim=pass header.b=\"/gCrinpc\"",
    " mail.example.net;\n\tdkim=pass header.i=jlong@messiah.edu",
    " mail.example.net;\n\tdkim=pass header.i=\"john doe@example.org\"",
    " mail.example.net;\n\tdkim=policy reason=\"l= leaves 3 of 9 body bytes unsigned\" "
    "header.d=example.org",
    " mail.example.net;\n\tdkim=permerror reason=\"tag i= occurs twice\" (5 more signatures "
    "not evaluated)",
    " \"mail example (net)\";\n\tdkim=none",
    " mail.example.net; dkim=pass (a (nested) comment) header.d=example.org",
    " mail.example.net; dkim/1=pass header.d=example.org",
    " mail.example.net; dkim=pass header.i=\"\\\"q\\\"@example.org\"",
    " mail.example.net;\r\n dkim=pass header.d=example.org",
]

INVALID = [
    ("", "empty"),
    (" mail.example.net", "no result"),
    (" mail.example.net;", "nothing after ;"),
    (" mail.example.net; dkim=", "no result keyword"),
    (" mail.example.net; dkim", "no ="),
    (" mail.example.net; dkim=pass header.b=/gCrinpc", "'/' in a bare pvalue"),
    (" mail.example.net; dkim=pass header.b=abc=def", "'=' in a bare pvalue"),
    (" mail.example.net; dkim=pass header.i=jlong=40messiah.edu", "dkim-qp left in header.i"),
    (" mail.example.net; dkim=pass header.i=@localhost", "one-label domain bare"),
    (" mail.example.net; dkim=pass header.i=john doe@example.org", "space in a bare pvalue"),
    (" mail.example.net; dkim=pass (unclosed comment", "unclosed comment"),
    (" mail.example.net; dkim=pass reason=\"unclosed", "unclosed quote"),
    (" mail.example.net; dkim=pass header.d", "property without a value"),
    (" mail.example.net; dkim=pass header=x", "ptype without property"),
    (" mail.example.net; dkim=pass header.d=caf\xe9.example", "8-bit text"),
    (" mail.example.net; dkim=pass\x01", "control character"),
    (" mail.example.net; dkim-=pass", "keyword ending in '-'"),
    (" mail.example.net;\n\n\tdkim=none", "empty line inside"),
    (" mail.example.net; dkim=pass reason=bad reason header.d=x.example", "two reasons"),
    (" mail example; none", "unquoted id with a space"),
]

# Valid ABNF, but not what RFC 8601 registers for the method.
UNREGISTERED = [
    (" mail.example.net; dkim=bogus", "unregistered dkim result"),
    (" mail.example.net; dkim=pass header.x=y", "unregistered dkim property"),
    (" mail.example.net; spf=softfails smtp.mailfrom=a@b.example", "unregistered spf result"),
]


def main():
    for value in VALID:
        why = authres.problem(value)
        check(why is None, "valid: %r" % value, why)
        authres.parse(value)
    for value, what in INVALID:       # the grammar itself rejects them
        check(authres.problem(value) is not None, "invalid (%s) accepted: %r" % (what, value))
    for value, what in UNREGISTERED:
        check(authres.problem(value) is None, "valid ABNF: %r" % value)
        try:
            authres.parse(value)
        except authres.AuthresError:
            continue
        check(False, "%s accepted: %r" % (what, value))
    pl = authres.parse(VALID[4])
    check([(r.method, r.result, r.reason, r.prop("header", "i")) for r in pl.results] ==
          [("dkim", "pass", "good signature", "@mail-router.example.net"),
           ("dkim", "fail", "bad signature", "@newyork.example.com")],
          "structure read back", pl.results)
    pl = authres.parse(VALID[7])
    check(pl.results[0].prop("header", "b") == "/gCrinpc", "quoted pvalue unquoted")
    print("authres checker: %d valid, %d invalid, %d unregistered"
          % (len(VALID), len(INVALID), len(UNREGISTERED)))


run_test(main)
