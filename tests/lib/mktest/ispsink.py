"""mktest.ispsink - a fake ISP relay: the submission server of an ISP
that blocks outbound port 25 (OP25B), on a loopback port standing for 587.

    from .ispsink import IspRelay, make_cert
    cert, key = make_cert(workdir_path)
    with IspRelay('home@isp.example', 'secret', cert, key) as isp:
        ... the MTA relays to [127.0.0.1]:isp.port with STARTTLS + AUTH ...
        msg = isp.wait(1, timeout=30)[0]      # a sink.Delivered
        msg.auth                              # 'home@isp.example'
        isp.auth_log                          # [(mechanism, login, ok)]
        isp.password = 'changed'              # the ISP changed the password

It is a sink.Sink (aiosmtpd, in a thread of the test process) that:
  - offers STARTTLS (a self-signed certificate) and refuses everything but
    EHLO/STARTTLS/QUIT before it (530 5.7.0 Must issue a STARTTLS first);
  - offers AUTH PLAIN and LOGIN only after STARTTLS, and requires it before
    MAIL (530 5.7.0 Authentication required);
  - answers a wrong user or password with 535 5.7.8, and records every
    attempt in auth_log;
  - records the MAIL parameters (msg.mail_options).  An empty "AUTH="
    parameter (RFC 4954 wants xtext or "<>") is accepted, as Postfix
    accepts it, and recorded in empty_auth_params, so that a test can tell.
"""

import os
import ssl
import subprocess
import logging
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from .net import STARTUP_WAIT, patience
from .sink import Sink, _Handler

# aiosmtpd 1.4 logs on every AUTH that Session.login_data is deprecated.
logging.getLogger('mail.log').addFilter(
    lambda rec: 'login_data is deprecated' not in rec.getMessage())


def make_cert(directory, cn='smtp.isp.example', name=None):
    """A self-signed RSA certificate and key (0600) in DIRECTORY, made with
    openssl(1); returns (cert path, key path)."""
    name = name or cn
    cert = os.path.join(directory, name + '.crt')
    key = os.path.join(directory, name + '.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                    '-nodes', '-days', '30', '-subj', '/CN=' + cn,
                    '-keyout', key, '-out', cert], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    return cert, key


class _IspSMTP(SMTP):
    """aiosmtpd's SMTP, tolerant of (and recording) an empty AUTH=."""

    def __init__(self, *a, relay=None, **kw):
        super().__init__(*a, **kw)
        self._relay = relay

    def _getparams(self, params):
        kept = []
        for p in params:
            if p.upper() == 'AUTH=':
                self._relay._note_empty_auth(p)
                continue
            kept.append(p)
        return super()._getparams(kept)


class _IspController(Controller):
    def __init__(self, relay, *a, **kw):
        self._relay = relay
        super().__init__(*a, **kw)

    def factory(self):
        return _IspSMTP(self.handler, relay=self._relay, **self.SMTP_kwargs)


class IspRelay(Sink):
    """IspRelay(user, password, cert, key, port=None, host='127.0.0.1').
    Attributes: port, user, password (may be changed while running),
    auth_log [(mechanism, login, ok)], empty_auth_params, messages,
    open_sessions (connections open now: an MTA may keep an authenticated
    one in its connection cache for a few seconds).
    Methods (from Sink): start(), stop(), wait(n, timeout), clear();
    auth_ok() -> logins that authenticated successfully."""

    def __init__(self, user, password, cert, key, port=None, host='127.0.0.1'):
        self.user, self.password = user, password
        self.auth_log = []
        self.empty_auth_params = []
        self._lock = threading.Lock()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        super().__init__(port=port, host=host, tls_context=ctx,
                         require_starttls=True, auth_require_tls=True,
                         auth_required=True, authenticator=self._authenticate)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login == self.user.encode() and
              auth_data.password == self.password.encode())
        login = getattr(auth_data, 'login', b'')
        with self._lock:
            self.auth_log.append((mechanism,
                                  login.decode('utf-8', 'replace'), ok))
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data if ok else None)

    def _note_empty_auth(self, param):
        with self._lock:
            self.empty_auth_params.append(param)

    @property
    def open_sessions(self):
        """TCP connections to the relay established now (/proc/net/tcp)."""
        n = 0
        with open('/proc/net/tcp') as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == '01' and \
                        int(fields[1].split(':')[1], 16) == self.port:
                    n += 1
        return n

    def auth_ok(self):
        with self._lock:
            return [login for _m, login, ok in self.auth_log if ok]

    def auth_failed(self):
        with self._lock:
            return [login for _m, login, ok in self.auth_log if not ok]

    def start(self):
        if self.controller is None:
            self.controller = _IspController(
                self, _Handler(self), hostname=self.host, port=self.port,
                server_hostname='smtp.isp.example',
                ready_timeout=patience(STARTUP_WAIT),
                **self.smtp_kwargs)
            self.controller.start()
        return self
