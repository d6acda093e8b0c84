"""milterkit-mc --diff and --apply on a running private Postfix 3.7 (its
own -c configuration directory):

  - --diff shows the `postconf -n` and `postconf -M` changes (before/after)
    and the new files, and writes nothing;
  - --apply changes main.cf and master.cf with postconf, lists a
    timestamped backup of each, reloads Postfix, and the new setting takes
    effect: mail goes to the new smart host (sink B, not the harness' sink
    A) without a restart;
  - a second --apply with nothing changed replaces nothing and leaves no
    backup behind;
  - when a step fails after the first write (here the reload, through a
    stand-in `postfix` that fails on "reload"), every file is put back as
    it was and no backup is left.
"""

import glob
import os
import re
import ssl

from mktest import Workdir, run_test, smtp_send
from mktest.mta import Postfix, require_postfix
from mktest.sink import Sink

from mktest import mcsetup as mc

FAILING_POSTFIX = """#!/bin/sh
# stands in for postfix: everything but "reload" goes to the real one
for a in "$@"; do
  if [ "$a" = reload ]; then echo "postfix/postfix-script: fatal: reload refused (test)" >&2; exit 1; fi
done
exec {real} "$@"
"""


def conf_text(w, pf, sink_port, sasldb):
    return w.file('milterkit.conf', """\
site: { domain = "example.net"; hostname = "mail.example.net";
  internal_networks = ["127.0.0.0/8"];
  submission_daemons = ["ORIGINATING"]; };
mta: { flavor = "postfix"; config_dir = "%s";
  smtp = { families = ["inet"]; };
  submission = { enable = false; sasldb = "%s"; };
  smarthost = { host = "127.0.0.1"; port = %d; };
  postfix = { chroot = false; queue_directory = "%s"; };
};
""" % (pf.config_dir, sasldb, sink_port, pf.queue_dir))


def snapshot(d):
    return {os.path.relpath(p, d): open(p, 'rb').read()
            for p in glob.glob(os.path.join(d, '**'), recursive=True) if os.path.isfile(p)}


def failing_root(w, root):
    """An MTA root whose postfix fails on reload; the rest is the real one."""
    fake = w.sub('failroot')
    for rel in ('usr/sbin/postconf', 'usr/sbin/postmap', 'usr/lib/postfix'):
        os.makedirs(os.path.dirname(os.path.join(fake, rel)), exist_ok=True)
        os.symlink(os.path.join(root, rel), os.path.join(fake, rel))
    w.file('failroot/usr/sbin/postfix',
           FAILING_POSTFIX.format(real=os.path.join(root, 'usr/sbin/postfix')), mode=0o755)
    return fake


def test():
    mc.tool()
    require_postfix()
    root = mc.postfix_tree()
    env = mc.postfix_env()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, key = mc.make_cert(w)
        sasldb = mc.make_sasldb(w)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        tlsmgr = 'tlsmgr    unix  -       -       n       1000?   1       tlsmgr'
        with Sink(tls_context=ctx) as a, Sink(tls_context=ctx) as b, \
                Postfix(a.port, master_cf=[tlsmgr]) as pf:
            conf = conf_text(w, pf, b.port, sasldb)
            args = ['-c', conf, '--mta-root', root]
            before = snapshot(pf.config_dir)

            # --diff: the postconf changes and the new files, nothing written.
            r = mc.run_mc(args + ['--diff'], env=env)
            mc.check(r.returncode == 0, '--diff failed')
            mc.check(re.search(r'^--- postconf -n \(%s, now\)\n\+\+\+ postconf -n \(after '
                               r'--apply\)$' % re.escape(pf.config_dir), r.stdout, re.M),
                     'no postconf -n diff')
            mc.check('-relayhost = [127.0.0.1]:%d\n' % a.port in r.stdout and
                     '+relayhost = [127.0.0.1]:%d\n' % b.port in r.stdout,
                     'relayhost change not shown')
            mc.check('+milter_protocol = 6\n' in r.stdout, 'milter settings not shown')
            mc.check(re.search(r'^new file %s/milterkit-main\.cf \(mode 0644\):$'
                               % re.escape(pf.config_dir), r.stdout, re.M),
                     'new file not shown')
            mc.check(snapshot(pf.config_dir) == before, '--diff wrote something')

            # --apply: backups listed, reload, the new smart host is used.
            r = mc.run_mc(args + ['--apply'], env=env)
            mc.check(r.returncode == 0, '--apply failed')
            backups = re.findall(r'backup: (\S+) saved as (\S+\.milterkit-\d{8}-\d{6})$',
                                 r.stderr, re.M)
            # master.cf: no submission service here, so unchanged, no backup.
            mc.check([os.path.basename(p) for p, _ in backups] == ['main.cf'],
                     'backups listed: %s' % backups)
            for path, backup in backups:
                mc.check(open(backup, 'rb').read() ==
                         before[os.path.basename(path)], '%s: not the old file' % backup)
            mc.check('reloaded Postfix' in r.stderr, 'no reload')
            mc.check(pf.postconf('-h', 'relayhost').strip() == '[127.0.0.1]:%d' % b.port,
                     'relayhost not set')
            smtp_send(pf.port, 'someone@example.net', ['friend@example.com'],
                      b'Subject: after --apply\r\n\r\nhi\r\n')
            try:
                b.wait(1, timeout=60)
            finally:
                mc.log('postfix log:\n' + pf.log()[-4000:])
            mc.check(len(a.messages) == 0, 'the old smart host still used')

            # Nothing changed: nothing replaced, no backup left.
            applied = snapshot(pf.config_dir)
            r = mc.run_mc(args + ['--apply'], env=env)
            mc.check(r.returncode == 0 and 'backup:' not in r.stderr and
                     snapshot(pf.config_dir) == applied, 'a second --apply changed files')

            # A failing reload: everything put back, no backup left.
            conf = conf_text(w, pf, a.port, sasldb)
            r = mc.run_mc(['-c', conf, '--mta-root', failing_root(w, root), '--apply'],
                          env=env)
            mc.check(r.returncode == 1 and 'reload refused (test)' in r.stderr and
                     'putting the files back as they were' in r.stderr, 'no rollback')
            mc.check(re.search(r'restored %s/main\.cf from ' % re.escape(pf.config_dir),
                               r.stderr), 'main.cf not restored')
            mc.check(snapshot(pf.config_dir) == applied, 'files differ after the rollback')
            mc.check(pf.postconf('-h', 'relayhost').strip() == '[127.0.0.1]:%d' % b.port,
                     'relayhost changed despite the rollback')


run_test(test)
