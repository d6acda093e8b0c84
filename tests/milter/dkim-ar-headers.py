"""dkim-ar-headers.py - milterkit-dkim removes EVERY Authentication-Results
field carrying our authserv-id (whatever its method, quoted, in odd case,
behind comments, or unparseable), leaves foreign ones alone, and deletes
from the highest index down (smfi_chgheader indices counted among A-R
fields from 1), on the verify and the sign path; the delivered message on
sendmail and on Postfix holds no forged field.  Also: an 8 KB header field
(signed and verified), and 100 DKIM-Signature fields (only max_signatures
evaluated, the rest reported as not evaluated, no crash)."""
import re

from mktest import check, run_test

from mktest import dkimtest as dc

AR = "Authentication-Results"
# (value, ours?) in message order; A-R index = position among them + 1.
ARS = [
    (" mail.example.net; dkim=pass header.d=example.net", True),              # 1
    (" other.example; spf=pass smtp.mailfrom=example.org", False),           # 2
    (" (forged) MAIL.Example.NET ; ((( garbage that does not parse", True),  # 3
    (" mx.example.org; dkim=fail", False),                                   # 4
    (' "mail.example.net"; arc=pass', True),                                 # 5
    (" mail.example.net.evil.example; dkim=pass", False),                    # 6
    (" mail.example.net", True),                                             # 7
]


def forged_message(extra=(), body=b"Hello.\r\n"):
    # Interleave the A-R fields with others, as in a real message.
    hdrs = []
    for i, (value, _) in enumerate(ARS):
        hdrs.append(("Received", " from hop%d.example.org by mx" % i))
        hdrs.append((AR, value.strip()))
    return dc.message(extra_headers=hdrs + list(extra), body=body)


def check_deletions(res, label):
    dels = [m for m in res.mods if m[0] == "chgheader"]
    want = [("chgheader", i + 1, AR, "") for i in reversed(range(len(ARS))) if ARS[i][1]]
    check(dels == want, "%s: exactly ours deleted, highest index first" % label, dels, want)
    first_insert = min([i for i, m in enumerate(res.mods) if m[0] == "insheader"] or [99])
    check(all(i < first_insert for i, m in enumerate(res.mods) if m[0] == "chgheader"),
          "%s: deletions before insertions" % label, res.mods)
    for mta in ("sendmail", "postfix"):
        left = res.header_values(AR, mta=mta)
        ours = [v for v in left if re.match(r'\s*(\(.*?\))?\s*"?mail\.example\.net"?\s*(;|$)',
                                            v, re.I)]
        foreign = [v for v, o in ARS if not o]
        check([v for v in left if v.strip() in [f.strip() for f in foreign]] and
              len(ours) <= 1, "%s/%s: forged fields gone, foreign kept" % (label, mta), left)
        if ours:
            check(ours[0] == left[0], "%s/%s: our A-R on top" % (label, mta), left)
    return 1


def main():
    count = 0
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.make("example.org", "ext", "rsa")
        keys.write_source()
        with dc.start(dc.dkim_conf(keys, domains=["example.net"])) as d:
            # Verify path (outside), sendmail and Postfix macro sets.
            for mta in ("sendmail", "postfix"):
                res = dc.send(d.socket, forged_message(), connect=dc.OUTSIDE, mta=mta)
                count += check_deletions(res, "verify/" + mta)
                check(len(dc.ar_values(res)) == 1, "our own A-R added", res.mods)
            # Sign path (internal): deleted too, no A-R added.
            res = dc.send(d.socket, forged_message())
            count += check_deletions(res, "sign")
            check(len(dc.signatures(res)) == 1 and not dc.ar_values(res), "signed", res.mods)
            raw = dc.delivered(res, "postfix")
            check(dc.dkimpy_verify_all(raw, keys.dnsfunc) == [True], "signed copy verifies")
            d.wait_for_log(r"Q1DKIM: dkim=removed header=Authentication-Results index=7")

            # An 8 KB header field: signed and verifiable; and verified.
            long_value = " ".join("word%04d" % i for i in range(910))  # ~8.2 KB
            msg = dc.message(extra_headers=[("X-Long", long_value),
                                            ("List-Id", "<l.example.net>")])
            res = dc.send(d.socket, msg)
            raw = dc.delivered(res)
            check(len(dc.signatures(res)) == 1, "8 KB header: signed", res.mods)
            check(dc.dkimpy_verify_all(raw, keys.dnsfunc) == [True], "8 KB header verifies")
            res = dc.send(d.socket, raw, connect=dc.OUTSIDE)
            check(re.search(r"dkim=pass", dc.ar_values(res)[0]), "8 KB header: pass",
                  dc.ar_values(res))
            # A forged 8 KB A-R of ours is removed.
            res = dc.send(d.socket, dc.message(extra_headers=[
                (AR, "mail.example.net; dkim=pass (" + "x" * 8192 + ")")]), connect=dc.OUTSIDE)
            check(("chgheader", 1, AR, "") in res.mods, "8 KB forged A-R removed", res.mods)
            count += 3

            # 100 DKIM-Signature fields: 5 evaluated, 95 reported, no crash.
            dkim = dc.dkimpy()
            base = dc.message(from_addr="a@example.org")
            sig = dkim.sign(base, b"ext", b"example.org",
                            open(keys.keys[("example.org", "ext")][0], "rb").read())
            res = dc.send(d.socket, sig * 100 + base, connect=dc.OUTSIDE)
            ar = dc.ar_values(res)[0]
            check([r for r, _ in dc.ar_results(ar)] == ["pass"] * 5,
                  "100 signatures: 5 evaluated", ar)
            check("(95 more signatures not evaluated)" in ar, "the rest reported", ar)
            junk = b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; d=x%d.example; s=s; "
                            b"b=; bh=;\r\n" % i for i in range(100))
            res = dc.send(d.socket, junk + base, connect=dc.OUTSIDE)
            got = [r for r, _ in dc.ar_results(dc.ar_values(res)[0])]
            check(len(got) == 5 and set(got) == {"permerror"}, "100 broken signatures", got)
            check(d.alive(), "daemon still running")
            count += 2
    print("A-R and header checks passed: %d" % count)


run_test(main)
