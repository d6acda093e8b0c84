"""dkim-sign-verify-mtas.py - milterkit-dkim behind real sendmail 8.17 and
Postfix 3.7, after milterkit-masq in the milter chain:

  1. internal mail (client 127.0.0.1, in site.internal_networks) from
     john@pc1.home.example.net is masqueraded to john@example.net and
     signed (RSA and Ed25519); the copy the sink receives verifies with
     python3-dkim, both signatures;
  2. external mail (client 127.0.0.9, not internal) signed by python3-dkim
     for example.org arrives with "Authentication-Results: mail.example.net;
     dkim=pass" on top, and is not signed by us;
  3. a forged Authentication-Results carrying our authserv-id in that
     external mail never reaches the mailbox (the other, foreign one does).
"""

import os
import re

from mktest import Skip, log, run_test, smtp_send
from mktest.mta import (Postfix, Sendmail, masq_milter, milterkit_milter, on_both_mtas,
                        require_postfix, require_sendmail)
from mktest.sink import Sink

from mktest import dkimtest as dc

MASQ_EXTRA = 'entire_domain = true; envelope = true;'


def dkim_milter(keys):
    return milterkit_milter('dkim', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  authserv_id = "mail.example.net";\n'
        '  internal_networks = ["127.0.0.1/32", "::1/128"]; user = "nobody"; };\n'
        'masq: { as = "example.net"; domains = ["home.example.net"]; %s };\n'
        'dkim: { socket = "%s"; keys = %s; key_source = "%s"; };\n'
        % (MASQ_EXTRA, m.socket, keys.config_entries(["example.net"]), keys.source)))


def internal_message(kind):
    return ('From: "Doe, J." <john@pc1.home.example.net>\r\n'
            'To: someone@example.com\r\n'
            'Subject: signed on %s\r\n'
            'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
            'Message-ID: <dkim-int-%s@e2e.example.net>\r\n'
            '\r\nHello from inside.\r\n' % (kind, kind)).encode()


def external_message(keys, kind):
    dkim = dc.dkimpy()
    msg = ('From: Ann <ann@example.org>\r\n'
           'To: john@example.net\r\n'
           'Subject: from outside via %s\r\n'
           'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
           'Message-ID: <dkim-ext-%s@example.org>\r\n'
           '\r\nHello from outside.\r\n' % (kind, kind)).encode()
    key = open(keys.keys[("example.org", "ext")][0], "rb").read()
    sig = dkim.sign(msg, b"ext", b"example.org", key)
    forged = (b"Authentication-Results: mail.example.net; dkim=pass header.d=example.net\r\n"
              b"Authentication-Results: mx.example.org; spf=pass\r\n")
    return forged + sig + msg


def run(kind, keys):
    with masq_milter(masq_extra=MASQ_EXTRA) as masq, dkim_milter(keys) as dkimd, \
            Sink() as sink:
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=[masq.spec(), dkimd.spec()]) as mta:
            smtp_send(mta.port, 'john@pc1.home.example.net', ['someone@example.com'],
                      internal_message(kind), source='127.0.0.1')
            smtp_send(mta.port, 'ann@example.org', ['john@example.net'],
                      external_message(keys, kind), source='127.0.0.9')
            msgs = sink.wait(2, timeout=40, show={kind: mta, 'dkim': dkimd})
        by_subject = {}
        for msg in msgs:
            subj = msg.header('Subject')[0].decode().strip()
            by_subject[subj.split()[0]] = msg
        return by_subject, dkimd_log_tail(dkimd)


def dkimd_log_tail(m):
    return m.log()[-3000:]


def check_internal(kind, msg, keys, dlog):
    frm = [v.decode() for v in msg.header('From')]
    assert frm and 'john@example.net' in frm[0], (kind, frm)
    assert msg.mail_from == 'john@example.net', (kind, msg.mail_from)
    sigs = [v for n, v in msg.headers() if n.lower() == 'dkim-signature']
    assert len(sigs) == 2, (kind, msg.data[:2000], dlog)
    verdicts = dc.dkimpy_verify_all(msg.data, keys.dnsfunc)
    assert verdicts == [True, True], (kind, verdicts, msg.data[:3000].decode('utf-8', 'replace'),
                                      dlog)


def check_external(kind, msg):
    ars = [v.decode() for v in msg.header('Authentication-Results')]
    ours = dc.ours(ars)
    assert len(ours) == 1, (kind, ars)
    assert re.search(r'dkim=pass\b.*header\.d=example\.org', ours[0], re.S), (kind, ours)
    assert 'header.d=example.net' not in ' '.join(ours), ('forged A-R delivered', kind, ars)
    assert any('mx.example.org' in v for v in ars), ('foreign A-R kept', kind, ars)
    assert not msg.header('DKIM-Signature')[1:], ('external mail signed by us', kind)


def test():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()
    masq_milter().stop()    # Skip when milterkit-masq is not built
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.make("example.net", "ed1", "ed25519")
        keys.make("example.org", "ext", "rsa")
        keys.write_source()
        for kind, (msgs, dlog) in on_both_mtas(run, keys).items():
            check_internal(kind, msgs['signed'], keys, dlog)
            check_external(kind, msgs['from'])
            log('%s: internal mail masqueraded and signed (verifies), external '
                'dkim=pass, forged A-R removed' % kind)


run_test(test)
