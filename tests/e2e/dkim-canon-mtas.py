"""dkim-canon-mtas.py - what leaves each MTA verifies with libopendkim,
python3-dkim and Mail::DKIM, for bodies with bare CR, bare LF, NUL,
trailing white space and a bare CR on a 64 KB chunk boundary (issue 10
finding 6), signed by milterkit-dkim behind real sendmail 8.17 and Postfix
3.7 on loopback.

What each MTA does with such bodies (measured with a milter tap and the
sink, tests/e2e and README):
  - Postfix 3.7.11 (cleanup_replace_stray_cr_lf = yes, its default) makes
    a bare CR a space before milters see it; a bare LF ends a line;
  - Postfix with cleanup_replace_stray_cr_lf = no passes a bare CR to
    milters and on to the next hop;
  - Debian's sendmail 8.17.1.9 refuses bare CR and bare LF with 421
    (srv_features 'u' and 'g', its default);
  - sendmail with srv_features U and G passes a bare CR to milters and on;
    a bare LF ends a line.
Each MTA runs in both settings.  milterkit-dkim replaces a body holding a
bare CR or LF by the CRLF form it signs (SMFIR_REPLBODY); the copy the sink
receives must verify with all three verifiers.  A body the MTA refuses is
not sent on (the test checks the refusal, not a signature).

Not covered, and documented in milterkit-dkim(8): sendmail with
srv_features U hides from milters a CR just before a line end ("a\\r\\r\\n"
reaches the milter as "a\\r\\n" and leaves as "a\\r\\r\\n"), so no milter can
sign such a body so that it verifies.
"""

import os
import smtplib

from mktest import Skip, check, log, run_test, smtp_send
from mktest.mta import (Postfix, Sendmail, milterkit_milter, on_both_mtas, require_postfix,
                        require_sendmail)
from mktest.sink import Sink

from mktest import dkimtest as dc

BODIES = [
    ("bare-cr", b"one\rtwo\r\n", True),
    ("bare-lf", b"one\ntwo\r\n", True),
    ("bare-cr-wsp", b"one \r two\r\n", True),
    ("lf-cr", b"a\n\rb\r\n", True),
    ("nul", b"one\x00two\r\n", False),
    ("trailing-ws", b"text  \r\n  \r\n\t\r\n\r\n", False),
    ("cr-on-chunk-boundary", dc.on_chunk_boundary(b"\r"), True),
]


def dkim_milter(keys, canon):
    return milterkit_milter('dkim', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  authserv_id = "mail.example.net";\n'
        '  internal_networks = ["127.0.0.1/32", "::1/128"]; user = "nobody"; };\n'
        'dkim: { socket = "%s"; keys = %s; key_source = "%s"; canonicalization = "%s"; };\n'
        % (m.socket, keys.config_entries(["example.net"]), keys.source, canon)))


def message(name, body):
    return (b'From: John <john@example.net>\r\nTo: someone@example.com\r\n'
            b'Subject: canon %s\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
            b'Message-ID: <canon-%s@e2e.example.net>\r\n\r\n' % (name.encode(), name.encode())
            ) + body


def run(kind, lax, keys, canon):
    """Sends every body; returns ({name: raw received}, {name: refusal})."""
    with dkim_milter(keys, canon) as dkimd, Sink() as sink:
        if kind == 'sendmail':
            mta = Sendmail(sink.port, milters=[dkimd.spec()],
                           mc_lines=['LOCAL_SRV_FEATURES', 'R$*\t$# U G'] if lax else [])
        else:
            mta = Postfix(sink.port, milters=[dkimd.spec()],
                          main_cf={'cleanup_replace_stray_cr_lf': 'no'} if lax else {})
        refused, sent = {}, []
        with mta:
            for name, body, odd in BODIES:
                try:
                    smtp_send(mta.port, 'john@example.net', ['someone@example.com'],
                              message(name, body), source='127.0.0.1')
                    sent.append(name)
                except smtplib.SMTPException as e:
                    refused[name] = e
            msgs = sink.wait(len(sent), timeout=90, show={kind: mta, 'dkim': dkimd})
        got = {}
        for msg in msgs:
            got[msg.header('Subject')[0].decode().split()[-1]] = msg.data
        return got, refused


def check_run(kind, lax, canon, keys, od, got, refused):
    label0 = '%s%s %s' % (kind, '-lax' if lax else '', canon)
    for name, body, odd in BODIES:
        label = '%s/%s' % (label0, name)
        if kind == 'sendmail' and not lax and odd:
            check(name in refused and '421' in str(refused[name]),
                  '%s: refused by sendmail (bare CR/LF)' % label, refused)
            continue
        check(name in got, '%s: delivered' % label, sorted(got), refused)
        raw = got[name]
        body = raw.split(b'\r\n\r\n', 1)[1]
        check(b'\r' not in body.replace(b'\r\n', b'') and b'\n' not in body.replace(b'\r\n', b''),
              '%s: no bare CR or LF leaves the MTA' % label, body[:200])
        check(dc.dkimpy_verify_all(raw, keys.dnsfunc) == [True],
              '%s: python3-dkim verifies' % label, raw[-300:])
        md = dc.mail_dkim_verify_all(raw, keys.records())
        check([r for r, _ in md] == ['pass'], '%s: Mail::DKIM verifies' % label, md)
        res, text = od.results(raw)
        check(res == ['pass'], '%s: libopendkim verifies' % label, text)
    return len(BODIES)


def test():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()
    count = 0
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.write_source()
        results = {}
        for canon in ('relaxed/relaxed', 'simple/simple'):
            for lax in (False, True):
                for kind, r in on_both_mtas(run, lax, keys, canon).items():
                    results[(kind, lax, canon)] = r
        with dc.OpenDKIMVerifier(keys.records()) as od:
            for (kind, lax, canon), r in sorted(results.items()):
                count += check_run(kind, lax, canon, keys, od, *r)
                log('%s%s %s: every body delivered verifies with libopendkim, python3-dkim '
                    'and Mail::DKIM' % (kind, ' (bare CR/LF allowed)' if lax else '', canon))
    print('canonicalization e2e checks passed: %d' % count)


run_test(test)
