"""milterkit-mc, Postfix, seed scenario: the main.cf settings (relayhost
[smtp.isp.example]:587 and the sasl_passwd key written exactly like it,
noanonymous, TLS encrypt, milters relay/masq/dkim with tempfail, sockets
inside the chroot written relative to it), the master.cf submission service
(TLS required, AUTH required and only over TLS, ORIGINATING); `--check`
(postconf -n and postfix check on a copy of the installed config) finds
nothing wrong; the generated postconf script applied to a copy of the config
leaves postconf -n and postfix check silent and copies the SASL users into
the chroot; sasl_passwd is 0600 and the password is in no other file.
The queue directory (smtpd's chroot) is the private one of the stand-in
configuration."""

import os
import re
import shutil
import stat
import subprocess

from mktest import Workdir, run_test
from mktest.mta import run_with_pty

from mktest import mcsetup as mc

MAIN = {
    'relayhost': '[smtp.isp.example]:587',
    'smtp_sasl_auth_enable': 'yes',
    'smtp_sasl_security_options': 'noanonymous',
    'smtp_tls_security_level': 'encrypt',
    'milter_default_action': 'tempfail',
    'milter_protocol': '6',
    'smtpd_milters': 'unix:milterkit/relay.sock unix:milterkit/masq.sock '
                     'inet:127.0.0.1:8893',
    'smtpd_sasl_path': 'smtpd',
    'non_smtpd_milters': 'unix:milterkit/relay.sock unix:milterkit/masq.sock '
                         'inet:127.0.0.1:8893',
    'inet_protocols': 'all',
}
MASTER = ['smtpd_tls_security_level=encrypt', 'smtpd_sasl_auth_enable=yes',
          'smtpd_tls_auth_only=yes',
          'smtpd_client_restrictions=permit_sasl_authenticated,reject',
          'milter_macro_daemon_name=ORIGINATING']


def settings(text):
    return dict(re.findall(r'^(\w+) = (.*)$', text, re.M))


def problems(text):
    """Warnings that are about the configuration (not the unpacked tree's
    file ownership, which `postfix check` also reports, nor the chroot's
    copy of the private sasldb differing from the machine's /etc/sasldb2)."""
    return [l for l in text.splitlines()
            if re.search(r'warning:|fatal:|error:', l) and not re.search(
                r'not owned by|not set-gid|group or other writable|'
                r'etc/sasldb2 and /etc/sasldb2 differ', l)]


def test():
    root = mc.postfix_tree()
    with Workdir(prefix='milterkit-mc-') as w:
        base = mc.postfix_base(w)
        spool = os.path.join(w.path, 'spool')
        conf = mc.seed_conf(w, flavor='postfix', config_dir=base, queue=spool,
                            mta_extra='postfix = { queue_directory = "%s"; };' % spool)
        out = w.sub('out')
        env = mc.postfix_env()
        r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out], env=env)
        mc.check(r.returncode == 0, 'generation failed')
        mc.check('outside Postfix' not in r.stderr, 'chroot warning for sockets inside it')
        with open(os.path.join(out, 'milterkit-main.cf')) as f:
            s = settings(f.read())
        for k, v in MAIN.items():
            mc.check(s.get(k) == v, 'main.cf %s = %r, want %r' % (k, s.get(k), v))
        with open(os.path.join(out, 'milterkit-master.cf')) as f:
            master = f.read()
        mc.check(re.search(r'^submission +inet +n +- +y +- +- +smtpd$', master, re.M),
                 'no submission service')
        for o in MASTER:
            mc.check('  -o %s\n' % o in master, 'master.cf lacks -o %s' % o)
        pw = os.path.join(out, 'sasl_passwd')
        mc.check(stat.S_IMODE(os.stat(pw).st_mode) == 0o600, 'sasl_passwd not 0600')
        with open(pw) as f:
            entries = [l for l in f.read().splitlines() if l and not l.startswith('#')]
        mc.check(entries == ['%s home@isp.example:%s' % (MAIN['relayhost'], mc.PASSWORD)],
                 'sasl_passwd entries %r' % entries)
        for name in os.listdir(out):
            p = os.path.join(out, name)
            if os.path.isfile(p) and not name.startswith('sasl_passwd'):
                with open(p, 'rb') as f:
                    mc.check(mc.PASSWORD.encode() not in f.read(),
                             'password in %s' % name)
        with open(os.path.join(out, 'sasl/smtpd.conf')) as f:
            sasl = [l for l in f.read().splitlines() if l and not l.startswith('#')]
        mc.check(sasl == ['pwcheck_method: auxprop', 'auxprop_plugin: sasldb',
                          'sasldb_path: /etc/sasldb2', 'mech_list: PLAIN LOGIN'],
                 'smtpd.conf: %r' % sasl)
        # --check: Postfix's own tools on the installed config + ours; the
        # SASL users are not in the chroot yet, --sync-sasldb copies them.
        r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--check'], env=env)
        mc.check(r.returncode == 1 and re.search(
            r'error: .*/spool/etc/sasldb2: missing\. .*--sync-sasldb', r.stderr),
            '--check: the missing chroot copy not reported')
        r = mc.run_mc(['-c', conf, '--mta-root', root, '--sync-sasldb'], env=env)
        mc.check(r.returncode == 0, '--sync-sasldb failed')
        r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--check'], env=env)
        mc.check(r.returncode == 0 and not mc.errors(r.stderr), '--check failed')
        mc.check('postfix accepts' in r.stderr, 'no verdict from --check')
        os.unlink(os.path.join(spool, 'etc/sasldb2'))
        # The generated script, run with the unpacked postconf, on a copy.
        applied = w.sub('applied')
        for n in ('main.cf', 'master.cf'):
            shutil.copy(os.path.join(base, n), applied)
        shutil.copy(pw, applied)
        e = dict(os.environ, **env)
        e['PATH'] = os.path.join(root, 'usr/sbin') + ':' + e['PATH']
        r = subprocess.run(['sh', os.path.join(out, 'milterkit-postconf.sh'), applied],
                           env=e, capture_output=True, text=True, timeout=120)
        mc.log('postconf script:', r.returncode, r.stdout, r.stderr)
        mc.check(r.returncode == 0 and not problems(r.stderr), 'postconf script failed')
        r = subprocess.run([os.path.join(root, 'usr/sbin/postconf'), '-c', applied, '-n'],
                           env=e, capture_output=True, text=True, timeout=60)
        mc.check(r.returncode == 0 and not problems(r.stderr),
                 'postconf -n: %s' % r.stderr)
        got = settings(r.stdout)
        for k, v in MAIN.items():
            mc.check(got.get(k) == v, 'applied %s = %r' % (k, got.get(k)))
        r = run_with_pty([os.path.join(root, 'usr/sbin/postfix'), '-c', applied, 'check'],
                         env=e)
        mc.log('postfix check:', r.returncode, r.stdout)
        mc.check(r.returncode == 0 and not problems(r.stdout),
                 'postfix check: %s' % r.stdout)
        mc.check(os.path.exists(os.path.join(applied, 'sasl_passwd.db')),
                 'postmap did not run')
        copy = os.path.join(spool, 'etc/sasldb2')
        st = os.stat(copy)
        mc.check(stat.S_IMODE(st.st_mode) == 0o640 and st.st_gid == 65534 and
                 open(copy, 'rb').read() == open(os.path.join(w.path, 'sasldb2'), 'rb').read(),
                 'the script did not copy the SASL users into the chroot')


run_test(test)
