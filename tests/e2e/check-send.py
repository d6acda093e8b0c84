"""milterkit-check --send on the OP25B pipeline (mktest.op25b: the three
milters, a private Postfix, then a private sendmail, from milterkit-mc's
configuration, a fake ISP relay that demands STARTTLS and AUTH): swaks
submits a message on the submission port with STARTTLS and AUTH as the
roaming user, the "send" item shows the MTA's reply with its queue id, the
"send relay" item the MTA's log line where the ISP relay accepted it, and
the ISP relay really got it, masqueraded and signed (dkimpy).  The password
is in no argument of milterkit-check nor of swaks (a stand-in swaks, given
with --swaks, records both: swaks gets it in its environment) and in none
of the output.  A wrong password is a "send" FAIL with the MTA's
535 reply.  Only the send items are judged here (the pipeline's DNS has
no SPF or DMARC records; check-postfix.py judges the rest)."""

import os
import re
import subprocess

from mktest import Workdir, log, run_test
from mktest.checksite import Site
from mktest.mcsetup import check
from mktest.mta import postfix_root
from mktest import op25b
from mktest.op25b import Pipeline, ROAMER, ROAMER_PW, RCPT
from mktest.daemon import milter_binary


def run_check(p, w, password, extra=()):
    sbin = os.path.join(w.path, 'sbin')
    if not os.path.isdir(sbin):
        os.mkdir(sbin)
        for n in ('relay', 'masq', 'dkim'):
            os.symlink(milter_binary(n), os.path.join(sbin, 'milterkit-' + n))
    pw = w.file('roamer.pw', password + '\n', mode=0o600)
    argv = [op25b.binary('tools/check/milterkit-check'), '-c', p.conf, '--sbindir', sbin,
            '--send', RCPT, '--send-user', ROAMER, '--send-password-file', pw,
            '--send-server', '127.0.0.1:%d' % p.sub_port]
    env = dict(os.environ)
    if p.flavor == 'postfix':
        argv += ['--postconf', os.path.join(postfix_root(), 'usr/sbin/postconf'),
                 '--postfix-dir', p.mta.config_dir,
                 '--maillog', os.path.join(p.mta.work.path, 'maillog')]
        env['LD_LIBRARY_PATH'] = p.mta.libdir
    else:
        argv += ['--sendmail-cf', p.mta.cf, '--maillog', os.path.join(p.mta.work.path, 'syslog')]
    argv += list(extra)
    check(password not in ' '.join(argv), 'the password is in argv')
    log('run:', ' '.join(argv))
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    log('exit %d\n%s%s' % (r.returncode, r.stdout, r.stderr))
    check(password not in r.stdout + r.stderr, 'the password is in the output')
    return r


def flavor(name):
    with Pipeline(name) as p, Workdir(prefix='milterkit-check-send-') as w:
        r = run_check(p, w, ROAMER_PW)
        it = Site.item(r, 'ok', 'send')
        check('accepted the message from john@example.net to %s (login john)' % RCPT in it, it)
        qid = re.search(r'queued as (\S+)|250 2\.0\.0 (\S+) Message accepted', it)
        check(qid, 'no queue id: ' + it)
        qid = qid.group(1) or qid.group(2)
        it = Site.item(r, 'ok', 'send relay')
        check(qid in it and ('status=sent' in it or 'stat=Sent' in it), it)
        check('relay=127.0.0.1[127.0.0.1]:%d' % p.isp.port in it if name == 'postfix'
              else 'mailer=relay, ' in it and 'relay=[127.0.0.1]' in it, 'not the ISP: ' + it)
        msg = p.isp.wait(1)[0]
        check(msg.mail_from == 'john@example.net' and msg.rcpt_tos == [RCPT], 'envelope')
        check(b'milterkit-check test message' in msg.data, 'not our message')
        check(p.verify(msg), 'dkimpy: the test message is not signed right')

        r = run_check(p, w, 'wrong password')
        it = Site.item(r, 'FAIL', 'send')
        check('535' in it or 'authentication' in it.lower(), it)
        check(r.returncode == 2, 'exit %d' % r.returncode)

        # What swaks gets: the password in its environment only.
        seen = os.path.join(w.path, 'swaks-seen')
        fake = w.file('fake-swaks', '#!/bin/sh\nprintf "%%s\\n" "$@" > %s.argv\n'
                      'env > %s.env\nexit 1\n' % (seen, seen), mode=0o755)
        run_check(p, w, ROAMER_PW, extra=['--swaks', fake])
        with open(seen + '.argv') as f:
            argv = f.read()
        with open(seen + '.env') as f:
            env = f.read()
        check(ROAMER_PW not in argv, 'the password is in swaks\' arguments')
        check('--auth-hide-password' in argv and '--tls' in argv, 'swaks argv: ' + argv)
        check('SWAKS_OPT_auth_password=%s\n' % ROAMER_PW in env, 'not in its environment')


def test():
    flavor('postfix')
    flavor('sendmail')


run_test(test)
