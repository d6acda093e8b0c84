"""mktest.protofuzz - random milter command sequences from the protocol's
grammar, sent to a milter as a hostile MTA would, with what the milter must
answer to each packet predicted by a model of libmilter's engine.

    from mktest import protofuzz as pf

    rng = pf.session_rng(seed, "masq", 17)
    session = pf.generate(rng, pf.DAEMONS["masq"])
    problem = pf.run(spec, session, pf.DAEMONS["masq"])   # None: all held

A session is a list of actions:

    ("packet", cmd, payload, splits)  one well-formed packet (4-byte length,
                                      command byte, payload), written in
                                      len(splits)+1 pieces
    ("raw", bytes)                    bytes that are not a well-formed packet
                                      (unknown command, absurd length, a
                                      packet cut short); the session ends
    ("close",)                        hang up

The generator starts from a whole, well-ordered session (negotiate,
connect, helo, messages with macros at every stage, quit) and mutates it
the ways a broken or hostile peer would: steps omitted, repeated, moved
out of order; SMFIC_ABORT and SMFIC_QUIT_NC anywhere; macros missing,
empty, huge, with an odd number of strings or for an unknown stage; huge
and empty header values and addresses; EOM without EOH, body before
headers, EOM carrying a body chunk; packets cut short and the connection
closed; every packet possibly written in pieces.

The model (Engine) follows what sendmail 8.17's libmilter does with each
command (libmilter/engine.c: its state table, trans_ok(), the argument
checks of each st_* function, sendreply() and the SMFIP_NR_* bits): a
command out of order either restarts the transaction from HELO or is
ignored without a reply; a command that needs a payload and has none, or
whose payload cannot be parsed (connect, header, mail, rcpt) ends the
session; a step the milter negotiated no reply for gets none.  For every
packet it says what the milter must do: "reply" (one reply, or for EOM the
modifications then one final reply), "none", or "close"; run() checks it,
and checks that no reply comes where none is due.  The facts about
libmilter were read from its source (sendmail 8.17.1, libmilter/engine.c,
comm.c), not copied.

Standard library only.
"""

import os
import random
import select
import socket
import struct
import time

from . import milterclient as mc

# ---------------------------------------------------------------------------
# The daemons: what callbacks each has (libmilter skips the state of a step
# without a callback, fix_stm()), what it negotiates, what it needs.

ALL_NO = (mc.SMFIP_NOCONNECT | mc.SMFIP_NOHELO | mc.SMFIP_NOMAIL |
          mc.SMFIP_NORCPT | mc.SMFIP_NOBODY | mc.SMFIP_NOHDRS |
          mc.SMFIP_NOEOH | mc.SMFIP_NOUNKNOWN | mc.SMFIP_NODATA)


class Daemon:
    """What the model must know of one milter.

    no_flags: the SMFIP_NO* steps it has no callback for;
    needs_actions: the actions without which it refuses to negotiate;
    conn_at_negotiate: its connection state is made at negotiate (not only
      at connect), so that MAIL after negotiate without CONNECT finds one.
    """

    def __init__(self, name, no_flags, needs_actions, conn_at_negotiate):
        self.name = name
        self.no_flags = no_flags
        self.needs_actions = needs_actions
        self.conn_at_negotiate = conn_at_negotiate


DAEMONS = {
    "masq": Daemon("masq", mc.SMFIP_NOHELO | mc.SMFIP_NORCPT | mc.SMFIP_NOEOH |
                   mc.SMFIP_NOBODY | mc.SMFIP_NODATA | mc.SMFIP_NOUNKNOWN,
                   mc.SMFIF_CHGHDRS | mc.SMFIF_CHGFROM, False),
    "relay": Daemon("relay", mc.SMFIP_NOHELO | mc.SMFIP_NOHDRS | mc.SMFIP_NOEOH |
                    mc.SMFIP_NOBODY | mc.SMFIP_NODATA | mc.SMFIP_NOUNKNOWN,
                    0, False),
    "dkim": Daemon("dkim", mc.SMFIP_NOHELO | mc.SMFIP_NORCPT | mc.SMFIP_NODATA |
                   mc.SMFIP_NOUNKNOWN,
                   mc.SMFIF_ADDHDRS | mc.SMFIF_CHGHDRS, True),
}

# ---------------------------------------------------------------------------
# libmilter's engine, seen from the MTA.

(ST_INIT, ST_OPTS, ST_CONN, ST_HELO, ST_MAIL, ST_RCPT, ST_DATA, ST_HDRS,
 ST_EOHS, ST_BODY, ST_ENDM, ST_QUIT, ST_ABRT, ST_UNKN, ST_Q_NC) = range(15)
ST_NONE = -1
SKIP_BIT = 1 << 16
STATE_NAMES = ["init", "opts", "conn", "helo", "mail", "rcpt", "data", "hdrs",
               "eohs", "body", "endm", "quit", "abrt", "unkn", "q_nc"]


def _m(*states):
    v = 0
    for s in states:
        v |= 1 << s
    return v


NEXT = [
    _m(ST_OPTS),                                            # init
    _m(ST_CONN, ST_UNKN),                                   # opts
    _m(ST_HELO, ST_MAIL, ST_UNKN),                          # conn
    _m(ST_HELO, ST_MAIL, ST_UNKN),                          # helo
    _m(ST_RCPT, ST_ABRT, ST_UNKN),                          # mail
    _m(ST_HDRS, ST_EOHS, ST_DATA, ST_BODY, ST_ENDM, ST_RCPT, ST_ABRT,
       ST_UNKN),                                            # rcpt
    _m(ST_EOHS, ST_HDRS, ST_ABRT),                          # data
    _m(ST_EOHS, ST_HDRS, ST_ABRT),                          # hdrs
    _m(ST_BODY, ST_ENDM, ST_ABRT),                          # eohs
    _m(ST_ENDM, ST_BODY, ST_ABRT),                          # body
    _m(ST_QUIT, ST_MAIL, ST_UNKN, ST_Q_NC),                 # endm
    0,                                                      # quit
    0,                                                      # abrt
    _m(ST_HELO, ST_MAIL, ST_RCPT, ST_ABRT, ST_DATA, ST_BODY, ST_UNKN,
       ST_QUIT, ST_Q_NC),                                   # unkn
    _m(ST_CONN, ST_UNKN),                                   # q_nc
]

SKIP_STATES = [(mc.SMFIP_NOCONNECT, ST_CONN), (mc.SMFIP_NOHELO, ST_HELO),
               (mc.SMFIP_NOMAIL, ST_MAIL), (mc.SMFIP_NORCPT, ST_RCPT),
               (mc.SMFIP_NOHDRS, ST_HDRS), (mc.SMFIP_NOEOH, ST_EOHS),
               (mc.SMFIP_NOBODY, ST_BODY), (mc.SMFIP_NODATA, ST_DATA),
               (mc.SMFIP_NOUNKNOWN, ST_UNKN)]

NR_BIT = {ST_CONN: mc.SMFIP_NR_CONN, ST_HELO: mc.SMFIP_NR_HELO,
          ST_MAIL: mc.SMFIP_NR_MAIL, ST_RCPT: mc.SMFIP_NR_RCPT,
          ST_DATA: mc.SMFIP_NR_DATA, ST_UNKN: mc.SMFIP_NR_UNKN,
          ST_HDRS: mc.SMFIP_NR_HDR, ST_EOHS: mc.SMFIP_NR_EOH,
          ST_BODY: mc.SMFIP_NR_BODY}

# command -> (needs a payload, new state, ignores a refusal (stays in state))
COMMANDS = {
    b"A": (False, ST_ABRT, False), b"D": (True, ST_NONE, False),
    b"B": (True, ST_BODY, False), b"C": (True, ST_CONN, False),
    b"E": (False, ST_ENDM, False), b"H": (True, ST_HELO, False),
    b"L": (True, ST_HDRS, False), b"M": (True, ST_MAIL, False),
    b"O": (True, ST_OPTS, False), b"N": (False, ST_EOHS, False),
    b"Q": (False, ST_QUIT, False), b"T": (False, ST_DATA, False),
    b"R": (True, ST_RCPT, True), b"U": (True, ST_UNKN, True),
    b"K": (False, ST_Q_NC, False),
}

MAX_DATA = 1048576      # what our daemons set with smfi_setmaxdatasize()


def _connect_parses(p):
    """st_connectinfo()'s checks of a CONNECT payload."""
    n = len(p)
    i = p.find(b"\0")
    if i < 0:
        i = n
    if i + 1 >= n:
        return False
    i += 1
    family = p[i:i + 1]
    i += 1
    if family == b"U":
        return True
    if i + 2 >= n or p[-1:] != b"\0":
        return False
    addr = p[i + 2:].split(b"\0", 1)[0]
    try:
        if family == b"4":
            socket.inet_aton(addr.decode("latin-1"))
        elif family == b"6":
            socket.inet_pton(socket.AF_INET6, addr.decode("latin-1"))
        elif family == b"L":
            return len(addr) < 108
        else:
            return False
    except (OSError, ValueError):
        return False
    return True


def _header_parses(p):
    """dec_arg2(): two NUL-terminated strings, the second may be empty."""
    if not p or p[-1:] != b"\0":
        return False
    i = 1
    while i < len(p) and p[i:i + 1] != b"\0":
        i += 1
    return i < len(p) - 1


class Engine:
    """libmilter's view of one connection, to predict its answers."""

    def __init__(self, daemon):
        self.d = daemon
        self.state = ST_INIT
        # ctx_pflags before negotiation: the steps without a callback.
        self.pflags = daemon.no_flags
        self.skip = daemon.no_flags      # fix_stm() skip bits
        self.has_conn = False            # the milter's connection state
        self.closed = False

    def _skippable(self, state):
        return any(self.skip & flag and st == state for flag, st in SKIP_STATES)

    def trans_ok(self, old, new):
        s = old
        while True:
            if NEXT[s] & (1 << new):
                return True
            n = s + 1
            if n >= len(NEXT) or not self._skippable(n):
                return False
            s = n

    def nr(self, state):
        bit = NR_BIT.get(state, 0)
        return bool(bit and self.pflags & bit)

    def predict(self, cmd, payload):
        """What libmilter does with this packet: "reply", "none", "close"
        or "reply|close" (negotiation the milter may refuse).  Updates the
        state as far as it does not depend on the reply (see observe())."""
        if cmd not in COMMANDS:
            return "close"
        if len(payload) > MAX_DATA:
            return "close"
        needs_buf, new, _ = COMMANDS[cmd]
        if new != ST_NONE and not self.trans_ok(self.state, new):
            if self.state in range(ST_MAIL, ST_ENDM):
                self._message_ends()
            self.state = ST_HELO
            if not self.trans_ok(ST_HELO, new):
                # Ignored; but QUIT ends the session even then (mi_engine's
                # loop tests CT_END after its "continue").
                return "close" if cmd == b"Q" else "none"
        if needs_buf and not payload:
            return "close"
        if new != ST_NONE:
            self.state = new
        return self._call(cmd, payload)

    def _message_ends(self):
        pass

    def _call(self, cmd, p):
        if cmd == b"D":
            return "none"
        if cmd == b"O":
            if len(p) < 12:
                return "close"
            version, actions, _ = struct.unpack("!III", p[:12])
            if version < 2:
                return "close"
            if self.d.needs_actions and (actions or 0xF) & self.d.needs_actions \
                    != self.d.needs_actions:
                return "close"
            if self.d.conn_at_negotiate:
                self.has_conn = True
            return "reply|close" if actions != mc.ALL_ACTIONS else "reply"
        # A payload is parsed only when the milter has the callback.
        cb = not self.d.no_flags & {b"C": mc.SMFIP_NOCONNECT, b"M": mc.SMFIP_NOMAIL,
                                    b"R": mc.SMFIP_NORCPT, b"L": mc.SMFIP_NOHDRS}.get(cmd, 0)
        if cmd == b"C":
            if cb and not _connect_parses(p):
                return "close"
            self.has_conn = True
            return "none" if self.nr(ST_CONN) else "reply"
        if cmd in (b"M", b"R"):
            if cb and b"\0" not in p:
                return "close"
            if cmd == b"M" and not self.has_conn:
                # the milter refuses a message without connection state (a
                # session after SMFIC_QUIT_NC that skipped CONNECT): a
                # refusal libmilter sends unless no reply was negotiated,
                # and acts on either way: the transaction is over, and what
                # the peer sends for it until the next MAIL is ignored.
                self.state = ST_HELO
                return "none" if self.nr(ST_MAIL) else "reply"
            return "none" if self.nr(self.state) else "reply"
        if cmd == b"L":
            if cb and not _header_parses(p):
                return "close"
            return "none" if self.nr(ST_HDRS) else "reply"
        if cmd in (b"H", b"T", b"N", b"B", b"U"):
            return "none" if self.nr(self.state) else "reply"
        if cmd == b"E":
            return "reply"
        if cmd in (b"A",):
            return "none"
        if cmd == b"K":
            self.has_conn = False        # xxfi_close ran
            return "none"
        if cmd == b"Q":
            return "close"
        return "close"

    def negotiated(self, protocol):
        """After the OPTNEG reply: the milter's flags are now ctx_pflags."""
        self.pflags = protocol
        self.skip |= protocol & ALL_NO

    def observe(self, cmd, kind):
        """After a reply of kind to cmd: a final decision ends the
        transaction (libmilter goes back to HELO), except for RCPT and
        unknown commands."""
        if kind == "accept" or (kind in ("reject", "discard", "tempfail", "replycode")
                                and not COMMANDS[cmd][2]):
            self.state = ST_HELO


# ---------------------------------------------------------------------------
# Generation.

def session_rng(seed, daemon, index):
    """The generator of session index of daemon under seed (replayable)."""
    return random.Random("%s/%s/%d" % (seed, daemon, index))


def _cs(text):
    return (text if isinstance(text, bytes) else text.encode()) + b"\0"


def _big(rng, n):
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789.-@<>\t \x01\xff;"
    return bytes(rng.choice(alphabet) for _ in range(min(n, 64))) * (n // 64 + 1)


def _value(rng, normal):
    """A string value: usually normal, sometimes empty, huge, odd bytes."""
    r = rng.random()
    normal = normal.encode() if isinstance(normal, str) else normal
    if r < 0.75:
        return normal
    if r < 0.83:
        return b""
    if r < 0.90:
        return _big(rng, rng.choice([300, 3000, 70000, 200000]))[:rng.choice(
            [300, 3000, 70000, 200000])]
    if r < 0.95:
        return bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 40)))
    return normal.upper() + b"\xc3\xa9\x01"


ADDRS = ["<john@pc1.home.example.net>", "<john@example.net>", "<>",
         "<a@b>", "<@route.example:x@example.org>", "john", "<x@example.org>",
         "<root@pc1.home.example.net>", "<\"q u\"@home.example.net>"]
HEADERS = [("From", " John <john@pc1.home.example.net>"), ("To", " x@example.org"),
           ("Subject", " test"), ("Sender", " j@home.example.net"),
           ("Reply-To", " a@pc2.home.example.net, b@example.org"),
           ("Authentication-Results", " mail.example.net; dkim=pass"),
           ("DKIM-Signature", " v=1; a=rsa-sha256; d=example.net; s=x; b=abc; bh=abc;"),
           ("From", " a@b, c@d"), ("Cc", " \"x\" <y@z>,, ,"),
           ("Message-ID", " <1@x>")]
STAGES = "CHMRTNE"


# A macro packet with an odd number of strings (a name without its value)
# makes libmilter's smfi_getsymval() read past the end of the list it made
# of them (sendmail 8.17.1 and 8.18.0.2, libmilter/smfi.c: the walk steps
# two entries at a time over a NULL-terminated list of odd length), and the
# milter dies at its next lookup of a macro that list lacks.  No milter can
# defend itself from inside: the lists are libmilter's.  Such packets are
# sent only with MILTERKIT_FUZZ_LIBMILTER_BUGS=1 (tests/milter/
# protocol-fuzz.py says more).
ODD_MACROS = os.environ.get("MILTERKIT_FUZZ_LIBMILTER_BUGS") == "1"


def macro_packet(rng, stage, pairs):
    """SMFIC_MACRO for stage with (name, value) pairs, sometimes broken:
    no strings at all, an unknown stage (and an odd number of strings, see
    ODD_MACROS)."""
    r = rng.random()
    body = b"".join(_cs(n) + _cs(v) for n, v in pairs)
    if r < 0.04:
        body = b""                             # stage letter only
    elif r < 0.08 and ODD_MACROS:
        body = body + _cs(b"{dangling}")       # a name without a value
    elif r < 0.10:
        stage = rng.choice("XZ0Lq")            # no such stage
    return ("packet", b"D", stage.encode() + body)


def _qid(rng):
    r = rng.random()
    if r < 0.8:
        return "Q%06X" % rng.randrange(1 << 24)
    if r < 0.9:
        return "Q" * rng.choice([300, 3000, 9000])
    return "" if r < 0.95 else "q\nforged: line"


def _macros(rng, stage, qid, trusted):
    pairs = []
    if stage == "C":
        pairs = [("j", "mail.example.net"), ("{daemon_name}", rng.choice(["MTA", "MSA", ""])),
                 ("_", "pc1 [192.168.1.20]")]
    elif stage == "M":
        pairs = [("i", qid), ("{mail_addr}", rng.choice(ADDRS))]
        if trusted:
            pairs += [("{auth_authen}", _value(rng, "john")), ("{auth_type}", "PLAIN")]
    elif stage == "R":
        pairs = [("{rcpt_addr}", rng.choice(ADDRS))]
    elif stage in "TNE":
        pairs = [("i", qid)]
    pairs = [(n, _value(rng, v)) for n, v in pairs]
    rng.shuffle(pairs)
    if rng.random() < 0.2:
        pairs = pairs[:rng.randrange(len(pairs) + 1)]
    return macro_packet(rng, stage, pairs)


def optneg_packet(rng):
    r = rng.random()
    version, actions, proto = mc.SMFI_PROT_VERSION, mc.ALL_ACTIONS, mc.MTA_PROTOCOL
    if r < 0.08:
        actions = rng.randrange(0, mc.ALL_ACTIONS + 1)
    elif r < 0.16:
        proto = rng.randrange(0, 1 << 22) | (proto & (mc.SMFIP_MDS_1M | mc.SMFIP_MDS_256K))
    elif r < 0.19:
        version = rng.choice([1, 2, 3, 4, 5, 7, 99])
    payload = struct.pack("!III", version, actions, proto)
    if rng.random() < 0.03:
        payload = payload[:rng.randrange(12)]
    return ("packet", b"O", payload)


CLIENTS = [("pc1.home.example.net", "4", "192.168.1.20"), ("mx.example.org", "4", "203.0.113.7"),
           ("v6.example.org", "6", "2001:db8::7"), ("localhost", "4", "127.0.0.1"),
           ("local", "L", "/var/run/x"), ("unknown", "U", None)]


def connect_packet(rng):
    host, fam, addr = rng.choice(CLIENTS)
    r = rng.random()
    hostb = _value(rng, host)
    if fam == "U":
        payload = _cs(hostb) + b"U"
    else:
        addrb = addr.encode()
        if r < 0.05:
            addrb = b"not-an-address"
        elif r < 0.08:
            fam = rng.choice("XZ5")
        payload = _cs(hostb) + fam.encode() + struct.pack("!H", rng.randrange(65536)) + _cs(addrb)
        if r > 0.97:
            payload = payload[:-1]             # address not terminated
    return ("packet", b"C", payload)


def _args(rng):
    return b"".join(_cs(_value(rng, a)) for a in rng.sample(
        ["SIZE=100", "BODY=8BITMIME", "RET=HDRS", "NOTIFY=NEVER", "AUTH=<>"], rng.randrange(3)))


def message_actions(rng, trusted):
    qid = _qid(rng)
    acts = []
    acts.append(_macros(rng, "M", qid, trusted))
    acts.append(("packet", b"M", _cs(_value(rng, rng.choice(ADDRS))) + _args(rng)))
    for _ in range(rng.choice([0, 1, 1, 1, 2, 5])):
        acts.append(_macros(rng, "R", qid, trusted))
        acts.append(("packet", b"R", _cs(_value(rng, rng.choice(ADDRS))) + _args(rng)))
    if rng.random() < 0.7:
        acts.append(_macros(rng, "T", qid, trusted))
        acts.append(("packet", b"T", b""))
    for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 40])):
        name, value = rng.choice(HEADERS)
        r = rng.random()
        if r < 0.03:
            payload = _cs(name)                # no value at all
        elif r < 0.05:
            payload = name.encode() + b"\0" + value.encode()   # value not terminated
        else:
            payload = _cs(_value(rng, name)) + _cs(_value(rng, value))
        acts.append(("packet", b"L", payload))
    acts.append(_macros(rng, "N", qid, trusted))
    acts.append(("packet", b"N", b""))
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        acts.append(("packet", b"B", _value(rng, "Hello.\r\nline two\r\n")))
    acts.append(_macros(rng, "E", qid, trusted))
    chunk = b"" if rng.random() < 0.9 else b"tail of the body\r\n"
    acts.append(("packet", b"E", chunk))
    return acts


def whole_session(rng):
    """A well-ordered session as an MTA would send it."""
    acts = [optneg_packet(rng)]
    for c in range(1 + (rng.random() < 0.2)):
        if c:
            acts.append(("packet", b"K", b""))
        trusted = rng.random() < 0.5
        acts.append(_macros(rng, "C", "", trusted))
        acts.append(connect_packet(rng))
        if rng.random() < 0.3:
            acts.append(_macros(rng, "H", "", trusted))
            acts.append(("packet", b"H", _cs(_value(rng, "client.example.org"))))
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            acts += message_actions(rng, trusted)
            if rng.random() < 0.2:
                acts.append(("packet", b"A", b""))
    acts.append(("packet", b"Q", b""))
    return acts


RANDOM_INSERTS = [b"A", b"K", b"E", b"N", b"B", b"T", b"L", b"M", b"R", b"C", b"H",
                  b"U", b"D", b"O", b"Q"]


def _random_packet(rng):
    cmd = rng.choice(RANDOM_INSERTS)
    if cmd == b"D":
        return _macros(rng, rng.choice(STAGES), _qid(rng), rng.random() < 0.5)
    if cmd == b"O":
        return optneg_packet(rng)
    if cmd == b"C":
        return connect_packet(rng)
    if cmd in (b"M", b"R"):
        return ("packet", cmd, _cs(_value(rng, rng.choice(ADDRS))))
    if cmd == b"L":
        name, value = rng.choice(HEADERS)
        return ("packet", cmd, _cs(name) + _cs(_value(rng, value)))
    if cmd in (b"B", b"H", b"U"):
        return ("packet", cmd, _cs(_value(rng, "x")) if cmd != b"B" else _value(rng, "x\r\n"))
    return ("packet", cmd, b"")


def _raw_garbage(rng):
    r = rng.random()
    if r < 0.3:
        return ("raw", struct.pack("!I", rng.randrange(2, 20)) + rng.choice(b"acefgijkmPSVWXYZ")
                .to_bytes(1, "big") + b"x" * 20)          # unknown command
    if r < 0.5:
        return ("raw", struct.pack("!I", 0xFFFFFFF0) + b"M")  # absurd length
    if r < 0.6:
        return ("raw", struct.pack("!I", 0) + b"M")           # length zero
    return None                                               # a cut packet, see generate


def generate(rng, daemon):
    """One session for daemon (a Daemon)."""
    acts = whole_session(rng)
    r = rng.random()
    if r < 0.15:
        return _split(rng, acts)               # as sent by a sane MTA
    for _ in range(rng.choice([1, 1, 2, 3, 5, 10])):
        m = rng.random()
        i = rng.randrange(len(acts))
        if m < 0.25:
            del acts[i]                                        # step omitted
        elif m < 0.40:
            acts.insert(i, acts[i])                            # repeated
        elif m < 0.55 and i + 1 < len(acts):
            acts[i], acts[i + 1] = acts[i + 1], acts[i]        # out of order
        elif m < 0.65:
            j = rng.randrange(len(acts))
            acts.insert(j, acts.pop(i))                        # moved far
        elif m < 0.80:
            acts.insert(i, ("packet", rng.choice([b"A", b"K"]), b""))   # abort anywhere
        else:
            acts.insert(i, _random_packet(rng))
        if not acts:
            acts = [("close",)]
    # The end: QUIT, a hang-up, garbage, or a packet cut short.
    r = rng.random()
    if r < 0.15:
        g = _raw_garbage(rng)
        if g is None:
            victim = _random_packet(rng)
            data = _wire(victim[1], victim[2])
            g = ("raw", data[:rng.randrange(1, max(2, len(data)))])
        acts.insert(rng.randrange(len(acts) + 1), g)
    elif r < 0.3:
        acts.insert(rng.randrange(len(acts) + 1), ("close",))
    return _split(rng, acts)


def _split(rng, acts):
    out = []
    for a in acts:
        if a[0] == "packet":
            n = 5 + len(a[2])
            splits = []
            if rng.random() < 0.2 and n > 2:
                splits = sorted(rng.sample(range(1, n), min(n - 1, rng.randrange(1, 4))))
            out.append(("packet", a[1], a[2], splits))
        else:
            out.append(a)
    return out


def _wire(cmd, payload):
    return struct.pack("!I", len(payload) + 1) + cmd + payload


# ---------------------------------------------------------------------------
# Running a session.

def describe(action):
    """One line for a trace."""
    if action[0] == "packet":
        cmd, p = action[1], action[2]
        name = mc.COMMAND_NAMES.get(cmd, repr(cmd))
        shown = p[:60]
        more = "" if len(p) <= 60 else "...(%d bytes)" % len(p)
        split = " split at %s" % action[3] if action[3] else ""
        return "%s %r%s%s" % (name, shown, more, split)
    if action[0] == "raw":
        return "raw %r%s" % (action[1][:40], "" if len(action[1]) <= 40
                            else "...(%d bytes)" % len(action[1]))
    return action[0]


class Problem(Exception):
    """An invariant did not hold; str() says which, with the trace."""


REPLY_CODES = set(b"cardtsy4f")
EOM_MODS = set(b"hime+2-bql")


class _Conn:
    def __init__(self, spec, timeout):
        self.sock = mc.open_socket(spec, timeout)
        self.timeout = timeout

    def send(self, data, splits=()):
        start = 0
        for cut in list(splits) + [len(data)]:
            self.sock.sendall(data[start:cut])
            start = cut

    def pending(self):
        """True when the milter sent something (or hung up) that nobody
        asked for."""
        r, _, _ = select.select([self.sock], [], [], 0)
        return bool(r)

    def read_exact(self, n):
        out = b""
        deadline = time.monotonic() + self.timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            self.sock.settimeout(left)
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError()
            out += chunk
        return out

    def read_packet(self):
        (length,) = struct.unpack("!I", self.read_exact(4))
        if length < 1 or length > 64 * 1024 * 1024:
            raise Problem("reply packet of length %d" % length)
        data = self.read_exact(length)
        return data[:1], data[1:]

    def closed_by_peer(self):
        """True if the milter hung up (EOF or reset) within the timeout."""
        try:
            self.sock.settimeout(self.timeout)
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                return False
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def run(spec, session, daemon, timeout=10.0):
    """Send session to the milter at spec; raise Problem when an invariant
    fails.  Returns the number of packets answered as predicted."""
    engine = Engine(daemon)
    conn = _Conn(spec, timeout)
    trace = []
    answered = 0

    def problem(what):
        return Problem("%s\n  after:\n    %s" % (what, "\n    ".join(trace[-40:])))

    try:
        for action in session:
            trace.append(describe(action))
            if conn.pending():
                raise problem("the milter sent something nobody asked for (or hung up)")
            if action[0] == "close":
                return answered
            if action[0] == "raw":
                try:
                    conn.send(action[1])
                except OSError:
                    pass
                return answered
            _, cmd, payload, splits = action
            want = engine.predict(cmd, payload)
            trace[-1] += "   [expect %s; state %s]" % (want, STATE_NAMES[engine.state])
            try:
                conn.send(_wire(cmd, payload), splits)
            except OSError as e:
                if "close" in want:
                    return answered
                raise problem("the milter hung up before %s: %s" % (describe(action), e))
            if want == "none":
                continue
            if want == "close":
                if not conn.closed_by_peer():
                    raise problem("the milter did not end the session after %s"
                                  % describe(action))
                return answered
            try:
                kind = _read_answer(conn, cmd, engine)
            except EOFError:
                if "close" in want:
                    return answered
                raise problem("the milter hung up instead of answering %s" % describe(action))
            except ConnectionResetError:
                if "close" in want:
                    return answered
                raise problem("the milter reset the connection instead of answering %s"
                              % describe(action))
            except socket.timeout:
                raise problem("no answer to %s within %gs" % (describe(action), timeout))
            trace[-1] += " -> %s" % kind
            answered += 1
            engine.observe(cmd, kind)
        return answered
    finally:
        conn.close()


def _read_answer(conn, cmd, engine):
    """Reads the answer to cmd; returns its kind.  EOM: modifications, then
    one final reply; OPTNEG: the negotiation; else one reply code."""
    while True:
        code, payload = conn.read_packet()
        if code == b"p":
            continue
        if cmd == b"O":
            if code != b"O" or len(payload) < 12:
                raise Problem("bad negotiation reply %r %r" % (code, payload[:20]))
            _, _, proto = struct.unpack("!III", payload[:12])
            engine.negotiated(proto & ~mc.SMFI_INTERNAL)
            return "optneg"
        if code[0] in EOM_MODS and code[0] not in REPLY_CODES:
            if cmd != b"E":
                raise Problem("modification %r in reply to %r" % (code, cmd))
            continue
        if code[0] not in REPLY_CODES:
            raise Problem("unknown reply %r to %r" % (code, cmd))
        kind = mc.REPLY_KINDS[code]
        if kind == "skip" and cmd != b"B":
            raise Problem("SMFIR_SKIP in reply to %r" % cmd)
        if kind == "replycode":
            text = payload.rstrip(b"\0")
            if len(text) < 3 or text[:1] not in b"45" or not text[:3].isdigit():
                raise Problem("bad reply code %r" % text)
        return kind
