"""mktest.sink - an SMTP server that captures what the MTAs deliver.

    from mktest.sink import Sink
    with Sink() as sink:                       # listening on 127.0.0.1:sink.port
        ... the MTA relays to [127.0.0.1]:sink.port ...
        msg = sink.wait(1, timeout=20)[0]      # bounded wait
        msg.mail_from, msg.rcpt_tos, msg.data  # envelope + exact bytes

aiosmtpd (python3-aiosmtpd) in a thread of the test process.  msg.data is the
message exactly as received after DATA (dot-unstuffed, CRLF line ends, no
final "."), msg.message() parses it.  Extra keyword arguments go to aiosmtpd's
SMTP class (e.g. tls_context=, require_starttls=, authenticator=,
auth_require_tls=) so a test can play an ISP relay demanding STARTTLS+AUTH.
Set sink.reply (e.g. '451 4.3.0 try later') to make DATA fail.
"""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from . import Service, free_port, log, patience
from .net import STARTUP_WAIT


class Delivered:
    """One captured message: mail_from, rcpt_tos, mail_options,
    rcpt_options, data (bytes), peer, helo, auth (login or None), tls
    (True when the session had STARTTLS)."""

    def __init__(self, session, envelope):
        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.mail_options = list(envelope.mail_options)
        self.rcpt_options = list(envelope.rcpt_options)
        self.data = envelope.original_content
        self.peer = session.peer
        self.helo = session.host_name
        auth = getattr(session, 'auth_data', None)
        self.auth = getattr(auth, 'login', auth)
        if isinstance(self.auth, bytes):
            self.auth = self.auth.decode('utf-8', 'replace')
        self.tls = getattr(session, 'ssl', None) is not None
        self.time = time.time()

    def message(self):
        """The data parsed as an email.message.EmailMessage."""
        return email.message_from_bytes(self.data, policy=email.policy.SMTP)

    def headers(self):
        """[(name, raw value bytes)] in order, unfolded lines kept as sent."""
        head = self.data.split(b'\r\n\r\n', 1)[0]
        out = []
        for line in head.split(b'\r\n'):
            if line[:1] in (b' ', b'\t') and out:
                out[-1] = (out[-1][0], out[-1][1] + b'\r\n' + line)
            elif b':' in line:
                n, v = line.split(b':', 1)
                out.append((n.decode('ascii', 'replace'), v))
        return out

    def header(self, name):
        """Raw values (bytes, after the colon) of every header NAME."""
        return [v for n, v in self.headers() if n.lower() == name.lower()]

    def body(self):
        return self.data.split(b'\r\n\r\n', 1)[1] if b'\r\n\r\n' in \
            self.data else b''

    def __repr__(self):
        return '<Delivered from=%r to=%r %d bytes>' % (
            self.mail_from, self.rcpt_tos, len(self.data))


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        if self.sink.reply[:1] != '2':
            return self.sink.reply
        with self.sink.cond:
            self.sink.messages.append(Delivered(session, envelope))
            self.sink.cond.notify_all()
        return self.sink.reply


class Sink(Service):
    """Constructor: Sink(port=None, host='127.0.0.1', **smtp_kwargs).
    Attributes: port, host, messages (list of Delivered), reply.
    Methods: start(), stop(), wait(n=1, timeout=30), clear()."""

    def __init__(self, port=None, host='127.0.0.1', **smtp_kwargs):
        self.host = host
        self.port = port or free_port(host)
        self.messages = []
        self.reply = '250 2.0.0 Ok: captured'
        self.cond = threading.Condition()
        self.smtp_kwargs = smtp_kwargs
        self.controller = None

    def start(self):
        if self.controller is None:
            kw = dict(self.smtp_kwargs)
            self.controller = Controller(_Handler(self), hostname=self.host,
                                         port=self.port,
                                         server_hostname='sink.example.org',
                                         ready_timeout=patience(STARTUP_WAIT), **kw)
            self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait(self, n=1, timeout=30, show=None):
        """Block until at least N messages arrived (TimeoutError after
        TIMEOUT seconds); return the list of all messages.  show: {label:
        service} whose logs' tails are logged when they do not arrive (the
        MTA's and the milter's, to see where the mail stopped)."""
        deadline = time.monotonic() + patience(timeout)
        with self.cond:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    for label, service in (show or {}).items():
                        log('--- %s log ---\n%s' % (label, service.log()[-4000:]))
                    raise TimeoutError('sink: %d of %d message(s) after %ds'
                                       % (len(self.messages), n, timeout))
                self.cond.wait(left)
            return list(self.messages)

    def clear(self):
        with self.cond:
            self.messages.clear()
