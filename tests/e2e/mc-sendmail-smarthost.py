"""The outbound half of the OP25B path on a real sendmail 8.17 configured by
milterkit-mc: mail from loopback goes to the smart host through the relay
mailer on the port of RELAY_MAILER_ARGS, with STARTTLS (TLS_Srv in the
generated access map) and SMTP AUTH with the credentials of the generated
authinfo map, to a fake ISP relay that demands both; when the ISP no longer
accepts the password, the mail is not delivered and the log says why (sendmail
returns it to the sender: after a failed AUTH it goes on without, and takes
the ISP's "530 Authentication required" as permanent).

The generated sendmail.mc is used as it is, except for what a private
sendmail on loopback needs (the harness' paths, queue and ports)."""

import os
import ssl

from mktest import Workdir, run_test, smtp_send
from mktest.mta import Sendmail, require_sendmail
from mktest.sink import Sink

from mktest import mcsetup as mc

ISP_USER = 'home@isp.example'
ISP = {'password': mc.PASSWORD}
# The harness' settings that the generated .mc must not get: ours rule.
OURS = ('SMART_HOST', 'RELAY_MAILER_ARGS', 'ESMTP_MAILER_ARGS', 'SMTP_MAILER_ARGS',
        'confDOMAIN_NAME')


def isp_authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword
    ok = (isinstance(auth_data, LoginPassword) and
          auth_data.login == ISP_USER.encode() and
          auth_data.password == ISP['password'].encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class GeneratedSendmail(Sendmail):
    """A private sendmail running the generated sendmail.mc."""

    def __init__(self, generated_mc, *a, **kw):
        super().__init__(*a, **kw)
        self.generated = generated_mc

    def mc_text(self):
        harness = super().mc_text().splitlines()
        env = [l for l in harness if (l.startswith("define(`") and
                                      l.split("'")[0][8:] not in OURS)
               or l.startswith("FEATURE(`accept_unresolvable")
               or l.startswith("FEATURE(`nocanonify")]
        env.append("DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port=%d, Name=MTA')dnl"
                   % self.port)
        out = []
        for line in self.generated.splitlines():
            if line.startswith('DAEMON_OPTIONS('):
                continue
            out.append(line)
            if line.startswith('OSTYPE('):
                out += env
        return '\n'.join(out) + '\n'


def test():
    mc.tool()
    root = mc.sendmail_tree()
    require_sendmail()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, key = mc.make_cert(w)
        etc = w.sub('etc-mail')
        isp_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        isp_ctx.load_cert_chain(cert, key)
        with Sink(tls_context=isp_ctx, require_starttls=True,
                  authenticator=isp_authenticator, auth_require_tls=True,
                  auth_required=True) as isp:
            pw = os.path.join(w.path, 'smarthost.secret')
            conf = mc.seed_conf(
                w, cert=cert, key=key, config_dir=etc, milters=False,
                smarthost='host = "127.0.0.1"; port = %d; auth = { user = "%s"; '
                          'password_file = "%s"; };' % (isp.port, ISP_USER, pw))
            r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', etc])
            mc.check(r.returncode == 0, 'generation failed')
            for db in ('authinfo.db', 'access.db'):
                mc.check(os.path.exists(os.path.join(etc, db)), 'no ' + db)
            with open(os.path.join(etc, 'sendmail.mc')) as f:
                generated = f.read()
            with GeneratedSendmail(generated, isp.port) as sm:
                try:
                    smtp_send(sm.port, 'roamer@example.net', ['friend@example.com'],
                              b'Subject: out via the ISP\r\n\r\nhello\r\n')
                    msg = isp.wait(1, timeout=60)[0]
                    mc.check(msg.auth == ISP_USER, 'ISP relay saw AUTH %r' % msg.auth)
                    mc.check(msg.rcpt_tos == ['friend@example.com'], 'rcpt')
                    # A password the ISP no longer accepts.  sendmail goes on
                    # without AUTH after a 535 and takes the ISP's 530 to MAIL
                    # as permanent: the mail is returned to its sender with
                    # the reason (Postfix defers instead); never delivered
                    # unauthenticated, never silently lost.
                    ISP['password'] = 'changed-by-the-isp'
                    smtp_send(sm.port, 'roamer@example.net', ['friend2@example.com'],
                              b'Subject: not accepted\r\n\r\nhello\r\n')
                    sm.wait_log(r'to=<friend2@example\.com>.*(stat=Deferred|'
                                r'reply=530 5\.7\.0 Authentication required)', timeout=60)
                    mc.check(len(isp.messages) == 1, 'delivered with a wrong password')
                finally:
                    mc.log('sendmail log:\n' + sm.log()[-8000:])


run_test(test)
