"""The OP25B path on a real Postfix 3.7 configured by milterkit-mc: a
roaming client submits on the generated submission service (AUTH is not
offered before STARTTLS; after STARTTLS, no AUTH means no relaying; AUTH
PLAIN and LOGIN work), and Postfix relays through a fake ISP relay that
demands STARTTLS and AUTH, with the credentials of the generated
sasl_passwd map; when the ISP no longer accepts the password, the mail is
deferred (not lost) and the log says why.  Milters are left out here
(their own tests attach them); the server side's SASL is the generated
smtpd.conf as it is (auxprop, a private sasldb, smtpd not chrooted; the
chrooted case is mc-postfix-sasl-chroot.py)."""

import os
import re
import smtplib
import shutil
import ssl

from mktest import Workdir, free_port, run_test, smtp_quit, wait_port
from mktest.mta import Postfix, require_postfix
from mktest.sink import Sink

from mktest import mcsetup as mc

ISP_USER = 'home@isp.example'
ROAMER, ROAMER_PW = 'roamer', 'r0aming-pw'


ISP = {'password': mc.PASSWORD}  # what the ISP relay accepts


def isp_authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword
    ok = (isinstance(auth_data, LoginPassword) and
          auth_data.login == ISP_USER.encode() and
          auth_data.password == ISP['password'].encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def client_tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def submit(port, login, mechanism):
    s = smtplib.SMTP('127.0.0.1', port, timeout=30)
    try:
        s.ehlo('laptop.example.org')
        mc.check(not s.has_extn('auth'), 'AUTH offered before STARTTLS')
        s.starttls(context=client_tls())
        s.ehlo('laptop.example.org')
        mc.check(s.has_extn('auth'), 'AUTH not offered after STARTTLS')
        if not login:
            try:
                s.sendmail('roamer@example.net', ['friend@example.com'],
                           b'Subject: no auth\r\n\r\nx\r\n')
            except smtplib.SMTPException as e:
                mc.log('refused without AUTH, as it should:', e)
                return False
            return True
        s.user, s.password = ROAMER, ROAMER_PW
        code, resp = s.auth(mechanism, getattr(s, 'auth_' + mechanism.lower()),
                            initial_response_ok=True)
        mc.check(code == 235, 'AUTH %s: %d %s' % (mechanism, code, resp))
        s.sendmail('roamer@example.net', ['friend@example.com'],
                   ('Subject: via %s\r\n\r\nhello\r\n' % mechanism).encode())
        return True
    finally:
        smtp_quit(s)


def test():
    mc.tool()
    require_postfix()
    root = mc.postfix_tree()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, key = mc.make_cert(w)
        base = mc.postfix_base(w)
        isp_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        isp_ctx.load_cert_chain(cert, key)
        with Sink(tls_context=isp_ctx, require_starttls=True,
                  authenticator=isp_authenticator, auth_require_tls=True,
                  auth_required=True) as isp:
            pw = os.path.join(w.path, 'smarthost.secret')
            # Server-side SASL: a private sasldb, which the generated
            # smtpd.conf names (smtpd not chrooted here).
            sasldb = mc.make_sasldb(w, {ROAMER: ROAMER_PW}, name='roamers')
            conf = mc.seed_conf(
                w, flavor='postfix', cert=cert, key=key, config_dir=base, milters=False,
                sasldb=sasldb,
                smarthost='host = "127.0.0.1"; port = %d; auth = { user = "%s"; '
                          'password_file = "%s"; };' % (isp.port, ISP_USER, pw),
                mta_extra='postfix = { chroot = false; };')
            r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', base],
                          env=mc.postfix_env())
            mc.check(r.returncode == 0, 'generation failed')
            mc.check(os.path.exists(os.path.join(base, 'sasl_passwd.db')), 'no postmap')
            with open(os.path.join(base, 'milterkit-main.cf')) as f:
                main = dict(re.findall(r'^(\w+) = (.*)$', f.read(), re.M))
            main.pop('inet_protocols')  # the harness listens on IPv4 loopback
            sub_port = free_port()
            with open(os.path.join(base, 'milterkit-master.cf')) as f:
                master = [l.replace('submission', '127.0.0.1:%d' % sub_port, 1)
                          if l.startswith('submission') else l
                          for l in f.read().splitlines() if not l.startswith('#')]
            # TLS needs tlsmgr, which Debian's master.cf has and the harness' lacks.
            master.append('tlsmgr    unix  -       -       n       1000?   1       tlsmgr')
            with Postfix(isp.port, main_cf=main, master_cf=master) as pf:
                # Debian's Postfix reads $config_directory/sasl/smtpd.conf
                # (as the generated file says); smtpd reads it per process.
                os.makedirs(os.path.join(pf.config_dir, 'sasl'), exist_ok=True)
                shutil.copy(os.path.join(base, 'sasl/smtpd.conf'),
                            os.path.join(pf.config_dir, 'sasl/smtpd.conf'))
                wait_port(sub_port, proc=pf.proc, what='submission service')
                try:
                    mc.check(not submit(sub_port, False, None),
                             'relayed without AUTH on submission')
                    submit(sub_port, True, 'PLAIN')
                    submit(sub_port, True, 'LOGIN')
                    msgs = isp.wait(2, timeout=60)
                finally:
                    mc.log('postfix log:\n' + pf.log()[-6000:])
                for m in msgs:
                    mc.check(m.auth == ISP_USER, 'ISP relay saw AUTH %r' % m.auth)
                    mc.check(m.rcpt_tos == ['friend@example.com'], 'rcpt %r' % m.rcpt_tos)
                mc.check(sorted(str(m.message()['Subject']) for m in msgs) ==
                         ['via LOGIN', 'via PLAIN'], 'subjects')
                # The ISP changed the password: mail stays queued, the log says why.
                ISP['password'] = 'changed-by-the-isp'
                submit(sub_port, True, 'PLAIN')
                pf.wait_log(r'status=deferred \(.*(SASL authentication failed|'
                            r'authentication failed)', timeout=60)
                mc.check(len(isp.messages) == 2, 'delivered with a wrong password')


run_test(test)
