"""milterkit-mc --apply on a private sendmail 8.17 that runs the
sendmail.cf --apply installed:

  - the first --apply installs sendmail.mc, sendmail.cf, the maps and
    sasl/Sendmail.conf.2 into mta.config_dir, links Sendmail.conf on Cyrus
    SASL's path to it (as Debian's update_auth does), and says sendmail is
    not running yet;
  - sendmail started on that .cf relays to the smart host (sink A), and a
    roaming user authenticates on the submission port with the generated
    SASL setup (auxprop, the users in a private sasldb);
  - after a change of the smart host, --apply lists the backups of the files
    it replaces, restarts sendmail (SIGHUP to the .cf's PidFile; sendmail
    execs itself and rewrites that file), and the next message goes to the
    new smart host (sink B).
The harness' private paths (queue, pid file, aliases, ...) reach the .mc
through mta.sendmail.include, the only adaptation; ports and addresses are
milterkit.conf settings.  Cyrus SASL's directory is private: bind-mounted
on /usr/lib/sasl2 in sendmail's mount namespace, MILTERKIT_MC_SASL_PATH for
milterkit-mc."""

import os
import re
import smtplib
import ssl
import subprocess

from mktest import (Skip, Workdir, free_port, private_ns_argv, run_test, smtp_quit, smtp_send,
                    wait_port)
from mktest.mta import Sendmail, require_sendmail
from mktest.sink import Sink

from mktest import mcsetup as mc

# Harness defines that milterkit-mc writes itself.
MC_OWNS = ('SMART_HOST', 'RELAY_MAILER_ARGS', 'ESMTP_MAILER_ARGS', 'SMTP_MAILER_ARGS',
           'confDOMAIN_NAME')


class AppliedSendmail(Sendmail):
    """The private sendmail, run on CONFIG_DIR/sendmail.cf as `milterkit-mc
    --apply` installs it (apply() is called when the work directory
    exists), with SASL_DIR bind-mounted on /usr/lib/sasl2."""

    def __init__(self, sink_port, include, apply, sasl_dir, config_dir):
        super().__init__(sink_port, relay_loopback=False)
        self.include, self.apply = include, apply
        self.sasl_dir, self.config_dir = sasl_dir, config_dir

    def build_cf(self):
        lines = [l for l in self.mc_text().splitlines()
                 if (l.startswith("define(`") and l.split("'")[0][8:] not in MC_OWNS)
                 or l.startswith(("FEATURE(`accept_unresolvable", "FEATURE(`nocanonify"))]
        with open(self.include, 'w') as f:
            f.write('dnl the test harness\' private paths\n' + '\n'.join(lines) + '\n')
        self.apply()
        return os.path.join(self.config_dir, 'sendmail.cf')

    def _ns(self, argv):
        wrapped = ['sh', '-c', 'mount --bind "$0" /usr/lib/sasl2 && exec "$@"',
                   self.sasl_dir] + list(argv)
        return super()._ns(wrapped)


def write_conf(w, etc, sm, sub_port, sink_port, cert, key, sasldb, include):
    return w.file('milterkit.conf', """\
site: { domain = "example.net"; hostname = "mail.example.net";
  internal_networks = ["127.0.0.0/8"];
  submission_daemons = ["MSA"]; };
mta: { flavor = "sendmail"; config_dir = "%s";
  smtp = { port = %d; addresses = ["127.0.0.1"]; };
  submission = { port = %d; addresses = ["127.0.0.1"]; sasldb = "%s";
    tls = { cert = "%s"; key = "%s"; }; };
  smarthost = { host = "127.0.0.1"; port = %d; };
  sendmail = { include = ["%s"]; };
};
""" % (etc, sm.port, sub_port, sasldb, cert, key, sink_port, include))


def apply(w, conf, root, sasl_dir):
    """milterkit-mc --apply in a private UTS namespace (a qualified host name
    for sendmail -bt); returns the CompletedProcess."""
    argv = [mc.tool(), '--templates', os.path.join(mc.srcdir(), 'tools/mc'), '-c', conf,
            '--mta-root', root, '--apply']
    argv, add = private_ns_argv(argv, w.path, 'mail.example.net')
    env = dict(os.environ, MILTERKIT_MC_SASL_PATH=sasl_dir, **add)
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300,
                       start_new_session=True)
    mc.log('--apply:\n' + r.stdout + r.stderr)
    return r


def auth_submit(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = smtplib.SMTP('127.0.0.1', port, timeout=60)
    try:
        s.ehlo('laptop.example.org')
        s.starttls(context=ctx)
        s.ehlo('laptop.example.org')
        s.login('roamer', mc.ROAMERS['roamer'])
        s.sendmail('roamer@example.net', ['friend@example.com'],
                   b'Subject: submitted with AUTH\r\n\r\nhi\r\n')
    finally:
        smtp_quit(s)


def test():
    mc.tool()
    root = mc.sendmail_tree()
    require_sendmail()
    if not os.path.isdir('/usr/lib/sasl2'):
        raise Skip('/usr/lib/sasl2 missing (nothing to bind-mount on)')
    with Workdir(prefix='milterkit-mc-') as w:
        cert, key = mc.make_cert(w)
        sasldb = mc.make_sasldb(w)
        etc = w.sub('etc-mail')
        sasl_dir = w.sub('sasl2')
        include = os.path.join(w.path, 'private.m4')
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        sub_port = free_port()
        with Sink(tls_context=ctx) as a, Sink(tls_context=ctx) as b:
            results = []
            sm = AppliedSendmail(a.port, include, lambda: results.append(
                apply(w, conf, root, sasl_dir)), sasl_dir, etc)
            conf = write_conf(w, etc, sm, sub_port, a.port, cert, key, sasldb, include)
            with sm:
                r = results[0]
                mc.check(r.returncode == 0, 'first --apply failed')
                mc.check('sendmail is not running' in r.stderr, 'no "not running" note')
                link = os.path.join(sasl_dir, 'Sendmail.conf')
                mc.check(os.readlink(link) == os.path.join(etc, 'sasl/Sendmail.conf.2'),
                         'Sendmail.conf not linked')
                try:
                    smtp_send(sm.port, 'someone@example.net', ['friend@example.com'],
                              b'Subject: before\r\n\r\nhi\r\n')
                    wait_port(sub_port, proc=sm.proc, what='submission')
                    auth_submit(sub_port)
                    a.wait(2, timeout=60)
                    # A new smart host: --apply restarts sendmail with it.
                    write_conf(w, etc, sm, sub_port, b.port, cert, key, sasldb, include)
                    r = apply(w, conf, root, sasl_dir)
                    mc.check(r.returncode == 0, 'second --apply failed')
                    mc.check(re.search(r'restarted sendmail \(pid \d+, SIGHUP\)',
                                       r.stderr), 'not restarted')
                    saved = re.findall(r'backup: (\S+) saved as \S+\.milterkit-\d{8}-\d{6}$',
                                       r.stderr, re.M)
                    mc.check({'sendmail.mc', 'sendmail.cf'} <= set(map(os.path.basename,
                                                                        saved)),
                             'backups listed: %s' % saved)
                    smtp_send(sm.port, 'someone@example.net', ['friend@example.com'],
                              b'Subject: after\r\n\r\nhi\r\n')
                    msg = b.wait(1, timeout=60)[0]
                    mc.check(b'Subject: after' in msg.data, 'not the new message')
                    mc.check(len(a.messages) == 2, 'the old smart host still used')
                finally:
                    mc.log('sendmail log:\n' + sm.log()[-6000:])


run_test(test)
