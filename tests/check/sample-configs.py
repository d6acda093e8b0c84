"""sample-configs.py - the installed samples work as the README uses them.

Both installed samples (milterkit.conf for Postfix as Debian ships it,
examples/milterkit-sendmail.conf for sendmail) are copied to a test
directory that stands for SYSCONFDIR/milterkit (and for the socket and
runtime directories), with site.user the test's daemon user.  Then:
  - milterkit-masq -n and milterkit-relay -n accept them as they are;
  - milterkit-dkim -n refuses them until the README's key step is done
    (the keys named in the sample do not exist yet), and accepts them
    after it: milterkit-keygen for selectors 202611 (RSA) and 202611e
    (Ed25519) into keys/example.net, then the keys given to site.user;
  - the Postfix sample puts every socket in Postfix's spool with
    socket_group "postfix" and the SASL method of the README's sasldb
    step; the sendmail sample differs from it only in the sockets (in
    /run/milterkit-NAME) and mta.flavor.
"""
import difflib
import os
import re
import shutil
import subprocess

from mktest import (Workdir, built, check, give_key, key_base, run_test,
                    run_user, top_srcdir)
from mktest.install import Installed

DAEMONS = ('masq', 'relay', 'dkim')


def read(path):
    with open(path) as f:
        return f.read()


def run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def localize(text, sysconf, d):
    """The sample with its paths moved into the test directory d."""
    text = text.replace(sysconf + '/milterkit', d)
    text = text.replace('/var/spool/postfix/milterkit/', d + '/spool/')
    text = re.sub(r'/run/milterkit-(\w+)/', d + r'/run-\1/', text)
    return text.replace('user = "milterkit";', 'user = "%s";' % run_user())


def check_sample(name, sample, inst, w):
    sysconf = inst.var('sysconfdir')
    d = w.sub(name)
    conf = os.path.join(d, 'milterkit.conf')
    with open(conf, 'w') as f:
        f.write(localize(read(sample), sysconf, d))
    shutil.copy(inst.path('sysconfdir', 'milterkit', 'access'), os.path.join(d, 'access'))
    for daemon in ('masq', 'relay'):
        rc, out = run([built('milters', daemon, 'milterkit-' + daemon), '-n', '-c', conf])
        check(rc == 0 and 'configuration OK' in out, '%s: milterkit-%s -n' % (name, daemon), out)
    dkim = built('milters', 'dkim', 'milterkit-dkim')
    rc, out = run([dkim, '-n', '-c', conf])
    check(rc == 1 and 'dkim.keys[0].key: example.net/202611: ' in out,
          '%s: milterkit-dkim -n wants the keys of the README step first' % name, out)
    # The README's key step, in d instead of /etc/milterkit.
    keys = os.path.join(d, 'keys', 'example.net')
    os.makedirs(keys)
    keygen = built('tools', 'keygen', 'milterkit-keygen')
    for args in (['-s', '202611'], ['-s', '202611e', '-a', 'ed25519']):
        rc, out = run([keygen, '-d', 'example.net', '-D', keys] + args)
        check(rc == 0, 'milterkit-keygen ' + ' '.join(args), out)
    for sel in ('202611', '202611e'):
        give_key(os.path.join(keys, sel + '.private'))
    rc, out = run([dkim, '-n', '-c', conf])
    check(rc == 0 and 'configuration OK' in out,
          '%s: milterkit-dkim -n after the key step' % name, out)


def check_postfix_layout(text):
    for daemon in DAEMONS:
        section = re.search(r'(?ms)^%s: \{(.*?)^\};' % daemon, text).group(1)
        check('socket = "unix:/var/spool/postfix/milterkit/%s.sock";' % daemon in section
              and 'socket_group = "postfix";' in section
              and 'pidfile = "/run/milterkit-%s/%s.pid";' % (daemon, daemon) in section,
              'Postfix sample: %s socket in the spool, group postfix, pid file in '
              '/run/milterkit-%s' % (daemon, daemon), section)
    check('flavor = "postfix";' in text and 'sasl_pwcheck = "auxprop";' in text,
          'Postfix sample: flavor postfix, sasldb (auxprop) as the README sets up')


def check_sendmail_differs_only_in_sockets(postfix, sendmail):
    """Every line that differs is a comment, a socket line or the flavor."""
    allowed = re.compile(r'^\s*(#.*|socket = "unix:/(run/milterkit-\w+|var/spool/postfix/'
                         r'milterkit)/\w+\.sock";.*|socket_group = "postfix";.*|'
                         r'flavor = "(sendmail|postfix)";.*)?$')
    for line in difflib.unified_diff(postfix.splitlines(), sendmail.splitlines(),
                                     lineterm='', n=0):
        if line.startswith(('---', '+++', '@@')):
            continue
        check(allowed.match(line[1:]), 'the sendmail sample drifted from the Postfix one: '
              + line)


def main():
    src = top_srcdir()
    postfix, sendmail = (read(os.path.join(src, 'etc', n))
                         for n in ('milterkit.conf', 'milterkit-sendmail.conf'))
    check_postfix_layout(postfix)
    check_sendmail_differs_only_in_sockets(postfix, sendmail)
    check('unix:/run/milterkit-masq/masq.sock' in sendmail, 'sendmail sample: /run sockets')
    with Workdir(prefix='milterkit-samples-', base=key_base()) as w:
        inst = Installed(w.sub('dest'))
        inst.run('install')
        check_sample('postfix', inst.path('sysconfdir', 'milterkit', 'milterkit.conf'), inst, w)
        check_sample('sendmail', inst.path('docdir', 'examples', 'milterkit-sendmail.conf'),
                     inst, w)


run_test(main)
