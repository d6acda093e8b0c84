#!/usr/bin/python3
"""tests/e2e/relay-auth.py - SMTP AUTH through real Postfix and sendmail
(Cyrus SASL, PLAIN, a private sasldb): an authenticated client relays from
a host milterkit-relay would otherwise refuse (forged PTR), and a login
sending as someone else is refused 553 5.7.1 (relay.sender_logins); the
decisions are the same on both MTAs.  Exit 0 pass, 1 fail, 77 skip (MTAs
not unpacked, relay milter not built, saslpasswd2 missing, or the MTA
does not offer AUTH with the private SASL configuration)."""

import os
import shutil
import smtplib
import subprocess
import time

from mktest import Skip, Workdir, log, run_test, smtp_connect, smtp_quit
from mktest.mta import (Postfix, Sendmail, milterkit_milter, require_postfix,
                 require_sendmail)
from mktest.sink import Sink
from mktest.testdns import TestDNS

REALM = 'mail.example.net'
USERS = {'alice': 'alice-secret', 'bob': 'bob-secret'}
# Bare logins: Postfix reports {auth_authen} as alice@mail.example.net (the
# realm), sendmail as alice; the milter falls back from ours to the bare one.
LOGINS = 'alice alice@example.net\nbob bob@example.net, @example.com\n'
MSG = b'Subject: relay auth e2e\r\n\r\nhi\r\n'
SASL_CONF = ('pwcheck_method: auxprop\nauxprop_plugin: sasldb\n'
             'mech_list: PLAIN LOGIN\nsasldb_path: %s\n')


class SaslSendmail(Sendmail):
    """The private sendmail, with SASL_DIR bind-mounted on /usr/lib/sasl2
    inside its own mount namespace: sendmail cleans its environment (no
    SASL_CONF_PATH) and Cyrus reads Sendmail.conf from its built-in path."""

    def __init__(self, *args, sasl_dir=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sasl_dir = sasl_dir

    def _ns(self, argv):
        wrapped = ['sh', '-c', 'mount --bind "$0" /usr/lib/sasl2 && exec "$@"',
                   self.sasl_dir] + list(argv)
        return super()._ns(wrapped)


def relay_milter(dns):
    return milterkit_milter('relay', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  internal_networks = ["10.255.255.0/24"]; user = "nobody";\n'
        '  dns = { servers = ["%s"]; timeout = 1; }; };\n'
        'relay: { socket = "%s"; local_domains = ["example.net"];\n'
        '  sender_logins = "%s"; };\n'
        % (dns.server, m.socket, m.work.file('sender_logins', LOGINS))))


def make_sasldb(work):
    tool = shutil.which('saslpasswd2') or '/usr/sbin/saslpasswd2'
    if not os.access(tool, os.X_OK):
        raise Skip('saslpasswd2 not installed (sasl2-bin)')
    db = os.path.join(work.path, 'sasldb2')
    for user, pw in USERS.items():
        subprocess.run([tool, '-f', db, '-c', '-p', '-u', REALM, user],
                       input=pw.encode(), check=True, timeout=30)
    os.chmod(db, 0o644)
    work.file('smtpd.conf', SASL_CONF % db)
    work.file('Sendmail.conf', SASL_CONF % db)
    return db


def attempt(port, source, login, mail_from, rcpt='someone@example.org'):
    s = smtp_connect(port, source=source)
    try:
        if login:
            if not s.has_extn('auth'):
                raise Skip('the MTA offers no AUTH: %r' % s.esmtp_features)
            s.login(login, USERS[login])
        code, text = s.mail(mail_from)
        if code != 250:
            return ('mail', code, text.decode('utf-8', 'replace'))
        code, text = s.rcpt(rcpt)
        if code == 250:
            s.data(MSG)
        return ('rcpt', code, text.decode('utf-8', 'replace'))
    finally:
        smtp_quit(s)


CASES = [
    # (what, login, sender, expected (stage, code), phrase)
    ('no AUTH from a forged host', None, 'alice@example.net', ('rcpt', 550), 'possibly forged'),
    ('AUTH relays from a forged host', 'alice', 'alice@example.net', ('rcpt', 250), None),
    ('AUTH bob, domain entry', 'bob', 'x@example.com', ('rcpt', 250), None),
    ('login sending as someone else', 'alice', 'bob@example.net', ('mail', 553),
     'not owned by user alice'),
]


def run_mta(kind, dns, sasl):
    decisions = []
    with relay_milter(dns) as milter, Sink() as sink:
        if kind == 'sendmail':
            mta = SaslSendmail(sink.port, sasl_dir=sasl.path, milters=[milter.spec()], mc_lines=[
                "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl",
                "TRUST_AUTH_MECH(`PLAIN LOGIN')dnl",
                "define(`confAUTH_REALM', `%s')dnl" % REALM])
        else:
            mta = Postfix(sink.port, milters=[milter.spec()], main_cf={
                'smtpd_sasl_auth_enable': 'yes', 'smtpd_sasl_type': 'cyrus',
                'smtpd_sasl_path': 'smtpd', 'smtpd_sasl_local_domain': REALM,
                'smtpd_sasl_security_options': 'noanonymous'})
        with mta:
            if kind == 'postfix':
                # Debian's Postfix reads $config_directory/sasl/smtpd.conf
                # (not cyrus_sasl_config_path); smtpd reads it at start.
                os.makedirs(os.path.join(mta.config_dir, 'sasl'), exist_ok=True)
                shutil.copy(os.path.join(sasl.path, 'smtpd.conf'),
                            os.path.join(mta.config_dir, 'sasl', 'smtpd.conf'))
                r = mta.postfix('reload')
                if r.returncode != 0:
                    raise AssertionError('postfix reload: %s' % r.stdout)
                time.sleep(1.5)
            for what, login, sender, (stage, code), phrase in CASES:
                try:
                    got = attempt(mta.port, '127.0.0.7', login, sender)
                except smtplib.SMTPException as e:
                    raise AssertionError('%s: %s: %s\n%s' % (kind, what, e, mta.log()[-4000:]))
                if got[:2] != (stage, code) or (phrase and phrase not in got[2]):
                    raise AssertionError('%s: %s: want %s %s %r, got %r\n%s\n%s'
                                         % (kind, what, stage, code, phrase, got,
                                            mta.log()[-3000:], milter.log()[-2000:]))
                decisions.append((what, got[0], got[1]))
                log('ok: %s: %s: %s %s' % (kind, what, got[0], got[1]))
        for line in milter.log().splitlines():
            if 'binding=' in line:      # shows {auth_authen} as this MTA sends it
                log('%s: %s' % (kind, line))
        if 'origin=auth' not in milter.log():
            raise AssertionError('milter log shows no authenticated client:\n' + milter.log())
    return decisions


def test():
    require_sendmail()
    require_postfix()
    with Workdir(prefix='milterkit-sasl-') as sasl, TestDNS() as dns:
        os.chmod(sasl.path, 0o755)
        make_sasldb(sasl)
        dns.ptr('127.0.0.7', 'ggl.home.example.net')
        dns.a('ggl.home.example.net', '198.51.100.8')
        dns.start()
        pf = run_mta('postfix', dns, sasl)
        sm = run_mta('sendmail', dns, sasl)
    if sm != pf:
        raise AssertionError('decisions differ:\nsendmail %r\npostfix  %r' % (sm, pf))
    log('identical AUTH decisions on sendmail and postfix: %d' % len(sm))


run_test(test)
