"""milterkit-check on a Postfix site (mktest.checksite: test DNS, the three
daemons, the Postfix configuration that milterkit-mc generates, applied
with its milterkit-postconf.sh): every check ok and exit 0; then each
failure it must name, with its fix, and the exit status:
  - a socket the Postfix user cannot write to (mode 0600; group root
    instead of socket_group): "mta-access relay" FAIL, with chgrp/chmod;
  - a socket outside the queue directory while submission runs chrooted:
    "mta-access relay" FAIL, with the socket setting that fixes it;
  - something else than a milter on a socket: an SMTP banner, silence
    (bounded by --timeout): "socket dkim" FAIL;
  - a key not published, a key whose record holds another key:
    "key ..." FAIL with the record to publish;
  - masq missing from smtpd_milters, masq called before relay, the
    submission service overriding smtpd_milters without dkim,
    milter_default_action = accept: "mta milters ..." FAIL with the
    postconf command;
  - no submission service in master.cf: "mta submission" FAIL;
  - no DMARC record, an SPF record that does not cover the ISP relay, a
    domain without SPF: warnings only (exit 1), saying that DKIM is what
    aligns then;
  - SPF and DMARC judged by milterkit's own engines (lib/auth): an SPF
    pass that comes through mx, one through an exists: with a
    macro (both "unknown" to the evaluator milterkit-check had before),
    a DMARC policy found at the organizational domain (sp= applies), and
    an invalid DMARC record, which receivers treat as none (RFC 9989
    4.10.1): a warning with the fix;
  - a stopped milter: "socket masq" FAIL (not running), exit 2.
Postfix is not started: milterkit-check reads its configuration with the
unpacked postconf."""

import os
import socket
import threading
import time

from mktest import run_test
from mktest.checksite import SELECTOR, Site, key_entry, make_key, site_records
from mktest.mcsetup import check


def all_ok(s):
    r = s.check()
    check(r.returncode == 0, 'exit %d, want 0' % r.returncode)
    st = s.statuses(r)
    for name in ('config relay', 'config masq', 'config dkim', 'socket relay', 'socket masq',
                 'socket dkim', 'mta postfix', 'mta submission', 'mta-access relay',
                 'mta-access masq', 'mta-access dkim', 'mta milters smtpd_milters (main.cf)',
                 'mta milters non_smtpd_milters (main.cf)', 'key example.net/' + SELECTOR,
                 'dkim example.net', 'spf example.net', 'dmarc example.net',
                 'ptr mail.example.net'):
        check(st.get(name) == 'ok', '%s: %s, want ok' % (name, st.get(name)))
    check(set(st.values()) == {'ok'}, 'not all ok: %s' % st)
    check('chrooted in %s' % s.spool in s.item(r, 'ok', 'mta postfix'), 'chroot not seen')


def unwritable_socket(s):
    sock = os.path.join(s.sockdir, 'relay.sock')
    before = os.stat(sock)
    try:
        # The daemon gives its socket to site.user, here nobody like the
        # Postfix user: root's socket stands for one the Postfix user does not own.
        os.chown(sock, 0, -1)
        os.chmod(sock, 0o600)
        r = s.check()
        check(r.returncode == 2, 'exit %d, want 2' % r.returncode)
        it = s.item(r, 'FAIL', 'mta-access relay')
        check('the postfix user nobody cannot connect to milterkit-relay' in it and
              'mode 0600, owner root, group %s): nobody may not write to it' % s.group in it, it)
        check('socket_mode' in it and 'chmod g+w %s' % sock in it, 'fix: ' + it)
        os.chmod(sock, 0o660)
        os.chown(sock, -1, 0)
        r = s.check()
        it = s.item(r, 'FAIL', 'mta-access relay')
        check('group root, not relay.socket_group "%s"' % s.group in it, it)
        check('chgrp %s %s' % (s.group, sock) in it, 'fix: ' + it)
        s.item(r, 'ok', 'mta-access masq')
    finally:
        os.chown(sock, before.st_uid, before.st_gid)
        os.chmod(sock, before.st_mode & 0o7777)


def outside_chroot(s):
    """relay's socket moved out of the queue directory, where the chrooted
    submission smtpd cannot reach it."""
    outside = s.work.sub('run')
    with open(s.conf) as f:
        text = f.read().replace('unix:%s/relay.sock' % s.sockdir,
                                'unix:%s/relay.sock' % outside)
    conf = s.work.file('outside.conf', text)
    r = s.check(conf=conf)
    it = s.item(r, 'FAIL', 'mta-access relay')
    check("outside Postfix's chroot %s" % s.spool in it, it)
    check('relay.socket = "unix:%s/milterkit/relay.sock"' % s.spool in it, 'fix: ' + it)
    it = s.item(r, 'FAIL', 'mta milters smtpd_milters (main.cf)')
    check('milterkit-relay (unix:%s/relay.sock) is not in it' % outside in it, it)


def not_milters(s):
    """dkim's socket answered by something else: a server that says an SMTP
    banner ("not a milter", what it sent shown), one that accepts and stays
    silent (no answer within --timeout)."""
    def serve(lsock):
        while True:
            try:
                c, _ = lsock.accept()
            except OSError:
                return
            c.sendall(b'220 mail.example.net ESMTP\r\n')
            c.close()

    chatty = socket.socket()
    silent = socket.socket()
    try:
        for l in (chatty, silent):
            l.bind(('127.0.0.1', 0))
            l.listen(8)
        threading.Thread(target=serve, args=(chatty,), daemon=True).start()
        with open(s.conf) as f:
            text = f.read()
        for l, want in ((chatty, 'is not a milter: not a milter packet (packet length over '
                                 'the limit): it sent "220 mail.example.net ESMTP??"'),
                        (silent, 'within 1000 ms')):
            conf = s.work.file('other.conf', text.replace(
                'inet:%d@127.0.0.1' % s.dkim_port, 'inet:%d@127.0.0.1' % l.getsockname()[1]))
            t0 = time.monotonic()
            r = s.check('--timeout', '1', conf=conf)
            check(time.monotonic() - t0 < 30, 'the probe is not bounded')
            it = s.item(r, 'FAIL', 'socket dkim')
            check(want in it, it)
    finally:
        chatty.close()
        silent.close()


def keys(s):
    unpub, _ = make_key(s.work, 'unpub')
    other, _ = make_key(s.work, 'other')
    # "other" has a record, but of the site's key: publish it under that name.
    r = s.check_dns('keys.conf', lambda dns: site_records(
        dns, {'%s._domainkey.example.net' % SELECTOR: s.record,
              'other._domainkey.example.net': s.record}), keys=[
        key_entry('example.net', SELECTOR, s.key), key_entry('example.net', 'unpub', unpub),
        key_entry('example.net', 'other', other)])
    check(r.returncode == 2, 'exit %d, want 2' % r.returncode)
    s.item(r, 'ok', 'key example.net/' + SELECTOR)
    it = s.item(r, 'FAIL', 'key example.net/unpub')
    check('not published' in it and 'publish at unpub._domainkey.example.net' in it, it)
    check('v=DKIM1; k=rsa; p=MI' in it, 'no record in the fix: ' + it)
    it = s.item(r, 'FAIL', 'key example.net/other')
    check('different public key' in it and 'publish at other._domainkey' in it, it)
    key_file_rule(s)


def key_file_rule(s):
    """A key milterkit-dkim would refuse (root's 0600: a reload, as nobody,
    could not read it) is a FAIL, with the daemon's own fix."""
    os.chown(s.key, 0, 0)
    try:
        r = s.check()
    finally:
        os.chown(s.key, 65534, -1)
    check(r.returncode == 2, 'exit %d, want 2' % r.returncode)
    it = s.item(r, 'FAIL', 'key example.net/' + SELECTOR)
    check('milterkit-dkim refuses it' in it and 'chown nobody %s' % s.key in it, it)


def milter_lists(s):
    main = s.postconf('-h', 'smtpd_milters').strip()
    relay, masq, dkim = main.split()
    try:
        s.postconf('-e', 'smtpd_milters = %s %s' % (relay, dkim))
        r = s.check()
        check(r.returncode == 2, 'exit %d' % r.returncode)
        it = s.item(r, 'FAIL', 'mta milters smtpd_milters (main.cf)')
        check('milterkit-masq' in it and 'is not in it' in it and 'unmasqueraded' in it, it)
        check("-e 'smtpd_milters = %s %s %s'" % (relay, masq, dkim) in it, 'fix: ' + it)
        s.item(r, 'ok', 'mta milters non_smtpd_milters (main.cf)')

        s.postconf('-e', 'smtpd_milters = %s %s %s' % (masq, relay, dkim))
        it = s.item(s.check(), 'FAIL', 'mta milters smtpd_milters (main.cf)')
        check('milterkit-relay is called before milterkit-masq' in it or
              'milterkit-masq is called before' in it or 'called before' in it, it)

        s.postconf('-e', 'smtpd_milters = %s' % main)
        s.postconf('-P', 'submission/inet/smtpd_milters=%s,%s' % (relay, masq))
        r = s.check()
        it = s.item(r, 'FAIL', 'mta milters smtpd_milters of submission/inet (master.cf)')
        check('milterkit-dkim' in it and 'unsigned' in it, it)
        check("-P 'submission/inet/smtpd_milters=%s,%s,%s'" % (relay, masq, dkim) in it,
              'fix: ' + it)
        s.item(r, 'ok', 'mta milters smtpd_milters (main.cf)')
        s.postconf('-X', '-P', 'submission/inet/smtpd_milters')

        s.postconf('-e', 'milter_default_action = accept')
        r = s.check()
        for where in ('smtpd_milters (main.cf)', 'non_smtpd_milters (main.cf)'):
            it = s.item(r, 'FAIL', 'mta milters ' + where)
            check('milter_default_action = accept: when milterkit-relay, milterkit-masq, '
                  'milterkit-dkim is down, mail passes unfiltered' in it, it)
            check("-e 'milter_default_action = tempfail'" in it and 'smtpd_milters =' not in it,
                  'fix: ' + it)
    finally:
        s.postconf('-e', 'smtpd_milters = %s' % main, 'milter_default_action = tempfail')
    r = s.check()
    check(r.returncode == 0, 'not ok again after restoring: exit %d' % r.returncode)


def no_submission(s):
    master = os.path.join(s.config_dir, 'master.cf')
    with open(master) as f:
        text = f.read()
    try:
        s.postconf('-M#', 'submission/inet')
        r = s.check()
        it = s.item(r, 'FAIL', 'mta submission')
        check('no smtpd service on port 587' in it and 'milterkit-postconf.sh' in it, it)
    finally:
        with open(master, 'w') as f:
            f.write(text)


def base_records(dns, s):
    """The relay's and the host's addresses, the site's key record."""
    dns.a('smtp.isp.example', '127.0.0.9')
    dns.a('mail.example.net', '127.0.0.5')
    dns.ptr('127.0.0.5', 'mail.example.net')
    dns.txt('%s._domainkey.example.net' % SELECTOR, s.record)


def dns_warnings(s):
    key2, record2 = make_key(s.work, 'org')

    def records(dns):
        base_records(dns, s)
        dns.txt('example.net', 'v=spf1 ip4:192.0.2.1 -all')
        dns.txt('org._domainkey.example.org', record2)

    r = s.check_dns('dns.conf', records, keys=[
        key_entry('example.net', SELECTOR, s.key), key_entry('example.org', 'org', key2)])
    check(r.returncode == 1, 'exit %d, want 1 (warnings only)' % r.returncode)
    it = s.item(r, 'warn', 'spf example.net')
    check('for 127.0.0.9 (smtp.isp.example): fail' in it, it)
    check('DKIM (d=example.net) is then what aligns' in it, it)
    check('add ip4:127.0.0.9' in it, 'fix: ' + it)
    it = s.item(r, 'warn', 'spf example.org')
    check('no SPF record' in it and '"v=spf1 ip4:127.0.0.9 ~all"' in it, it)
    for d in ('example.net', 'example.org'):
        it = s.item(r, 'warn', 'dmarc ' + d)
        check('no DMARC record' in it and '_dmarc.%s' % d in it, it)
    s.item(r, 'ok', 'key example.org/org')


def rfc_dns(s):
    """The site's domain example.net passes SPF through its MX (the ISP
    relay), the key domain news.example.org through exists:%{i} (a record
    per relay address); example.org's DMARC record applies to
    news.example.org as its organizational domain; example.net's record has
    an invalid p= and no rua=."""
    key2, record2 = make_key(s.work, 'news')

    def records(dns):
        base_records(dns, s)
        dns.txt('example.net', 'v=spf1 mx -all')
        dns.mx('example.net', 10, 'smtp.isp.example')
        dns.txt('_dmarc.example.net', 'v=DMARC1; p=bogus')
        dns.txt('news.example.org', 'v=spf1 exists:%{i}._spf.example.org -all')
        dns.a('127.0.0.9._spf.example.org', '127.0.0.2')
        dns.txt('_dmarc.example.org', 'v=DMARC1; p=reject; sp=quarantine; '
                'rua=mailto:dmarc@example.org')
        dns.txt('news._domainkey.news.example.org', record2)

    r = s.check_dns('rfc.conf', records, keys=[
        key_entry('example.net', SELECTOR, s.key), key_entry('news.example.org', 'news', key2)])
    check(r.returncode == 1, 'exit %d, want 1 (a warning)' % r.returncode)
    it = s.item(r, 'ok', 'spf example.net')
    check('v=spf1 mx -all' in it and
          'for 127.0.0.9 (smtp.isp.example): pass, decided by mx' in it, it)
    it = s.item(r, 'ok', 'spf news.example.org')
    check('for 127.0.0.9 (smtp.isp.example): pass, decided by '
          'exists:%{i}._spf.example.org' in it, it)
    it = s.item(r, 'ok', 'dmarc news.example.org')
    check('_dmarc.example.org (the organizational domain of news.example.org): '
          'p=reject sp=quarantine t=n psd=u; receivers apply sp=quarantine' in it, it)
    it = s.item(r, 'warn', 'dmarc example.net')
    check('the DMARC record at _dmarc.example.net has an invalid p=' in it and
          'receivers treat it as no record' in it, it)
    check('fix: correct the record at _dmarc.example.net' in it, 'fix: ' + it)
    statuses = s.statuses(r)
    check([k for k, v in statuses.items() if v != 'ok'] == ['dmarc example.net'],
          'other problems: %s' % statuses)


def stopped_milter(s):
    s.daemons['masq'].stop()
    r = s.check()
    check(r.returncode == 2, 'exit %d, want 2' % r.returncode)
    it = s.item(r, 'FAIL', 'socket masq')
    check('milterkit-masq is not running' in it and 'systemctl start milterkit-masq' in it, it)
    s.item(r, 'ok', 'socket relay')
    r = s.check('-q')
    check(not [l for l in r.stdout.splitlines() if l.startswith('ok ')], '-q printed ok items')
    check('FAIL  socket masq' in r.stdout, '-q lost the problem')


def test():
    with Site('postfix') as s:
        all_ok(s)
        unwritable_socket(s)
        outside_chroot(s)
        not_milters(s)
        keys(s)
        milter_lists(s)
        no_submission(s)
        dns_warnings(s)
        rfc_dns(s)
        stopped_milter(s)


run_test(test)
