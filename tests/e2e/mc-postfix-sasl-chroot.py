"""The SASL setup milterkit-mc generates, on a private Postfix 3.7 whose
submission smtpd runs chrooted in its queue directory (as Debian ships it):

  - `--check` before the users are copied fails with the path of the missing
    chroot copy and the command that makes it (issue 9, blocker 4);
  - `--apply` writes the settings with postconf, copies the sasldb into the
    chroot (root, group of mail_owner, 0640), reloads Postfix (the new
    submission service comes up: the reload took effect), and a roaming user
    made with saslpasswd2 authenticates with PLAIN and LOGIN and relays;
  - a user added later cannot log in until the copy is refreshed: `--check`
    says the copy differs, `--sync-sasldb` copies it, then the user can;
  - a copy Postfix cannot read (root-only, the blocker as a newcomer met
    it: 454 4.7.0) is reported by `--check` with the fix; `--apply` repairs
    it.
The private Postfix runs as mail_owner nobody; the sasldb is a private
file (mta.submission.sasldb), never /etc/sasldb2."""

import os
import re
import smtplib
import ssl
import stat
import subprocess

from mktest import Workdir, free_port, run_test, smtp_quit, wait_port
from mktest.mta import Postfix, require_postfix
from mktest.sink import Sink

from mktest import mcsetup as mc

USERS = {'john': 'J0hn-on-the-road'}


def conf_text(w, pf, sink, sub_port, cert, key, sasldb):
    return w.file('milterkit.conf', """\
site: { domain = "example.net"; hostname = "mail.example.net";
  internal_networks = ["127.0.0.0/8"];
  submission_daemons = ["ORIGINATING"]; };
mta: { flavor = "postfix"; config_dir = "%s";
  smtp = { families = ["inet"]; };
  submission = { port = %d; addresses = ["127.0.0.1"]; families = ["inet"];
    sasldb = "%s";
    tls = { cert = "%s"; key = "%s"; }; };
  smarthost = { host = "127.0.0.1"; port = %d; };
  postfix = { chroot = true; queue_directory = "%s"; };
};
""" % (pf.config_dir, sub_port, sasldb, cert, key, sink.port, pf.queue_dir))


def login(port, user, password, mechanism='PLAIN'):
    """STARTTLS, AUTH; returns the AUTH reply code (235 ok, 535 refused,
    454 temporary failure)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = smtplib.SMTP('127.0.0.1', port, timeout=60)
    try:
        s.ehlo('laptop.example.org')
        s.starttls(context=ctx)
        s.ehlo('laptop.example.org')
        s.user, s.password = user, password
        try:
            code, _ = s.auth(mechanism, getattr(s, 'auth_' + mechanism.lower()),
                             initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as e:
            return e.smtp_code
        if code == 235:
            s.sendmail('%s@example.net' % user, ['friend@example.com'],
                       b'Subject: via the chrooted submission\r\n\r\nhi\r\n')
        return code
    finally:
        smtp_quit(s)


def test():
    mc.tool()
    require_postfix()
    root = mc.postfix_tree()
    env = mc.postfix_env()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, key = mc.make_cert(w)
        sasldb = mc.make_sasldb(w, USERS)
        os.chown(sasldb, 0, 0)  # root:root 0640, as saslpasswd2 -f makes it
        sink_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        sink_ctx.load_cert_chain(cert, key)
        sub_port = free_port()
        tlsmgr = 'tlsmgr    unix  -       -       n       1000?   1       tlsmgr'
        with Sink(tls_context=sink_ctx) as sink, \
                Postfix(sink.port, master_cf=[tlsmgr]) as pf:
            conf = conf_text(w, pf, sink, sub_port, cert, key, sasldb)
            copy = os.path.join(pf.queue_dir, 'etc/sasldb2')
            args = ['-c', conf, '--mta-root', root]

            # 1. The copy is missing: --check says where and how.
            r = mc.run_mc(args + ['--check'], env=env)
            mc.check(r.returncode == 1 and re.search(
                r'error: %s: missing\.  Postfix\'s smtpd runs chrooted in %s as user nobody '
                r'.*run milterkit-mc -c %s --sync-sasldb \(or: install -m 0640 -o root '
                r'-g nogroup %s %s\)' % tuple(map(re.escape, (copy, pf.queue_dir, conf, sasldb,
                                                              copy))), r.stderr),
                '--check does not report the missing copy with its fix')

            # 2. --apply: settings, copy, reload.
            r = mc.run_mc(args + ['--apply'], env=env)
            mc.check(r.returncode == 0, '--apply failed')
            mc.check(re.search(r'backup: %s saved as %s\.milterkit-\d{8}-\d{6}\n'
                               % ((re.escape(os.path.join(pf.config_dir, 'main.cf')),) * 2),
                               r.stderr), 'main.cf backup not listed')
            mc.check('reloaded Postfix (postfix -c %s reload)' % pf.config_dir in r.stderr,
                     'no reload')
            st = os.stat(copy)
            mc.check(st.st_uid == 0 and st.st_gid == 65534 and
                     stat.S_IMODE(st.st_mode) == 0o640, 'copy not root:nogroup 0640')
            wait_port(sub_port, proc=pf.proc, what='the submission service after reload')
            service = pf.postconf('-M', '127.0.0.1:%d/inet' % sub_port)
            mc.check(re.match(r'127\.0\.0\.1:%d +inet +n +- +y ' % sub_port, service),
                     'submission smtpd not chrooted: %s' % service)
            for mech in ('PLAIN', 'LOGIN'):
                code = login(sub_port, 'john', USERS['john'], mech)
                mc.check(code == 235, 'AUTH %s through the chroot: %s' % (mech, code))
            msgs = sink.wait(2, timeout=60)
            mc.check(all(m.mail_from == 'john@example.net' for m in msgs), 'relayed mail')

            # 3. A new user: not there until the copy is refreshed.
            subprocess.run(['saslpasswd2', '-p', '-c', '-f', sasldb, '-u', mc.REALM, 'jane'],
                           input=b'jane-pw', check=True, timeout=30)
            mc.check(login(sub_port, 'jane', 'jane-pw') == 535, 'jane before the copy')
            r = mc.run_mc(args + ['--check'], env=env)
            mc.check(r.returncode == 1 and re.search(
                r'error: %s: differs from the user database .*--sync-sasldb'
                % re.escape(copy), r.stderr), '--check: stale copy not reported')
            r = mc.run_mc(args + ['--sync-sasldb'], env=env)
            mc.check(r.returncode == 0, '--sync-sasldb failed')
            mc.check(login(sub_port, 'jane', 'jane-pw') == 235, 'jane after the copy')

            # 4. A copy Postfix cannot read: 454, reported with the fix.
            os.chown(copy, 0, 0)
            mc.check(login(sub_port, 'john', USERS['john']) == 454,
                     'an unreadable copy did not fail as the blocker did')
            r = mc.run_mc(args + ['--check'], env=env)
            mc.check(r.returncode == 1 and re.search(
                r'error: %s: Postfix\'s smtpd cannot read it\. .*install -m 0640 -o root '
                r'-g nogroup' % re.escape(copy), r.stderr), '--check: unreadable copy')
            r = mc.run_mc(args + ['--apply'], env=env)
            mc.check(r.returncode == 0, '--apply (repair) failed')
            mc.check(login(sub_port, 'john', USERS['john']) == 235, 'john after the repair')
            mc.log('postfix log:\n' + pf.log()[-3000:])


run_test(test)
