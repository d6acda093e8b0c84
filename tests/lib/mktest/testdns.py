"""mktest.testdns - a private DNS server on loopback for tests.

    from mktest.testdns import TestDNS
    with TestDNS() as dns:
        dns.a('ggl.home.example.net', '127.0.0.7')
        dns.ptr('127.0.0.7', 'ggl.home.example.net')
        dns.txt('sel._domainkey.example.net', 'v=DKIM1; k=rsa; p=' + key)
        dns.start()                  # records are fixed once started
        ... dns.server  -> '127.0.0.1@PORT' (libunbound / site.dns.servers)
        dns.pause()  / dns.resume()  # queries time out meanwhile
        dns.stall('slow.example')    # (before start) names under it never answer
        dns.stop()                   # nothing listens: refused / timeout

An unbound(8) in the foreground on 127.0.0.1:PORT (and [::1]:PORT when IPv6
loopback works), answering only local data: `local-zone: "." static`, so every
other name is NXDOMAIN (or NODATA), no recursion, no internet, no DNSSEC.
A stalled zone (stall()) is forwarded to a UDP socket of the test that
never answers: unbound keeps retrying it (no SERVFAIL within a minute),
so a client's query under it times out while every other name answers.
Stopped (process group killed, files removed) by stop() / __exit__.
"""

import ipaddress
import os
import random
import signal
import socket
import struct
import time

from . import Proc, Workdir, free_port, have_ipv6, patience, wait_port
from .net import STARTUP_WAIT

UNBOUND = '/usr/sbin/unbound'


def reverse_name(ip):
    """'127.0.0.7' -> '7.0.0.127.in-addr.arpa.' (also IPv6, nibbles)."""
    return ipaddress.ip_address(ip).reverse_pointer + '.'


def _fqdn(name):
    return name if name.endswith('.') else name + '.'


def _quote(s):
    """A zone-file character-string; a single quote becomes \\039 so that
    the whole record can sit inside unbound's single quotes."""
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace(
        "'", '\\039') + '"'


def txt_strings(text, size=255):
    """TEXT split into character-strings of at most SIZE bytes."""
    if isinstance(text, (list, tuple)):
        return list(text)
    return [text[i:i + size] for i in range(0, len(text), size)] or ['']


class TestDNS:
    """A private unbound.  Constructor args (all optional):

    records: list of (name, type, value) added as by add();
    port:    fixed port (default: a free one, the same on 127.0.0.1 and ::1);
    ipv6:    also listen on ::1 if it works (default True);
    extra:   list of extra raw lines for unbound's `server:` clause;
    ttl:     TTL of the records (default 300);
    host:    the IPv4 loopback address to listen on (default 127.0.0.1).
             For a program that uses the system resolver (sendmail), give
             port=53 and a host of its own, e.g. TestDNS(port=53,
             host='127.0.0.53', ipv6=False), and write_resolv_conf().
    """

    def __init__(self, records=(), port=None, ipv6=True, extra=(), ttl=300,
                 host='127.0.0.1'):
        self.host = host
        self.ipv6 = bool(ipv6) and have_ipv6()
        self.port = port or free_port(host, also_v6=self.ipv6)
        self.ttl = ttl
        self.extra = list(extra)
        self.lines = []          # local-data / local-zone lines
        self.stalled = []        # zones forwarded to the black hole
        self.hole = None         # the UDP socket that never answers
        self.proc = None
        self.work = None
        for r in records:
            self.add(*r)

    # -- records (before start()) --------------------------------------
    def add(self, name, rtype, value):
        """One record; VALUE in zone-file syntax for the type (for TXT a str
        or list of str: split into 255-byte strings and quoted here)."""
        rtype = rtype.upper()
        if rtype == 'TXT':
            value = ' '.join(_quote(s) for s in txt_strings(value))
        elif rtype == 'PTR' and not name.endswith('arpa') and \
                not name.endswith('arpa.'):
            name = reverse_name(name)
            value = _fqdn(value)
        self.lines.append("local-data: '%s %d IN %s %s'" % (
            _fqdn(name), self.ttl, rtype, value))
        return self

    def a(self, name, ip):
        return self.add(name, 'A', ip)

    def aaaa(self, name, ip):
        return self.add(name, 'AAAA', ip)

    def ptr(self, ip, name):
        """PTR for address IP pointing at NAME (several calls = multi-PTR)."""
        return self.add(reverse_name(ip), 'PTR', _fqdn(name))

    def txt(self, name, text):
        return self.add(name, 'TXT', text)

    def mx(self, name, pref, host):
        return self.add(name, 'MX', '%d %s' % (pref, _fqdn(host)))

    def stall(self, name):
        """Queries for NAME and below get no answer at all (they time out
        at the client), the rest of the server answering as usual."""
        self.stalled.append(_fqdn(name))
        return self

    def zone(self, name, kind='static'):
        """A raw local-zone (e.g. kind 'refuse': REFUSED, a temporary failure)."""
        self.lines.append('local-zone: %s %s' % (_quote(_fqdn(name)), kind))
        return self

    # -- addresses -----------------------------------------------------
    @property
    def server(self):
        """'127.0.0.1@PORT', the syntax of libunbound and site.dns.servers."""
        return '%s@%d' % (self.host, self.port)

    @property
    def servers(self):
        s = [self.server]
        if self.ipv6:
            s.append('::1@%d' % self.port)
        return s

    def write_resolv_conf(self, path):
        """Write a resolv.conf(5) pointing at this server (needs port 53:
        the libc resolver cannot use another port).  Returns PATH."""
        if self.port != 53:
            raise ValueError('resolv.conf needs a TestDNS on port 53')
        with open(path, 'w') as f:
            f.write('nameserver %s\noptions timeout:1 attempts:1\n'
                    % self.host)
        os.chmod(path, 0o644)
        return path

    # -- life cycle ----------------------------------------------------
    def config(self):
        ifaces = ['%s@%d' % (self.host, self.port)]
        if self.ipv6:
            ifaces.append('::1@%d' % self.port)
        lines = ['server:',
                 '  do-daemonize: no', '  username: ""', '  chroot: ""',
                 '  directory: "%s"' % self.work.path, '  pidfile: ""',
                 '  use-syslog: no', '  logfile: ""', '  verbosity: 1',
                 '  log-queries: yes', '  num-threads: 1',
                 '  do-ip6: %s' % ('yes' if self.ipv6 else 'no'),
                 '  module-config: "iterator"',
                 '  trust-anchor-signaling: no', '  root-key-sentinel: no',
                 '  auto-trust-anchor-file: ""',
                 '  access-control: 127.0.0.0/8 allow',
                 '  access-control: ::1/128 allow',
                 '  unblock-lan-zones: yes', '  insecure-lan-zones: yes',
                 '  local-zone: "." static',
                 '  so-reuseport: no', '  outgoing-range: 64',
                 '  msg-cache-size: 1m', '  rrset-cache-size: 1m',
                 '  cache-max-ttl: 0', '  cache-max-negative-ttl: 0']
        lines += ['  interface: %s' % i for i in ifaces]
        lines += ['  ' + l for l in self.lines + self.extra]
        if self.stalled:
            lines += ['  do-not-query-localhost: no']
            lines += ['  local-zone: %s transparent' % _quote(z) for z in self.stalled]
        lines += ['remote-control:', '  control-enable: no']
        for z in self.stalled:
            lines += ['forward-zone:', '  name: %s' % _quote(z),
                      '  forward-addr: 127.0.0.1@%d' % self.hole.getsockname()[1]]
        return '\n'.join(lines) + '\n'

    def start(self, timeout=STARTUP_WAIT):
        if self.proc is not None:
            return self
        self.work = Workdir(prefix='milterkit-dns-')
        try:
            if self.stalled:
                self.hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.hole.bind(('127.0.0.1', 0))    # never read: no answer
            conf = self.work.file('unbound.conf', self.config())
            self.proc = Proc([UNBOUND, '-d', '-c', conf],
                             os.path.join(self.work.path, 'unbound.log'),
                             name='unbound')
            wait_port(self.port, host=self.host, proc=self.proc,
                      timeout=timeout)
            self._wait_udp(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_udp(self, timeout):
        deadline = time.monotonic() + patience(timeout)
        while time.monotonic() < deadline:
            if self.query('localhost.', 'A', timeout=0.5) is not None:
                return
        raise RuntimeError('unbound does not answer on UDP' + self.proc.tail())

    def pause(self):
        """Freeze the server (SIGSTOP): queries time out until resume()."""
        self.proc.signal(signal.SIGSTOP)

    def resume(self):
        self.proc.signal(signal.SIGCONT)

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
        if self.work is not None:
            self.work.cleanup()
        if self.hole is not None:
            self.hole.close()
        self.proc = None
        self.work = None
        self.hole = None

    def log(self):
        """unbound's log (queries are logged: useful to see who asked)."""
        return self.proc.log() if self.proc else ''

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- a tiny stub resolver, for tests to check their own data -------
    TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'PTR': 12, 'MX': 15, 'TXT': 16,
             'AAAA': 28}

    def query(self, name, rtype='A', timeout=2.0, host=None):
        """Ask the server over UDP.  Returns (rcode, [rdata bytes...]) or
        None on timeout.  rdata is raw (TXT: length-prefixed strings)."""
        qid = random.randrange(65536)
        q = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 1)
        for label in _fqdn(name).rstrip('.').split('.'):
            if label:
                q += bytes([len(label)]) + label.encode()
        q += b'\0' + struct.pack('>HH', self.TYPES[rtype.upper()], 1)
        qlen = len(q)
        q += b'\0' + struct.pack('>HHIH', 41, 4096, 0, 0)   # EDNS0, 4 KB
        host = host or self.host
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(q, (host, self.port))
            try:
                resp = s.recv(65535)
            except socket.timeout:
                return None
        return _parse(resp, qlen)


def _parse(resp, qlen):
    rcode = resp[3] & 0xF
    ancount = struct.unpack('>H', resp[6:8])[0]
    pos, out = qlen, []
    for _ in range(ancount):
        pos = _skip_name(resp, pos)
        rtype, _cls, _ttl, rdlen = struct.unpack('>HHIH', resp[pos:pos + 10])
        pos += 10
        out.append(resp[pos:pos + rdlen])
        pos += rdlen
    return rcode, out


def _skip_name(buf, pos):
    while True:
        n = buf[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += n + 1
