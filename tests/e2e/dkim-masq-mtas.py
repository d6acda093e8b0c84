"""dkim-masq-mtas.py - a signature always covers the headers as they
leave, with or without milterkit-masq attached (issue 10 finding 8:
with a masq section in the config and milterkit-masq not attached, 0 of
200 signatures verified, because milterkit-dkim signed its prediction of
masq's rewrite).

milterkit-dkim now makes the masquerade rewrite itself (smfi_chgheader)
and signs what it wrote; the rewrite is idempotent, so milterkit-masq
attached before it (the MTA shows masq's edit: nothing left to do) or
after it (masq sees our edit: nothing left to do) changes nothing more.
On real sendmail 8.17 and Postfix 3.7, for each of

  masq, dkim      (the order milterkit-mc writes)
  dkim only       (masq section in the config, milterkit-masq not attached)
  dkim, masq      (the wrong order)

N messages from john@pc1.home.example.net reach the sink with From
john@example.net and two signatures (RSA, Ed25519) that python3-dkim and
libopendkim verify, all N.  Also: root (an exposed user) leaves untouched
and unsigned, with no Authentication-Results, and milterkit-dkim logs one
notice line saying why.
"""

import os
import re

from mktest import Skip, check, log, run_test, smtp_send
from mktest.mta import (Postfix, Sendmail, masq_milter, milterkit_milter, on_both_mtas,
                        require_postfix, require_sendmail)
from mktest.sink import Sink

from mktest import dkimtest as dc

N = 10
MASQ_EXTRA = 'entire_domain = true; envelope = true; exposed_users = ["root"];'
ORDERS = ("masq,dkim", "dkim", "dkim,masq")


def dkim_milter(keys):
    return milterkit_milter('dkim', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  authserv_id = "mail.example.net";\n'
        '  internal_networks = ["127.0.0.1/32", "::1/128"]; user = "nobody"; };\n'
        'masq: { as = "example.net"; domains = ["home.example.net"]; %s };\n'
        'dkim: { socket = "%s"; keys = %s; key_source = "%s"; };\n'
        % (MASQ_EXTRA, m.socket, keys.config_entries(["example.net"]), keys.source)))


def message(order, i, sender="john"):
    return ('From: "Doe, J." <%s@pc1.home.example.net>\r\n'
            'Reply-To: %s@pc1.home.example.net\r\n'
            'To: someone@example.com\r\n'
            'Subject: %s %s %d\r\n'
            'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
            'Message-ID: <masq-%s-%d@pc1.home.example.net>\r\n'
            '\r\nHello from inside.\r\n' % (sender, sender, sender, order, i,
                                            order.replace(',', '-'), i)).encode()


def run(kind, order, keys):
    with masq_milter(masq_extra=MASQ_EXTRA) as masq, dkim_milter(keys) as dkimd, \
            Sink() as sink:
        specs = {'masq': masq.spec(), 'dkim': dkimd.spec()}
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=[specs[m] for m in order.split(',')]) as mta:
            for i in range(N):
                smtp_send(mta.port, 'john@pc1.home.example.net', ['someone@example.com'],
                          message(order, i), source='127.0.0.1')
            smtp_send(mta.port, 'root@pc1.home.example.net', ['someone@example.com'],
                      message(order, 0, 'root'), source='127.0.0.1')
            msgs = sink.wait(N + 1, timeout=90, show={kind: mta, 'dkim': dkimd})
            dkimd_log = dkimd.log()
        return msgs, dkimd_log


def check_run(kind, order, keys, od, msgs, dlog):
    label = '%s [%s]' % (kind, order)
    verified = 0
    for msg in msgs:
        subject = msg.header('Subject')[0].decode().split()
        frm = msg.header('From')[0].decode()
        ars = dc.ours(msg.header('Authentication-Results'))
        check(not ars, '%s: no Authentication-Results on outbound mail' % label, ars)
        if subject[0] == 'root':
            check('root@pc1.home.example.net' in frm and not msg.header('DKIM-Signature'),
                  '%s: root left unmasqueraded and unsigned' % label, frm)
            check(re.search(r'dkim=unsigned origin=\w+ reason="no key for pc1.home.example.net '
                            r'\(root is an exposed user: not masqueraded\)"', dlog),
                  '%s: the notice line says why' % label, dlog[-2000:])
            continue
        check('john@example.net' in frm and 'pc1' not in frm, '%s: From masqueraded' % label,
              frm)
        check(len(msg.header('DKIM-Signature')) == 2, '%s: two signatures' % label)
        ok = dc.dkimpy_verify_all(msg.data, keys.dnsfunc)
        got, text = od.results(msg.data)
        if ok == [True, True] and sorted(got) == ['pass', 'pass']:
            verified += 1
    check(verified == N, '%s: %d of %d verified' % (label, verified, N))
    log('%s: %d of %d masqueraded and signed messages verify (python3-dkim, libopendkim); '
        'root unsigned with a notice' % (label, verified, N))
    return N + 1


def test():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()
    masq_milter().stop()    # Skip when milterkit-masq is not built
    count = 0
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.make("example.net", "ed1", "ed25519")
        keys.write_source()
        results = {}
        for order in ORDERS:
            for kind, r in on_both_mtas(run, order, keys).items():
                results[(kind, order)] = r
        with dc.OpenDKIMVerifier(keys.records()) as od:
            for (kind, order), r in sorted(results.items()):
                count += check_run(kind, order, keys, od, *r)
    print('masquerade e2e checks passed: %d' % count)


run_test(test)
