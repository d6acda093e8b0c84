#!/usr/bin/python3
"""Self-test of mktest.milterclient and mktest.daemon (tests/lib).

Part 1 (always runs): a scripted fake milter, in a thread on a unix socket,
checks what the client sends (steps negotiated away, macros filtered to the
requested lists, leading space stripped, folded headers, body chunks and
SMFIR_SKIP, IPv6 and unknown connect families, SMFIC_QUIT_NC) and how it
reads EOM modifications, and the edge cases: a milter that hangs up, one
that sends an unknown reply, one that never answers (timeout), a bogus
negotiation.  apply_header_mods() is checked for sendmail's and Postfix's
different handling of deletes and of insert positions.

Part 2 (skips when opendkim is missing): Debian's opendkim in the
foreground on a free loopback port, with a key from opendkim-genkey, as a
real milter: a message from a trusted client (internal address, or the
MTA name macro {daemon_name}) gets a DKIM-Signature with the right d= and
s= (and it verifies with python3-dkim on the header list rebuilt from the
modifications); the same message from outside gets Authentication-Results
dkim=pass, a tampered copy dkim=fail, an unsigned one dkim=none.
"""

import os
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time

from mktest import milterclient as mc
from mktest import Daemon, DaemonError, check, need_program, run_test

# ---------------------------------------------------------------------------
# Part 1: a scripted fake milter


def recv_exact(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def recv_pkt(conn):
    (length,) = struct.unpack("!I", recv_exact(conn, 4))
    data = recv_exact(conn, length)
    return data[:1], data[1:]


def send_pkt(conn, cmd, payload=b""):
    conn.sendall(struct.pack("!I", len(payload) + 1) + cmd + payload)


def optneg_reply(protocol, actions=mc.ALL_ACTIONS, symlists=None):
    payload = struct.pack("!III", 6, actions, protocol)
    for stage, names in (symlists or {}).items():
        payload += struct.pack("!I", mc.STAGE_LETTERS.index(stage))
        payload += names.encode() + b"\0"
    return payload


class FakeMilter:
    """Listens on a unix socket; serve(conn, self) runs per connection
    in a thread; received packets are recorded in self.got."""

    def __init__(self, serve):
        self.dir = tempfile.mkdtemp(prefix="fakemilter-")
        self.path = os.path.join(self.dir, "s")
        self.spec = "unix:" + self.path
        self.serve = serve
        self.got = []
        self.error = None
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            try:
                self.serve(conn, self)
            except EOFError:
                pass
            except Exception as exc:   # reported by close()
                self.error = exc

    def recv(self, conn):
        pkt = recv_pkt(conn)
        self.got.append(pkt)
        return pkt

    def close(self):
        self.thread.join(5)
        self.listener.close()
        os.unlink(self.path)
        os.rmdir(self.dir)
        if self.error is not None:
            raise self.error


SCRIPT_PROTOCOL = (mc.SMFIP_NOHELO | mc.SMFIP_NR_HDR | mc.SMFIP_NOUNKNOWN |
                   mc.SMFIP_NR_DATA | mc.SMFIP_SKIP)

EOM_MODS = [
    (b"i", struct.pack("!I", 0) + b"X-Top\0top\0"),
    (b"m", struct.pack("!I", 1) + b"X-A\0\0"),
    (b"m", struct.pack("!I", 2) + b"X-A\0\0"),
    (b"m", struct.pack("!I", 1) + b"Subject\0new subject\0"),
    (b"m", struct.pack("!I", 3) + b"X-Missing\0added\0"),
    (b"h", b"X-End\0end\0"),
    (b"e", b"<new@example.net>\0SIZE=10\0"),
    (b"+", b"<added@example.org>\0"),
    (b"2", b"<par@example.org>\0NOTIFY=NEVER\0"),
    (b"-", b"<b@example.org>\0"),
    (b"q", b"looks odd\0"),
    (b"b", b"new body\r\n"),
]


def scripted(conn, fake):
    """A milter that negotiates some steps away and answers per step."""
    fake.recv(conn)
    send_pkt(conn, b"O", optneg_reply(
        SCRIPT_PROTOCOL, symlists={"C": "j {daemon_name}",
                                   "M": "{auth_authen}"}))
    while True:
        cmd, payload = fake.recv(conn)
        if cmd in (b"D", b"L", b"T", b"A"):
            continue                       # macros, NR_HDR, NR_DATA, abort
        if cmd == b"Q":
            return
        if cmd == b"R" and payload.startswith(b"<bad@"):
            send_pkt(conn, b"y", b"550 5.1.1 no such user\0")
        elif cmd == b"B":
            send_pkt(conn, b"s")
        elif cmd == b"E":
            send_pkt(conn, b"p")
            for code, data in EOM_MODS:
                send_pkt(conn, code, data)
            send_pkt(conn, b"p")
            send_pkt(conn, b"a")
        else:
            send_pkt(conn, b"c")


def test_scripted_session():
    fake = FakeMilter(scripted)
    headers = [("From", " a@example.net"), ("X-A", " 1"), ("X-A", " 2"),
               ("X-A", " 3"), ("Subject", " folded\r\n\tsubject"),
               ("X-Tab", "\tvalue")]
    body = b"x" * 70000
    res = mc.run_message(
        fake.spec, connect=("client.example", "2001:db8::25", 4567),
        helo="client.example",
        macros={"C": {"j": "mta.example", "daemon_name": "MSA",
                      "{not_asked}": "1"},
                "mail": {"{auth_authen}": "joe", "{auth_type}": "PLAIN"},
                "E": {"i": "QID123"}},
        mail_from="a@example.net", mail_args=["BODY=8BITMIME"],
        rcpts=["<b@example.org>", "<bad@example.org>",
               ("<c@example.org>", ["NOTIFY=NEVER"])],
        headers=headers, body=body, filter_macros=True, timeout=5)
    fake.close()
    got = fake.got
    cmds = b"".join(c for c, _ in got)
    print("milter received:", cmds)
    neg = res.negotiated
    check(neg.protocol == SCRIPT_PROTOCOL, "protocol flags read back")
    check(neg.symlists == {"C": ["j", "{daemon_name}"],
                           "M": ["{auth_authen}"]},
          "symlists read back", neg.symlists)
    check(b"H" not in cmds, "HELO sent although negotiated away")
    check(cmds.count(b"B") == 1, "body not stopped after SMFIR_SKIP")
    check(len(got[cmds.index(b"B")][1]) == 65535, "body chunk not 65535")
    macro_c = [p for c, p in got if c == b"D" and p[:1] == b"C"][0]
    check(macro_c == b"Cj\0mta.example\0{daemon_name}\0MSA\0",
          "connect macros not filtered to the requested list", macro_c)
    macro_m = [p for c, p in got if c == b"D" and p[:1] == b"M"][0]
    check(macro_m == b"M{auth_authen}\0joe\0", "mail macros", macro_m)
    conn = [p for c, p in got if c == b"C"][0]
    check(conn == b"client.example\0" + b"6" + struct.pack("!H", 4567) +
          b"2001:db8::25\0", "IPv6 connect payload", conn)
    mail = [p for c, p in got if c == b"M"][0]
    check(mail == b"<a@example.net>\0BODY=8BITMIME\0", "mail payload", mail)
    hdrs = [p for c, p in got if c == b"L"]
    check(hdrs[0] == b"From\0a@example.net\0", "one leading space stripped")
    check(hdrs[4] == b"Subject\0folded\n\tsubject\0", "fold joined by LF",
          hdrs[4])
    check(hdrs[5] == b"X-Tab\0\tvalue\0", "a leading tab is kept", hdrs[5])
    rcpt_kinds = [r.kind for _, r in res.rcpt_replies]
    check(rcpt_kinds == ["continue", "replycode", "continue"], "rcpt replies",
          rcpt_kinds)
    check(res.rcpt_replies[1][1].code == "550", "reply code parsed")
    check(res.replies["data"] == "noreply", "NR_DATA gives noreply")
    check(all(r == "noreply" for _, r in res.header_replies), "NR_HDR")
    check(res.body_replies == ["skip"], "body replies", res.body_replies)
    check(res.final == "accept" and res.stopped_at is None, "final", res)
    expected_mods = [
        ("insheader", 0, "X-Top", "top"), ("chgheader", 1, "X-A", ""),
        ("chgheader", 2, "X-A", ""), ("chgheader", 1, "Subject", "new subject"),
        ("chgheader", 3, "X-Missing", "added"), ("addheader", "X-End", "end"),
        ("chgfrom", "<new@example.net>", "SIZE=10"),
        ("addrcpt", "<added@example.org>"),
        ("addrcpt_par", "<par@example.org>", "NOTIFY=NEVER"),
        ("delrcpt", "<b@example.org>"), ("quarantine", "looks odd"),
        ("replbody", b"new body\r\n")]
    check(res.mods == expected_mods, "EOM modifications", res.mods)
    # Deleting X-A #1 then #2: sendmail keeps the deleted slot (so #2 is
    # the second original X-A), Postfix renumbers (#2 is the third one).
    common_tail = [("Subject", " new subject"), ("X-Tab", "\tvalue"),
                   ("X-Missing", " added"), ("X-End", " end")]
    sendmail = res.headers_after("sendmail")
    check(sendmail == [("X-Top", " top"), ("From", " a@example.net"),
                       ("X-A", " 3")] + common_tail, "sendmail view",
          sendmail)
    postfix = res.headers_after("postfix")
    check(postfix == [("X-Top", " top"), ("From", " a@example.net"),
                      ("X-A", " 2")] + common_tail, "postfix view", postfix)
    sender, rcpts = res.envelope_after()
    check(sender == "<new@example.net>", "chgfrom applied")
    check(rcpts == ["<c@example.org>", "<added@example.org>",
                    "<par@example.org>"], "recipients after", rcpts)
    check(res.body_after() == b"new body\r\n", "replbody applied")
    return 1


def test_apply_positions():
    """Insert positions with the MTA's own hidden Received header, and a
    change of a deleted slot (sendmail revives it, Postfix moves on)."""
    hdrs = [("Received", " from a"), ("From", " x"), ("X-A", " 1"),
            ("X-A", " 2"), ("X-A", " 3")]
    own = " from client by mta"
    mods = [("insheader", 0, "X-Zero", "0"), ("insheader", 1, "X-One", "1"),
            ("chgheader", 1, "Received", "changed")]
    for mta in mc.MTAS:
        out = mc.apply_header_mods(hdrs, mods, mta, own_received=own)
        check(out[:4] == [("X-Zero", " 0"), ("X-One", " 1"),
                          ("Received", own), ("Received", " changed")],
              "insert around own Received on " + mta, out)
    mods = [("chgheader", 2, "X-A", ""), ("chgheader", 2, "X-A", "new")]
    out = mc.apply_header_mods(hdrs, mods, "sendmail")
    check([v for n, v in out if n == "X-A"] == [" 1", " new", " 3"],
          "sendmail revives the deleted slot", out)
    out = mc.apply_header_mods(hdrs, mods, "postfix")
    check([v for n, v in out if n == "X-A"] == [" 1", " new"],
          "postfix renumbers after delete", out)
    # Insert after a delete: sendmail still counts the deleted slot.
    mods = [("chgheader", 1, "From", ""), ("insheader", 2, "X-I", "i")]
    out = mc.apply_header_mods(hdrs, mods, "sendmail")
    check([n for n, _ in out][:3] == ["Received", "X-I", "X-A"],
          "sendmail insert counts deleted slot", out)
    out = mc.apply_header_mods(hdrs, mods, "postfix")
    check([n for n, _ in out][:3] == ["Received", "X-A", "X-I"],
          "postfix insert skips deleted header", out)
    out = mc.apply_header_mods([("A", "x")], [("addheader", "B", " y")],
                               "postfix", leadspc=True)
    check(out == [("A", "x"), ("B", " y")], "leadspc value used as sent")
    out = mc.apply_header_mods([("A", " x")], [("chgheader", 5, "B", "")],
                               "sendmail")
    check(out == [("A", " x")], "deleting a missing header is a no-op")
    return 8


def nonegotiate(reply_payload):
    def serve(conn, fake):
        fake.recv(conn)
        send_pkt(conn, b"O", reply_payload)
        fake.recv(conn)
    return serve


def hangs_up(conn, fake):
    fake.recv(conn)
    send_pkt(conn, b"O", optneg_reply(0))
    fake.recv(conn)                        # connect, then hang up


def unknown_reply(conn, fake):
    fake.recv(conn)
    send_pkt(conn, b"O", optneg_reply(0))
    fake.recv(conn)
    send_pkt(conn, b"Z", b"junk")
    time.sleep(0.5)


def never_answers(conn, fake):
    fake.recv(conn)
    time.sleep(1)


def huge_length(conn, fake):
    fake.recv(conn)
    conn.sendall(struct.pack("!I", 0x7FFFFFFF) + b"O")
    time.sleep(0.5)


def unknown_at_eom(conn, fake):
    fake.recv(conn)
    send_pkt(conn, b"O", optneg_reply(mc.SMFIP_NOHDRS | mc.SMFIP_NOBODY))
    while True:
        cmd, _ = fake.recv(conn)
        if cmd == b"E":
            send_pkt(conn, b"X", b"?")
            time.sleep(0.5)
            return
        if cmd not in (b"D", b"A"):
            send_pkt(conn, b"c")


def expect_error(serve, exc_type, pattern, timeout=5.0, **kwargs):
    fake = FakeMilter(serve)
    start = time.monotonic()
    try:
        mc.run_message(fake.spec, rcpts=["<r@example.org>"],
                       headers=[("From", " f@example.org")], body=b"hi\r\n",
                       timeout=timeout, **kwargs)
    except exc_type as exc:
        elapsed = time.monotonic() - start
        print("as expected: %s: %s (%.2fs)" % (type(exc).__name__, exc,
                                               elapsed))
        check(re.search(pattern, str(exc)), "message %r lacks %r"
              % (str(exc), pattern))
        check(elapsed < timeout + 2, "took too long: %.1fs" % elapsed)
    else:
        raise AssertionError("no %s from %s" % (exc_type.__name__,
                                                 serve.__name__))
    finally:
        fake.close()
    return 1


def test_edge_cases():
    count = expect_error(hangs_up, mc.MilterClosed, "closed the connection")
    count += expect_error(unknown_reply, mc.MilterProtocolError,
                          "unknown .*reply b'Z'")
    count += expect_error(never_answers, mc.MilterTimeout,
                          r"OPTNEG within 0.5s", timeout=0.5)
    count += expect_error(huge_length, mc.MilterProtocolError, "length")
    count += expect_error(unknown_at_eom, mc.MilterProtocolError,
                          "unknown reply b'X'")
    count += expect_error(nonegotiate(optneg_reply(0x00400000)),
                          mc.MilterProtocolError, "did not offer")
    count += expect_error(
        nonegotiate(optneg_reply(0, symlists={"C": "j"})[:-1]),
        mc.MilterProtocolError, "unterminated")
    count += expect_error(nonegotiate(optneg_reply(mc.SMFIP_NOHDRS)),
                          mc.MilterProtocolError, "did not offer",
                          protocol=mc.SMFIP_NOBODY)
    try:
        mc.MilterClient("unix:/nonexistent/sock", timeout=1)
        raise AssertionError("connect to a missing socket succeeded")
    except mc.MilterError as exc:
        print("as expected:", exc)
    for bad in ("inet:99999@127.0.0.1", "tcp:25", "nonsense"):
        try:
            mc.parse_socket_spec(bad)
            raise AssertionError("spec %r accepted" % bad)
        except ValueError:
            pass
    check(mc.parse_socket_spec("inet6:8891@[::1]")
          == (socket.AF_INET6, ("::1", 8891)), "inet6 spec")
    return count + 2


def quit_nc_session(conn, fake):
    fake.recv(conn)
    send_pkt(conn, b"O", optneg_reply(mc.SMFIP_NOHDRS | mc.SMFIP_NOBODY |
                                      mc.SMFIP_NOEOH | mc.SMFIP_NR_CONN))
    while True:
        cmd, _ = fake.recv(conn)
        if cmd == b"Q":
            return
        if cmd in (b"D", b"A", b"K", b"C"):
            continue
        if cmd == b"E":
            send_pkt(conn, b"h", b"X-Seen\0yes\0")
        send_pkt(conn, b"c")


def test_quit_nc():
    """Two SMTP sessions on one milter connection (SMFIC_QUIT_NC), the
    second one from an unknown-family client."""
    fake = FakeMilter(quit_nc_session)
    client = mc.MilterClient(fake.spec, timeout=5).negotiate()
    res1 = mc.run_message(None, client=client, quit=False,
                          rcpts=["<r@example.org>"])
    client.quit_nc()
    res2 = mc.run_message(None, client=client, connect=("localhost", None),
                          rcpts=["<r@example.org>"])
    fake.close()
    cmds = b"".join(c for c, _ in fake.got)
    check(cmds == b"OCMRTEKCMRTEQ", "quit_nc sequence", cmds)
    conns = [p for c, p in fake.got if c == b"C"]
    check(conns[1] == b"localhost\0U", "unknown family payload", conns[1])
    for res in (res1, res2):
        check(res.replies["connect"] == "noreply", "NR_CONN")
        check(res.replies["eoh"] == "skipped", "NOEOH")
        check(res.mods == [("addheader", "X-Seen", "yes")], "mods",
              res.mods)
    return 1


# A stand-in daemon for daemon.py: listens on its socket, logs, reloads on
# SIGUSR1, ignores SIGTERM (so stop() must escalate to SIGKILL) and leaves a
# child in its process group.
FAKE_DAEMON = r"""
import signal, socket, subprocess, sys, time
conf = open(sys.argv[1]).read().strip()
spec = sys.argv[2]
port = int(spec.split(":")[1].split("@")[0])
child = subprocess.Popen(["sleep", "60"])
signal.signal(signal.SIGUSR1,
              lambda *a: print("reloaded config", conf, flush=True))
signal.signal(signal.SIGTERM, lambda *a: print("ignoring TERM", flush=True))
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(5)
print("child pid", child.pid, flush=True)
print("listening on", spec, "with", conf, flush=True)
while True:
    try:
        conn, _ = srv.accept()
        conn.close()
    except InterruptedError:
        pass
"""


def process_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().split(")")[-1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_daemon_helper():
    import sys
    script = Daemon([sys.executable, "-c", FAKE_DAEMON, "@CONF@", "@SOCKET@"],
                    config="conf-one @TMPDIR@", socket="inet",
                    stop_timeout=1.0, name="fake-daemon")
    tmpdir = script.tmpdir
    with script as d:
        match = d.wait_for_log(r"listening on (\S+) with conf-one (\S+)")
        check(match.group(1) == d.socket, "socket placeholder")
        check(match.group(2) == d.tmpdir, "tmpdir placeholder")
        child = int(d.wait_for_log(r"child pid (\d+)").group(1))
        mark = d.reload()
        d.wait_for_log(r"reloaded config", since=mark, timeout=5)
        check(d.find_log(r"reloaded", since=mark), "find_log")
        try:
            d.wait_for_log(r"never printed", timeout=0.3)
            raise AssertionError("wait_for_log did not time out")
        except DaemonError as exc:
            check("never printed" in str(exc), "timeout message")
        check(mc.run_message is not None and d.alive(), "alive")
    check(script.returncode == -9, "SIGKILL after ignored SIGTERM: %s"
          % script.returncode)
    check(script.find_log("ignoring TERM"), "SIGTERM was sent first")
    check(not os.path.exists(tmpdir), "temporary directory removed")
    deadline = time.monotonic() + 5
    while not process_gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(process_gone(child), "child in the process group survived")
    # A daemon that dies at start is reported with its output.
    dead = Daemon([sys.executable, "-c", "print('bad config'); exit(3)"],
                  name="dies")
    try:
        with dead:
            raise AssertionError("start of a dying daemon succeeded")
    except DaemonError as exc:
        check("exited with 3" in str(exc) and "bad config" in str(exc),
              "start failure message: %s" % exc)
    check(not os.path.exists(dead.tmpdir), "tmpdir of failed start removed")
    return 9


# ---------------------------------------------------------------------------
# Part 2: opendkim

OPENDKIM_CONF = """\
Mode                    sv
Domain                  example.net
Selector                test
KeyFile                 @TMPDIR@/test.private
Socket                  @SOCKET@
InternalHosts           127.0.0.1
MTA                     MSA
Canonicalization        relaxed/relaxed
AuthservID              mail.example.net
AlwaysAddARHeader       yes
TestPublicKeys          @TMPDIR@/keys
Syslog                  no
LogWhy                  yes
PidFile                 @TMPDIR@/opendkim.pid
UMask                   007
RequireSafeKeys         no
"""

MESSAGE = (
    "From: Joe <joe@example.net>\r\n"
    "To: someone@example.org\r\n"
    "Subject: milter client self-test\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <selftest.1@example.net>\r\n"
    "\r\n"
    "Hello,\r\nthis is the body.\r\n")


def txt_record(path):
    """The DKIM TXT record of an opendkim-genkey .txt file, unsplit."""
    with open(path) as fh:
        return "".join(re.findall(r'"([^"]*)"', fh.read()))


def signed_message(res):
    """Rebuild the signed message as sendmail would deliver it."""
    head = mc.format_headers(res.headers_after("sendmail")).encode()
    return head + b"\r\n" + res.body_after()


def run_opendkim(daemon):
    counts = 0
    macros = {"C": {"j": "mail.example.net"}, "E": {"i": "SELFTEST1"}}
    # Negotiation as seen by the client.
    with mc.MilterClient(daemon.socket).negotiate() as client:
        print("opendkim negotiated:", client.describe())
        check(client.version == 6, "version 6 expected")
        check(client.actions & mc.SMFIF_ADDHDRS, "opendkim must add headers")
        client.quit()
    counts += 1

    # Signing, trusted by internal address.
    res = mc.run_message(daemon.socket,
                         connect=("localhost", "127.0.0.1", 40000),
                         helo="localhost", macros=macros,
                         mail_from="<joe@example.net>",
                         rcpts=["<someone@example.org>"], message=MESSAGE)
    print(res)
    sigs = [m for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == "dkim-signature"]
    check(res.final == "continue" or res.final == "accept", "final reply")
    check(len(sigs) == 1, "one DKIM-Signature expected", res.mods)
    sig = sigs[0][-1]
    check(re.search(r"\bd=example\.net;", sig), "d= wrong: " + sig)
    check(re.search(r"\bs=test;", sig), "s= wrong: " + sig)
    counts += 1
    signed = signed_message(res)
    try:
        import dkim
    except ImportError:
        print("python3-dkim missing: signature not verified")
        dkim = None
    if dkim is not None:
        record = txt_record(daemon.path("test.txt")).encode()

        def dnsfunc(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            check(name.rstrip(".") == "test._domainkey.example.net",
                  "unexpected key lookup " + name)
            return record
        check(dkim.verify(signed, dnsfunc=dnsfunc),
              "python3-dkim does not verify the rebuilt message",
              signed.decode())
        counts += 1

    # Signing, trusted by MTA name ({daemon_name}), from an outside address.
    res = mc.run_message(daemon.socket,
                         connect=("mua.example.org", "192.0.2.7", 40001),
                         macros=mc.mta_macros("sendmail", qid="SELFTEST2",
                                              daemon_name="MSA",
                                              client_addr="192.0.2.7"),
                         mail_from="<joe@example.net>",
                         rcpts=["<someone@example.org>"], message=MESSAGE)
    check([m for m in res.mods if m[-2].lower() == "dkim-signature"],
          "MTA-name client not signed", res.mods)
    counts += 1

    # Verification from outside: pass, fail, none.
    for text, want in ((signed, "pass"),
                       (signed.replace(b"this is the body",
                                       b"this is a body"), "fail"),
                       (MESSAGE.encode(), "none")):
        res = mc.run_message(daemon.socket,
                             connect=("mx.example.org", "192.0.2.8", 40002),
                             macros=mc.mta_macros("postfix",
                                                  qid="SELFTEST3"),
                             mail_from="<joe@example.net>",
                             rcpts=["<joe@example.net>"], message=text)
        ars = [m for m in res.mods
               if m[0] in ("insheader", "addheader", "chgheader")
               and m[-2].lower() == "authentication-results"]
        check(len(ars) == 1, "one Authentication-Results expected (%s)"
              % want, res.mods)
        check(re.search(r"mail\.example\.net;\s+dkim=" + want, ars[0][-1]),
              "dkim=%s expected: %s" % (want, ars[0][-1]))
        check(not [m for m in res.mods if m[-2].lower() == "dkim-signature"],
              "outside mail must not be signed")
        final = res.header_values("Authentication-Results", "postfix")
        check(len(final) == 1, "A-R in the final header list", final)
        counts += 1
    return counts


def test_opendkim():
    opendkim = need_program("/usr/sbin/opendkim")
    genkey = need_program("/usr/sbin/opendkim-genkey")
    daemon = Daemon([opendkim, "-f", "-x", "@CONF@"], config=OPENDKIM_CONF,
                    socket="inet", conf_name="opendkim.conf")
    try:
        subprocess.run([genkey, "-D", daemon.tmpdir, "-d", "example.net",
                        "-s", "test"], check=True, timeout=60,
                       cwd=daemon.tmpdir)
        daemon.write_file("keys", "test._domainkey.example.net %s\n"
                          % txt_record(daemon.path("test.txt")))
        with daemon:
            return run_opendkim(daemon)
    finally:
        daemon.stop()


NR_ALL = (mc.SMFIP_NOHELO | mc.SMFIP_NODATA | mc.SMFIP_NOUNKNOWN |
          mc.SMFIP_NR_CONN | mc.SMFIP_NR_MAIL | mc.SMFIP_NR_RCPT |
          mc.SMFIP_NR_HDR | mc.SMFIP_NR_EOH | mc.SMFIP_NR_BODY)


def replies_at_eom_only(conn, fake):
    fake.recv(conn)
    send_pkt(conn, b"O", optneg_reply(NR_ALL))
    while True:
        cmd, _ = fake.recv(conn)
        if cmd == b"Q":
            return
        if cmd == b"E":
            send_pkt(conn, b"c")


class CountingSocket:
    """A socket whose sendall calls are counted (the writes an MTA makes)."""

    def __init__(self, sock):
        self.sock, self.writes = sock, 0

    def sendall(self, data):
        self.writes += 1
        return self.sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def test_buffered():
    """buffered=True: the same packets as unbuffered, but everything the
    milter does not answer travels with the next command it answers."""
    seen = {}
    for buffered in (False, True):
        fake = FakeMilter(replies_at_eom_only)
        sock = CountingSocket(mc.open_socket(fake.spec, 5))
        res = mc.run_message(fake.spec, connect=("c.example", "192.0.2.1", 25),
                             macros={"C": {"j": "mta"}, "E": {"i": "Q1"}},
                             mail_from="<a@example.net>", rcpts=["<b@example.org>"],
                             headers=[("From", " a@example.net"), ("Subject", " s")],
                             body=b"body\r\n", sock=sock, buffered=buffered, timeout=5)
        fake.close()
        check(res.final.kind == "continue", "buffered=%s: %r" % (buffered, res.final))
        seen[buffered] = (fake.got, sock.writes)
    (plain, plain_writes), (buf, buf_writes) = seen[False], seen[True]
    check(plain == buf, "buffered mode changed the packets", plain, buf)
    check(plain_writes == len(plain), "unbuffered: %d writes for %d packets"
          % (plain_writes, len(plain)))
    # optneg; then connect..eom (macros, NR steps) at once; then quit.
    check(buf_writes == 3, "buffered: %d writes, want 3" % buf_writes)
    return 3


def main():
    count = test_scripted_session()
    count += test_apply_positions()
    count += test_edge_cases()
    count += test_quit_nc()
    count += test_buffered()
    count += test_daemon_helper()
    print("fake-milter checks passed: %d" % count)
    count = test_opendkim()
    print("opendkim checks passed: %d" % count)


if __name__ == "__main__":
    run_test(main)
