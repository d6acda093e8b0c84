"""mktest.net - loopback ports, bounded waits and SMTP submission.

Every wait here is bounded, and its bound is stretched by patience() when
the machine is busy, so that a loaded CI machine is slower, not red.
"""

import os
import smtplib
import socket
import time


# How long a server may take to start before a test gives up.  Generous on
# purpose: every start-up wait polls for readiness (a port that accepts, a
# log line) and ends as soon as the server is up, so the bound costs time
# only when something is broken; patience() stretches it further.
STARTUP_WAIT = 60.0


def _load_per_cpu():
    """The machine's load per CPU: the 1-minute average, or the tasks
    runnable right now when more (the average lags a burst by a minute)."""
    cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 1.0
    try:
        with open('/proc/loadavg') as fh:
            running = int(fh.read().split()[3].split('/')[0]) - 1   # not us
        load = max(load, running)
    except (OSError, ValueError, IndexError):
        pass
    return load / cpus


def patience(seconds):
    """seconds, stretched when the machine is loaded (the load per CPU, when
    above 1) and by $MILTERKIT_TEST_PATIENCE (a factor, default 1)."""
    try:
        factor = float(os.environ.get('MILTERKIT_TEST_PATIENCE', '1'))
    except ValueError:
        factor = 1.0
    return seconds * max(factor, 1.0) * max(_load_per_cpu(), 1.0)


def free_port(host='127.0.0.1', family=None, also_v6=False):
    """A TCP (and UDP) port free on HOST right now.

    With also_v6, the port is also free on ::1 (for servers that listen on
    both).  There is a window between this call and the server's bind; the
    kernel hands out ports at random, so collisions are unlikely.
    """
    if family is None:
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
    for _ in range(100):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if _port_free(host, port, family, socket.SOCK_DGRAM) and (
                not also_v6 or not have_ipv6() or
                (_port_free('::1', port, socket.AF_INET6, socket.SOCK_STREAM)
                 and _port_free('::1', port, socket.AF_INET6,
                                socket.SOCK_DGRAM))):
            return port
    raise RuntimeError('no free port on %s' % host)


def _port_free(host, port, family, kind):
    try:
        with socket.socket(family, kind) as s:
            s.bind((host, port))
        return True
    except OSError:
        return False


_ipv6 = None


def have_ipv6():
    """True when ::1 can be bound (IPv6 loopback configured)."""
    global _ipv6
    if _ipv6 is None:
        _ipv6 = _port_free('::1', 0, socket.AF_INET6, socket.SOCK_STREAM)
    return _ipv6


def wait_port(port, host='127.0.0.1', timeout=STARTUP_WAIT, proc=None, what=None):
    """Wait until something accepts TCP connections on HOST:PORT.

    Fails early (RuntimeError) if PROC, a Proc, exits meanwhile.
    """
    timeout = patience(timeout)
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    while True:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect((host, port))
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError('%s exited with %s before listening on %s:%d%s'
                               % (what or proc.name, proc.poll(), host, port,
                                  proc.tail()))
        if time.monotonic() > deadline:
            raise RuntimeError('%s: nothing listens on %s:%d after %.0fs%s'
                               % (what or 'server', host, port, timeout,
                                  proc.tail() if proc else ''))
        time.sleep(0.05)


def wait_for(cond, timeout=15.0, interval=0.05, what='condition'):
    """Poll COND() until it returns a true value; return it.  Bounded
    (by patience(timeout))."""
    timeout = patience(timeout)
    deadline = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        if time.monotonic() > deadline:
            raise TimeoutError('timed out after %.0fs waiting for %s'
                               % (timeout, what))
        time.sleep(interval)


def socket_accepts(spec, timeout=1.0):
    """True if a connection to the libmilter socket spec succeeds."""
    from .milterclient import parse_socket_spec
    family, addr = parse_socket_spec(spec)
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(addr)
            return True
        except OSError:
            return False


# ----------------------------------------------------------------- SMTP

def smtp_connect(port, host='127.0.0.1', source=None, helo='client.example.org',
                 timeout=30):
    """An smtplib.SMTP connected to HOST:PORT from loopback address SOURCE
    (e.g. '127.0.0.7'), after EHLO.  The caller quits it."""
    s = smtplib.SMTP(timeout=timeout,
                     source_address=(source, 0) if source else None)
    s.connect(host, port)
    s.ehlo(helo)
    return s


def smtp_quit(s):
    """Ends an smtplib session: QUIT, or just the socket when the server has
    gone or answers no more."""
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        s.close()


def smtp_send(port, mail_from, rcpts, data, host='127.0.0.1', source=None,
              helo='client.example.org', mail_options=(), rcpt_options=()):
    """Submit one message; DATA is bytes (CRLF or LF line ends) or str.

    Returns smtplib's dict of refused recipients (empty when all accepted);
    raises smtplib.SMTPException when the message is refused.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    if isinstance(rcpts, str):
        rcpts = [rcpts]
    s = smtp_connect(port, host=host, source=source, helo=helo)
    try:
        return s.sendmail(mail_from, rcpts, data, list(mail_options),
                          list(rcpt_options))
    finally:
        smtp_quit(s)
