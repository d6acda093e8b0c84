"""mktest.miltertap - a milter-protocol tap between an MTA and a milter.

    tap = MilterTap(milter_port)            # forwards to 127.0.0.1:milter_port
    with tap:                               # listens on 127.0.0.1:tap.port
        mta = Sendmail(sink.port, milters=[tap.spec('masq')])
        ...
        tap.events('M')                     # what the MTA sent (MAIL FROM)
        tap.headers()                       # [(name, value)] the milter saw
        tap.modifications()                 # what the milter asked to change

It proves, from the wire, that the MTA talked to the milter and what each side
said, independently of either side's logging.  Packets are decoded (4-byte
length, command byte, data: the libmilter protocol), forwarded unchanged.
"""

import socket
import struct
import threading

from . import Service, free_port
from .mta import MilterSpec

# Commands the MTA sends, and what the milter answers.
MTA_COMMANDS = {
    'O': 'optneg', 'D': 'macro', 'C': 'connect', 'H': 'helo', 'M': 'mail',
    'R': 'rcpt', 'T': 'data', 'L': 'header', 'N': 'eoh', 'B': 'body',
    'E': 'eom', 'A': 'abort', 'Q': 'quit', 'K': 'quit_nc', 'U': 'unknown'}
MILTER_REPLIES = {
    'O': 'optneg', 'a': 'accept', 'c': 'continue', 'd': 'discard',
    'r': 'reject', 't': 'tempfail', 'y': 'replycode', 'h': 'addheader',
    'i': 'insheader', 'm': 'chgheader', '+': 'addrcpt', '-': 'delrcpt',
    '2': 'addrcpt_par', 'e': 'chgfrom', 'b': 'replbody', 'p': 'progress',
    's': 'skip', 'q': 'quarantine', 'f': 'connfail', 'l': 'setsymlist'}
MODIFICATIONS = set('him+-2ebq')


class Event:
    """One packet: conn (connection number), side ('mta' or 'milter'),
    cmd (one character), name (e.g. 'header'), data (bytes)."""

    def __init__(self, conn, side, cmd, data):
        self.conn, self.side, self.cmd, self.data = conn, side, cmd, data
        table = MTA_COMMANDS if side == 'mta' else MILTER_REPLIES
        self.name = table.get(cmd, 'unknown-%r' % cmd)

    def strings(self):
        """The data split at NUL bytes (decoded, trailing empty dropped)."""
        parts = self.data.split(b'\0')
        if parts and parts[-1] == b'':
            parts.pop()
        return [p.decode('utf-8', 'replace') for p in parts]

    def __repr__(self):
        return '<%d %s %s %r>' % (self.conn, self.side, self.name,
                                  self.data[:80])


class MilterTap(Service):
    """MilterTap(upstream_port, upstream_host='127.0.0.1', port=None).
    Attributes: port, host ('127.0.0.1'), log (list of Event).
    Methods: start(), stop(), spec(name, **kw) -> MilterSpec, events(cmd=None,
    side='mta'), headers(), modifications(), replies(), text()."""

    def __init__(self, upstream_port, upstream_host='127.0.0.1', port=None):
        self.upstream = (upstream_host, upstream_port)
        self.host = '127.0.0.1'
        self.port = port or free_port()
        self.log = []
        self.lock = threading.Lock()
        self.listener = None
        self.threads = []
        self.conns = []
        self.running = False
        self.nconn = 0

    @property
    def socket(self):
        return 'inet:%d@%s' % (self.port, self.host)

    def spec(self, name='tap', **kw):
        return MilterSpec(name, self.socket, **kw)

    def start(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((self.host, self.port))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.running = True
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                up = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            up.settimeout(None)
            client.settimeout(None)
            with self.lock:
                self.nconn += 1
                n = self.nconn
                self.conns += [client, up]
            for src, dst, side in ((client, up, 'mta'), (up, client, 'milter')):
                t = threading.Thread(target=self._pump,
                                     args=(n, src, dst, side), daemon=True)
                t.start()
                self.threads.append(t)

    def _pump(self, n, src, dst, side):
        buf = b''
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
                buf += chunk
                while len(buf) >= 4:
                    size = struct.unpack('>I', buf[:4])[0]
                    if len(buf) < 4 + size:
                        break
                    pkt, buf = buf[4:4 + size], buf[4 + size:]
                    if pkt:
                        with self.lock:
                            self.log.append(Event(n, side, chr(pkt[0]),
                                                  pkt[1:]))
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        self.running = False
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.conns = []
        for t in self.threads:
            t.join(2)
        self.threads = []

    # -- queries -------------------------------------------------------
    def events(self, cmd=None, side='mta'):
        """Events from SIDE ('mta', 'milter' or None for both), optionally
        only those with command character CMD."""
        with self.lock:
            return [e for e in self.log if (side is None or e.side == side)
                    and (cmd is None or e.cmd == cmd)]

    def headers(self):
        """[(name, value)] of the SMFIC_HEADER packets, in order."""
        out = []
        for e in self.events('L'):
            s = e.strings() + ['', '']
            out.append((s[0], s[1]))
        return out

    def modifications(self):
        """Milter replies that change the message (add/change header,
        recipients, envelope sender, body, quarantine)."""
        return [e for e in self.events(side='milter') if e.cmd in MODIFICATIONS]

    def replies(self):
        return self.events(side='milter')

    def text(self):
        """The whole conversation, one event per line (for failure output)."""
        with self.lock:
            return '\n'.join(repr(e) for e in self.log)
