"""mktest.benchutil - what the benchmarks in tests/bench share: the 4 KB
message they all drive, a daemon's CPU time from /proc, and the version of
Debian's OpenDKIM they are measured beside."""

import os
import re
import subprocess

from . import dkimtest as dc

TICK = os.sysconf("SC_CLK_TCK")


def message_4k():
    """A 4096-byte message: the usual headers and plain text lines."""
    head = dc.message(from_addr="Bench <bench@example.net>", body=b"")
    line = b"Line %03d of a benchmark message, plain ASCII text for DKIM.\r\n"
    body = b""
    i = 0
    while len(head) + len(body) + len(line % i) <= 4096 - 2:
        body += line % i
        i += 1
    body += b"x" * (4096 - 2 - len(head) - len(body)) + b"\r\n"
    return head + body


def cpu_seconds(pid):
    """User plus system CPU seconds process pid has spent so far."""
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK   # utime, stime


def opendkim_version():
    out = subprocess.run(["/usr/sbin/opendkim", "-V"], capture_output=True, text=True).stdout
    m = re.search(r"v([\d.]+)", out)
    return m.group(1) if m else "?"
