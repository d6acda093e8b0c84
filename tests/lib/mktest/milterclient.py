"""mktest.milterclient - the MTA side of the milter protocol (version 6), for tests.

miltertest cannot show header indices nor envelope-sender changes, so the
milter-level tests drive our daemons with this client instead.  It speaks to
a milter socket given in libmilter's syntax (unix:/path, local:/path,
inet:PORT@HOST, inet6:PORT@HOST), negotiates like sendmail 8.17 or
Postfix 3.7 (all actions and protocol steps offered), skips every step the
milter negotiated away exactly as an MTA does, honours SMFIP_NR_* (no reply)
and SMFIP_HDR_LEADSPC, and collects every reply and every end-of-message
modification as plain tuples:

    ("addheader", name, value)
    ("insheader", index, name, value)
    ("chgheader", index, name, value)        value "" means delete
    ("chgfrom", addr, args)                  args "" when none given
    ("addrcpt", addr)
    ("addrcpt_par", addr, args)
    ("delrcpt", addr)
    ("replbody", bytes)                      one tuple per chunk
    ("quarantine", reason)
    ("setsymlist", stage, names)             should never occur at EOM

apply_header_mods() replays the header modifications on a header list the way
sendmail does or the way Postfix does (they differ on deletes: sendmail keeps
a deleted header's slot, so later indices do not move; Postfix renumbers).

Header values everywhere are the text after the colon as it stands in the
message, leading whitespace included, folded lines joined by "\\n" as both
MTAs hand them to milters ("\\r\\n" in input is turned into "\\n").

Standard library only; Debian's /usr/bin/python3.
"""

import ipaddress
import socket
import struct
import time

# --- protocol constants (libmilter/mfdef.h, mfapi.h) ------------------------

SMFI_PROT_VERSION = 6

SMFIF_ADDHDRS = 0x001
SMFIF_CHGBODY = 0x002
SMFIF_ADDRCPT = 0x004
SMFIF_DELRCPT = 0x008
SMFIF_CHGHDRS = 0x010
SMFIF_QUARANTINE = 0x020
SMFIF_CHGFROM = 0x040
SMFIF_ADDRCPT_PAR = 0x080
SMFIF_SETSYMLIST = 0x100
ALL_ACTIONS = 0x1FF

SMFIP_NOCONNECT = 0x00000001
SMFIP_NOHELO = 0x00000002
SMFIP_NOMAIL = 0x00000004
SMFIP_NORCPT = 0x00000008
SMFIP_NOBODY = 0x00000010
SMFIP_NOHDRS = 0x00000020
SMFIP_NOEOH = 0x00000040
SMFIP_NR_HDR = 0x00000080
SMFIP_NOUNKNOWN = 0x00000100
SMFIP_NODATA = 0x00000200
SMFIP_SKIP = 0x00000400
SMFIP_RCPT_REJ = 0x00000800
SMFIP_NR_CONN = 0x00001000
SMFIP_NR_HELO = 0x00002000
SMFIP_NR_MAIL = 0x00004000
SMFIP_NR_RCPT = 0x00008000
SMFIP_NR_DATA = 0x00010000
SMFIP_NR_UNKN = 0x00020000
SMFIP_NR_EOH = 0x00040000
SMFIP_NR_BODY = 0x00080000
SMFIP_HDR_LEADSPC = 0x00100000
SMFIP_MDS_256K = 0x10000000
SMFIP_MDS_1M = 0x20000000
SMFI_INTERNAL = 0x70000000
SMFI_CURR_PROT = 0x001FFFFF

# What sendmail 8.17 offers (SMFI_CURR_PROT plus the data size bits).
MTA_PROTOCOL = SMFI_CURR_PROT | SMFIP_MDS_256K | SMFIP_MDS_1M

PROTOCOL_FLAG_NAMES = {
    SMFIP_NOCONNECT: "NOCONNECT", SMFIP_NOHELO: "NOHELO",
    SMFIP_NOMAIL: "NOMAIL", SMFIP_NORCPT: "NORCPT", SMFIP_NOBODY: "NOBODY",
    SMFIP_NOHDRS: "NOHDRS", SMFIP_NOEOH: "NOEOH", SMFIP_NR_HDR: "NR_HDR",
    SMFIP_NOUNKNOWN: "NOUNKNOWN", SMFIP_NODATA: "NODATA",
    SMFIP_SKIP: "SKIP", SMFIP_RCPT_REJ: "RCPT_REJ",
    SMFIP_NR_CONN: "NR_CONN", SMFIP_NR_HELO: "NR_HELO",
    SMFIP_NR_MAIL: "NR_MAIL", SMFIP_NR_RCPT: "NR_RCPT",
    SMFIP_NR_DATA: "NR_DATA", SMFIP_NR_UNKN: "NR_UNKN",
    SMFIP_NR_EOH: "NR_EOH", SMFIP_NR_BODY: "NR_BODY",
    SMFIP_HDR_LEADSPC: "HDR_LEADSPC",
    SMFIP_MDS_256K: "MDS_256K", SMFIP_MDS_1M: "MDS_1M",
}
ACTION_FLAG_NAMES = {
    SMFIF_ADDHDRS: "ADDHDRS", SMFIF_CHGBODY: "CHGBODY",
    SMFIF_ADDRCPT: "ADDRCPT", SMFIF_DELRCPT: "DELRCPT",
    SMFIF_CHGHDRS: "CHGHDRS", SMFIF_QUARANTINE: "QUARANTINE",
    SMFIF_CHGFROM: "CHGFROM", SMFIF_ADDRCPT_PAR: "ADDRCPT_PAR",
    SMFIF_SETSYMLIST: "SETSYMLIST",
}

# Commands, MTA -> milter.
SMFIC_ABORT = b"A"
SMFIC_BODY = b"B"
SMFIC_CONNECT = b"C"
SMFIC_MACRO = b"D"
SMFIC_BODYEOB = b"E"
SMFIC_HELO = b"H"
SMFIC_QUIT_NC = b"K"
SMFIC_HEADER = b"L"
SMFIC_MAIL = b"M"
SMFIC_EOH = b"N"
SMFIC_OPTNEG = b"O"
SMFIC_QUIT = b"Q"
SMFIC_RCPT = b"R"
SMFIC_DATA = b"T"
SMFIC_UNKNOWN = b"U"

COMMAND_NAMES = {
    b"A": "abort", b"B": "body", b"C": "connect", b"D": "macro",
    b"E": "eom", b"H": "helo", b"K": "quit_nc", b"L": "header",
    b"M": "mail", b"N": "eoh", b"O": "optneg", b"Q": "quit", b"R": "rcpt",
    b"T": "data", b"U": "unknown",
}

# Replies, milter -> MTA: simple decisions.
REPLY_KINDS = {
    b"c": "continue", b"a": "accept", b"r": "reject", b"d": "discard",
    b"t": "tempfail", b"s": "skip", b"4": "shutdown", b"f": "conn_fail",
    b"y": "replycode",
}
# Decisions after which the MTA stops talking to the milter about this
# message (or connection, at connect/helo).
FINAL_KINDS = ("accept", "reject", "discard", "tempfail", "replycode",
               "shutdown", "conn_fail")
REFUSAL_KINDS = ("reject", "tempfail", "replycode", "shutdown", "conn_fail")

# Macro stages: SMFIM_* index <-> the command letter the macros precede.
STAGE_LETTERS = "CHMRTEN"          # SMFIM_CONNECT=0 ... SMFIM_EOH=6
STAGE_ALIASES = {
    "connect": "C", "helo": "H", "mail": "M", "envfrom": "M", "rcpt": "R",
    "envrcpt": "R", "data": "T", "eom": "E", "eoh": "N", "header": "N",
    "body": "E", "C": "C", "H": "H", "M": "M", "R": "R", "T": "T", "E": "E",
    "N": "N", "L": "N", "B": "E",
}

BODY_CHUNK = 65535                 # sendmail's MILTER_CHUNK_SIZE
MAX_PACKET = 64 * 1024 * 1024      # refuse absurd lengths from the milter
DEFAULT_TIMEOUT = 10.0


class MilterError(Exception):
    """Anything that went wrong talking to the milter."""


class MilterTimeout(MilterError):
    """The milter did not answer within the timeout."""


class MilterClosed(MilterError):
    """The milter hung up (EOF or reset) while we wrote or waited."""


class MilterProtocolError(MilterError):
    """The milter sent something the protocol does not allow here."""


def flag_names(value, table=None):
    """Names of the bits set in value, e.g. ['NOBODY', 'NR_HDR']."""
    table = PROTOCOL_FLAG_NAMES if table is None else table
    names = [n for bit, n in sorted(table.items()) if value & bit]
    rest = value & ~sum(table)
    if rest:
        names.append("0x%x" % rest)
    return names


def _enc(text):
    if isinstance(text, bytes):
        return text
    return str(text).encode("utf-8", "surrogateescape")


def _dec(data):
    return data.decode("utf-8", "surrogateescape")


def _cstr(text):
    data = _enc(text)
    if b"\0" in data:
        raise ValueError("NUL inside a milter string: %r" % (data,))
    return data + b"\0"


def macro_name(name):
    """sendmail's spelling: one-letter names bare, longer ones in braces."""
    name = str(name)
    if len(name) > 1 and not name.startswith("{"):
        return "{" + name + "}"
    return name


def stage_letter(stage):
    try:
        return STAGE_ALIASES[stage]
    except KeyError:
        raise ValueError("unknown macro stage %r" % (stage,)) from None


def parse_socket_spec(spec):
    """libmilter socket spec -> (family, address) usable by socket.connect."""
    if spec.startswith("/"):
        return socket.AF_UNIX, spec
    proto, sep, rest = spec.partition(":")
    if not sep:
        raise ValueError("bad milter socket spec %r" % (spec,))
    proto = proto.lower()
    if proto in ("unix", "local"):
        return socket.AF_UNIX, rest
    if proto in ("inet", "inet6"):
        port, at, host = rest.partition("@")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("bad port in milter socket spec %r" % (spec,))
        if not at or not host:
            host = "127.0.0.1" if proto == "inet" else "::1"
        host = host.strip("[]")
        fam = socket.AF_INET if proto == "inet" else socket.AF_INET6
        return fam, (host, int(port))
    raise ValueError("unknown protocol in milter socket spec %r" % (spec,))


def open_socket(spec, timeout=DEFAULT_TIMEOUT):
    """A connected socket to the milter at spec (raises MilterError)."""
    family, addr = parse_socket_spec(spec)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(addr)
    except OSError as exc:
        sock.close()
        raise MilterError("cannot connect to milter %s: %s" % (spec, exc))
    return sock


def normalize_value(value):
    """A header value as the MTA hands it over: folds joined by bare LF."""
    value = value if isinstance(value, str) else _dec(value)
    return value.replace("\r\n", "\n")


class Reply:
    """One answer of the milter to one command.

    kind: continue accept reject discard tempfail replycode skip shutdown
    conn_fail, or, when the milter was not asked: "noreply" (SMFIP_NR_*),
    "skipped" (step negotiated away or dropped after SMFIR_SKIP).
    For replycode, text is the whole reply ("550 5.7.1 Relaying denied")
    and code the three digits; for the others text is "" and code None.
    """

    def __init__(self, kind, text=""):
        self.kind = kind
        self.text = text
        self.code = text[:3] if kind == "replycode" and text[:3].isdigit() \
            else None

    @property
    def final(self):
        """True if the MTA stops asking this milter (decision taken)."""
        return self.kind in FINAL_KINDS

    @property
    def refused(self):
        """True for reject, tempfail, a reply code, shutdown, conn_fail."""
        return self.kind in REFUSAL_KINDS

    @property
    def smtp(self):
        """The SMTP reply an MTA would give, as Postfix phrases it."""
        if self.kind == "replycode":
            return self.text
        return {"reject": "550 5.7.1 Command rejected",
                "tempfail": "451 4.7.1 Service unavailable - try again later",
                "shutdown": "421 4.7.0 Server closing connection",
                "conn_fail": "421 4.7.0 Server closing connection",
                }.get(self.kind, "250 2.0.0 Ok")

    def __eq__(self, other):
        if isinstance(other, str):
            return self.kind == other
        if isinstance(other, Reply):
            return (self.kind, self.text) == (other.kind, other.text)
        return NotImplemented

    def __hash__(self):
        return hash((self.kind, self.text))

    def __repr__(self):
        if self.text:
            return "Reply(%s %r)" % (self.kind, self.text)
        return "Reply(%s)" % self.kind


class MilterClient:
    """One MTA-side connection to a milter.

    client = MilterClient("inet:8891@127.0.0.1")   # connects
    client.negotiate()                             # SMFIC_OPTNEG
    client.connect("mx.example", "192.0.2.1", 25, macros={"j": "mail"})
    ...; reply, mods = client.eom(); client.quit(); client.close()

    Also a context manager (closes the socket).  Every read waits at most
    timeout seconds (MilterTimeout); a hang-up raises MilterClosed.
    After negotiate(): version, actions, protocol (the milter's flags,
    internal bits masked), symlists {stage letter: [macro names]}.
    filter_macros=True sends, at a stage the milter asked macros for, only
    the ones it asked for, as both MTAs do; by default every macro given is
    sent.
    buffered=True writes as Postfix's VSTREAM does: packets are collected
    and go out in one write just before the client reads a reply (or
    closes), so a stage's macros travel with its command and a run of
    no-reply packets (SMFIP_NR_*) with the next command that needs an
    answer.  By default each packet is its own write, as sendmail does.
    """

    def __init__(self, spec, timeout=DEFAULT_TIMEOUT, actions=ALL_ACTIONS,
                 protocol=MTA_PROTOCOL, version=SMFI_PROT_VERSION,
                 filter_macros=False, sock=None, buffered=False):
        self.spec = spec
        self.timeout = timeout
        self.mta_actions = actions
        self.mta_protocol = protocol
        self.mta_version = version
        self.filter_macros = filter_macros
        self.buffered = buffered
        self.wbuf = []         # packets not yet written (buffered=True)
        self.version = None
        self.actions = 0
        self.protocol = 0
        self.protocol_raw = 0
        self.symlists = {}
        self.negotiated = False
        self.skip_body = False
        self.log = []          # (direction, command letter, payload) trace
        self.sock = sock if sock is not None else open_socket(spec, timeout)
        self.sock.settimeout(timeout)

    # -- context manager and teardown --

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self.sock is not None:
            try:
                if self.wbuf:
                    self.flush()
            except MilterError:
                pass
            try:
                self.sock.close()
            finally:
                self.sock = None

    # -- wire level --

    def send_packet(self, cmd, payload=b""):
        """Write one packet (4-byte length, command byte, payload)."""
        if self.sock is None:
            raise MilterClosed("connection to %s already closed" % self.spec)
        data = struct.pack("!I", len(payload) + 1) + cmd + payload
        self.log.append((">", cmd, payload))
        self.wbuf.append(data)
        if not self.buffered:
            self.flush()

    def flush(self):
        """Write the packets collected so far (one write)."""
        if self.sock is None:
            raise MilterClosed("connection to %s already closed" % self.spec)
        data, self.wbuf = b"".join(self.wbuf), []
        if not data:
            return
        what = COMMAND_NAMES.get(data[4:5], data[4:5])
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise MilterTimeout("timeout writing %s to milter %s"
                                % (what, self.spec))
        except OSError as exc:
            raise MilterClosed("milter %s hung up while we sent %s: %s"
                               % (self.spec, what, exc))

    def _read_exact(self, count, waiting_for):
        chunks = []
        deadline = time.monotonic() + self.timeout
        while count > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise MilterTimeout("no reply from milter %s to %s within "
                                    "%gs" % (self.spec, waiting_for,
                                             self.timeout))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(count, 1 << 20))
            except socket.timeout:
                raise MilterTimeout("no reply from milter %s to %s within "
                                    "%gs" % (self.spec, waiting_for,
                                             self.timeout)) from None
            except OSError as exc:
                raise MilterClosed("milter %s hung up waiting for reply to "
                                   "%s: %s" % (self.spec, waiting_for, exc))
            if not chunk:
                raise MilterClosed("milter %s closed the connection while we "
                                   "waited for its reply to %s"
                                   % (self.spec, waiting_for))
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def read_packet(self, waiting_for="a reply"):
        """Read one packet; returns (command byte, payload bytes)."""
        if self.sock is None:
            raise MilterClosed("connection to %s already closed" % self.spec)
        if self.wbuf:
            self.flush()
        (length,) = struct.unpack("!I", self._read_exact(4, waiting_for))
        if length < 1 or length > MAX_PACKET:
            raise MilterProtocolError("milter %s sent a packet of length %d "
                                      "in reply to %s"
                                      % (self.spec, length, waiting_for))
        data = self._read_exact(length, waiting_for)
        self.log.append(("<", data[:1], data[1:]))
        return data[:1], data[1:]

    # -- negotiation --

    def negotiate(self):
        """SMFIC_OPTNEG; returns self.  Fills version, actions, protocol,
        symlists (milter's requested macros per stage letter)."""
        self.send_packet(SMFIC_OPTNEG, struct.pack(
            "!III", self.mta_version, self.mta_actions, self.mta_protocol))
        cmd, payload = self.read_packet("SMFIC_OPTNEG")
        if cmd != SMFIC_OPTNEG or len(payload) < 12:
            raise MilterProtocolError("bad negotiate reply %r %r"
                                      % (cmd, payload[:40]))
        version, actions, protocol = struct.unpack("!III", payload[:12])
        self.version = version
        self.actions = actions
        self.protocol_raw = protocol
        self.protocol = protocol & ~SMFI_INTERNAL
        if version < 2 or version > self.mta_version:
            raise MilterProtocolError("milter speaks protocol version %d"
                                      % version)
        if actions & ~self.mta_actions:
            raise MilterProtocolError("milter wants actions we did not offer:"
                                      " %s" % flag_names(
                                          actions & ~self.mta_actions,
                                          ACTION_FLAG_NAMES))
        if self.protocol & ~self.mta_protocol:
            raise MilterProtocolError("milter wants protocol steps we did "
                                      "not offer: %s" % flag_names(
                                          self.protocol & ~self.mta_protocol))
        self.symlists = self._parse_symlists(payload[12:])
        self.negotiated = True
        return self

    @staticmethod
    def _parse_symlists(data):
        lists = {}
        while data:
            if len(data) < 5:
                raise MilterProtocolError("truncated macro list in negotiate")
            (index,) = struct.unpack("!I", data[:4])
            end = data.find(b"\0", 4)
            if end < 0:
                raise MilterProtocolError("unterminated macro list")
            if index >= len(STAGE_LETTERS):
                raise MilterProtocolError("macro list for stage %d" % index)
            names = _dec(data[4:end]).split()
            lists[STAGE_LETTERS[index]] = names
            data = data[end + 1:]
        return lists

    def wants(self, flag):
        """True if the milter set protocol flag (e.g. SMFIP_NOBODY)."""
        return bool(self.protocol & flag)

    @property
    def leadspc(self):
        return self.wants(SMFIP_HDR_LEADSPC)

    def describe(self):
        """One line saying what the milter negotiated, for test logs."""
        return ("version %s actions %s protocol %s macros %s"
                % (self.version, "|".join(flag_names(self.actions,
                                                     ACTION_FLAG_NAMES)),
                   "|".join(flag_names(self.protocol)), self.symlists))

    # -- macros --

    def macro(self, stage, macros):
        """SMFIC_MACRO for stage ("C", "connect", ...); no reply."""
        if not macros:
            return
        letter = stage_letter(stage)
        wanted = self.symlists.get(letter) if self.filter_macros else None
        payload = b""
        for name, value in macros.items():
            name = macro_name(name)
            bare = name.strip("{}")
            if wanted is not None and not {name, bare, "{" + bare + "}"} \
                    & set(wanted):
                continue
            payload += _cstr(name) + _cstr(value)
        if payload or wanted is None:
            self.send_packet(SMFIC_MACRO, letter.encode() + payload)

    # -- steps --

    def _need_negotiated(self):
        if not self.negotiated:
            raise MilterError("negotiate() first")

    def _step(self, cmd, payload, skip_flag, nr_flag, macros, stage):
        """Macros, then the command unless negotiated away, then a reply
        unless SMFIP_NR_* says none comes.  Postfix sends a stage's macros
        even when the step itself is skipped; so do we."""
        self._need_negotiated()
        if macros:
            self.macro(stage, macros)
        if skip_flag and self.wants(skip_flag):
            return Reply("skipped")
        self.send_packet(cmd, payload)
        if nr_flag and self.wants(nr_flag):
            return Reply("noreply")
        return self.read_reply(cmd)

    def read_reply(self, cmd):
        """Read replies until a decision (SMFIR_PROGRESS is skipped)."""
        name = "SMFIC_" + COMMAND_NAMES.get(cmd, repr(cmd)).upper()
        while True:
            code, payload = self.read_packet(name)
            if code == b"p":
                continue
            kind = REPLY_KINDS.get(code)
            if kind is None:
                raise MilterProtocolError(
                    "milter %s sent unknown or misplaced reply %r (%d bytes) "
                    "to %s" % (self.spec, code, len(payload), name))
            if kind == "replycode":
                text = _dec(payload.rstrip(b"\0"))
                if len(text) < 3 or text[0] not in "45" \
                        or not text[:3].isdigit():
                    raise MilterProtocolError("bad reply code %r to %s"
                                              % (text, name))
                return Reply(kind, text)
            if kind == "skip" and cmd != SMFIC_BODY:
                raise MilterProtocolError("SMFIR_SKIP in reply to %s" % name)
            return Reply(kind)

    def connect(self, hostname, addr=None, port=0, family=None, macros=None):
        """SMFIC_CONNECT.  family: "4", "6", "L" (unix), "U" (unknown);
        guessed from addr when None (no addr -> unknown, "/..." -> unix)."""
        if family is None:
            if addr is None:
                family = "U"
            elif str(addr).startswith("/"):
                family = "L"
            else:
                ver = ipaddress.ip_address(str(addr).replace("IPv6:", "")
                                           ).version
                family = "4" if ver == 4 else "6"
        payload = _cstr(hostname) + family.encode()
        if family != "U":
            payload += struct.pack("!H", int(port or 0)) + _cstr(addr or "")
        return self._step(SMFIC_CONNECT, payload, SMFIP_NOCONNECT,
                          SMFIP_NR_CONN, macros, "C")

    def helo(self, name, macros=None):
        return self._step(SMFIC_HELO, _cstr(name), SMFIP_NOHELO,
                          SMFIP_NR_HELO, macros, "H")

    @staticmethod
    def _angle(addr):
        addr = str(addr)
        return addr if addr.startswith("<") else "<" + addr + ">"

    def mail(self, sender, args=(), macros=None):
        """SMFIC_MAIL; sender gets <> added if missing; args like
        ["SIZE=100", "BODY=8BITMIME"]."""
        self.skip_body = False
        payload = _cstr(self._angle(sender)) + b"".join(
            _cstr(a) for a in args)
        return self._step(SMFIC_MAIL, payload, SMFIP_NOMAIL, SMFIP_NR_MAIL,
                          macros, "M")

    def rcpt(self, rcpt, args=(), macros=None, as_typed=False):
        """SMFIC_RCPT; rcpt gets <> added if missing, unless as_typed (as
        sendmail passes on an address the client typed without them)."""
        payload = _cstr(rcpt if as_typed else self._angle(rcpt)) + b"".join(
            _cstr(a) for a in args)
        return self._step(SMFIC_RCPT, payload, SMFIP_NORCPT, SMFIP_NR_RCPT,
                          macros, "R")

    def data(self, macros=None):
        if self.version is not None and self.version < 4:
            return Reply("skipped")
        return self._step(SMFIC_DATA, b"", SMFIP_NODATA, SMFIP_NR_DATA,
                          macros, "T")

    def unknown(self, command, macros=None):
        return self._step(SMFIC_UNKNOWN, _cstr(command), SMFIP_NOUNKNOWN,
                          SMFIP_NR_UNKN, None, "C")

    def header(self, name, value, macros=None):
        """SMFIC_HEADER.  value is the text after the colon as in the
        message; without SMFIP_HDR_LEADSPC one leading space (not a tab) is
        stripped, as sendmail and Postfix do."""
        value = normalize_value(value)
        if not self.leadspc and value.startswith(" "):
            value = value[1:]
        return self._step(SMFIC_HEADER, _cstr(name) + _cstr(value),
                          SMFIP_NOHDRS, SMFIP_NR_HDR, macros, "N")

    def eoh(self, macros=None):
        return self._step(SMFIC_EOH, b"", SMFIP_NOEOH, SMFIP_NR_EOH, macros,
                          "N")

    def body(self, data, macros=None):
        """SMFIC_BODY in chunks of at most 65535 bytes.  Returns the list
        of replies (one per chunk sent); stops after a final decision or
        SMFIR_SKIP; [] when the milter asked for no body."""
        data = _enc(data)
        replies = []
        if self.wants(SMFIP_NOBODY) or self.skip_body:
            if macros:
                self.macro("E", macros)
            return replies
        for start in range(0, len(data), BODY_CHUNK):
            reply = self._step(SMFIC_BODY, data[start:start + BODY_CHUNK],
                               SMFIP_NOBODY, SMFIP_NR_BODY,
                               macros if start == 0 else None, "E")
            replies.append(reply)
            if reply.kind == "skip":
                self.skip_body = True
                break
            if reply.final:
                break
        return replies

    def eom(self, macros=None, chunk=b""):
        """SMFIC_BODYEOB; returns (final Reply, [modification tuples])."""
        self._need_negotiated()
        if macros:
            self.macro("E", macros)
        self.send_packet(SMFIC_BODYEOB, _enc(chunk))
        mods = []
        while True:
            code, payload = self.read_packet("SMFIC_BODYEOB")
            if code == b"p":
                continue
            if code in REPLY_KINDS:
                if code == b"y":
                    text = _dec(payload.rstrip(b"\0"))
                    return Reply("replycode", text), mods
                if code == b"s":
                    raise MilterProtocolError("SMFIR_SKIP at end of message")
                return Reply(REPLY_KINDS[code]), mods
            mods.append(self._parse_mod(code, payload))

    def _parse_mod(self, code, payload):
        def strings(data, count, minimum=None):
            parts = data.split(b"\0")
            if parts and parts[-1] == b"":
                parts.pop()
            minimum = count if minimum is None else minimum
            if not minimum <= len(parts) <= count:
                raise MilterProtocolError("bad %r modification payload %r"
                                          % (code, data[:60]))
            return [_dec(p) for p in parts] + [""] * (count - len(parts))

        def indexed(data):
            if len(data) < 4:
                raise MilterProtocolError("short %r modification" % code)
            return struct.unpack("!I", data[:4])[0], data[4:]

        allowed = {b"h": SMFIF_ADDHDRS, b"i": SMFIF_ADDHDRS,
                   b"m": SMFIF_CHGHDRS, b"e": SMFIF_CHGFROM,
                   b"+": SMFIF_ADDRCPT, b"2": SMFIF_ADDRCPT_PAR,
                   b"-": SMFIF_DELRCPT, b"b": SMFIF_CHGBODY,
                   b"q": SMFIF_QUARANTINE, b"l": SMFIF_SETSYMLIST}
        if code not in allowed:
            raise MilterProtocolError("milter %s sent unknown reply %r "
                                      "(%d bytes) at end of message"
                                      % (self.spec, code, len(payload)))
        if not self.actions & allowed[code]:
            raise MilterProtocolError("milter used %r without negotiating %s"
                                      % (code, flag_names(
                                          allowed[code], ACTION_FLAG_NAMES)))
        if code == b"h":
            return ("addheader",) + tuple(strings(payload, 2))
        if code == b"i":
            index, rest = indexed(payload)
            return ("insheader", index) + tuple(strings(rest, 2))
        if code == b"m":
            index, rest = indexed(payload)
            return ("chgheader", index) + tuple(strings(rest, 2))
        if code == b"e":
            return ("chgfrom",) + tuple(strings(payload, 2, 1))
        if code == b"+":
            return ("addrcpt",) + tuple(strings(payload, 1))
        if code == b"2":
            return ("addrcpt_par",) + tuple(strings(payload, 2, 1))
        if code == b"-":
            return ("delrcpt",) + tuple(strings(payload, 1))
        if code == b"b":
            return ("replbody", payload)
        if code == b"q":
            return ("quarantine",) + tuple(strings(payload, 1))
        index, rest = indexed(payload)
        return ("setsymlist", STAGE_LETTERS[index] if index < 7 else index,
                strings(rest, 1)[0].split())

    def abort(self):
        """SMFIC_ABORT (no reply)."""
        self.skip_body = False
        self.send_packet(SMFIC_ABORT)

    def quit(self):
        """SMFIC_QUIT and close."""
        try:
            self.send_packet(SMFIC_QUIT)
        finally:
            self.close()

    def quit_nc(self):
        """SMFIC_QUIT_NC: end this SMTP connection, keep the milter
        connection for a new one (connect() follows)."""
        self.skip_body = False
        self.send_packet(SMFIC_QUIT_NC)


# --- messages ----------------------------------------------------------------

def parse_message(raw):
    """Raw RFC 5322 text -> ([(name, value)], body bytes with CRLF).

    value is the text after the colon (leading whitespace kept), continuation
    lines joined by "\\n" as the MTA passes them."""
    raw = _enc(raw).replace(b"\r\n", b"\n")
    if raw.startswith(b"\n"):
        head, body = b"", raw[1:]
    else:
        head, sep, body = raw.partition(b"\n\n")
        if not sep:
            head, body = head.rstrip(b"\n"), b""
    headers = []
    for line in head.split(b"\n") if head else []:
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + _dec(line))
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise ValueError("not a header line: %r" % line[:60])
        headers.append((_dec(name), _dec(value)))
    return headers, body.replace(b"\n", b"\r\n")


def format_headers(headers):
    """[(name, value)] -> "Name:value\\r\\n..." text with CRLF folds."""
    return "".join("%s:%s\r\n" % (n, v.replace("\n", "\r\n"))
                   for n, v in headers)


# --- applying modifications the way each MTA does ---------------------------

MTAS = ("sendmail", "postfix")


def _mod_value(value, leadspc):
    # Both MTAs put one space after the colon unless the milter negotiated
    # SMFIP_HDR_LEADSPC, in which case the value is used as sent.
    return value if leadspc else " " + value


def apply_header_mods(headers, mods, mta, leadspc=False, own_received=None):
    """Replay the header modifications of mods on headers for one MTA.

    headers: [(name, value)] as the milter saw them (value after the colon).
    mta: "sendmail" or "postfix".  leadspc: the milter negotiated
    SMFIP_HDR_LEADSPC (else a space is put before added/changed values).
    own_received: the value of the MTA's own Received header, which both
    MTAs put on top without showing it to the milter; None leaves it out.
    Returns the final [(name, value)], own Received included.

    Model (sendmail 8.17 milter.c/headers.c, Postfix 3.7 cleanup_milter.c):
    - addheader appends at the end.
    - insheader(i): sendmail walks its whole header list, own Received and
      deleted slots included, and inserts before entry i (0 = very top);
      Postfix counts the visible headers including its own Received (0 =
      above it) and skips deleted ones.  Past the end: append.
    - chgheader(i, name, value): i counts headers of that name from 1 (0 is
      taken as 1), never the MTA's own Received; sendmail counts deleted
      slots too (a delete does not renumber), Postfix does not.  Value ""
      deletes; not found: appended if value is not "", else nothing.
    """
    if mta not in MTAS:
        raise ValueError("mta must be one of %s" % (MTAS,))
    # Entries: [name, value, deleted, own]
    entries = [[n, normalize_value(v), False, False] for n, v in headers]
    if own_received is not None:
        entries.insert(0, ["Received", normalize_value(own_received), False,
                           True])
    for mod in mods:
        kind = mod[0]
        if kind == "addheader":
            entries.append([mod[1], _mod_value(mod[2], leadspc), False,
                            False])
        elif kind == "insheader":
            _insert(entries, mod[1], mod[2], _mod_value(mod[3], leadspc), mta)
        elif kind == "chgheader":
            _change(entries, mod[1], mod[2], mod[3], leadspc, mta)
    return [(e[0], e[1]) for e in entries if not e[2]]


def _insert(entries, index, name, value, mta):
    new = [name, value, False, False]
    if mta == "sendmail":
        pos = min(index, len(entries))
    else:
        visible = [i for i, e in enumerate(entries) if not e[2]]
        pos = visible[index] if index < len(visible) else len(entries)
    entries.insert(pos, new)


def _change(entries, index, name, value, leadspc, mta):
    index = max(index, 1)
    found = None
    for entry in entries:
        if entry[3] or entry[0].lower() != name.lower():
            continue
        if mta == "postfix" and entry[2]:
            continue
        index -= 1
        if index == 0:
            found = entry
            break
    if found is None:
        if value != "":
            entries.append([name, _mod_value(value, leadspc), False, False])
        return
    # sendmail: changing a deleted (still counted) slot revives it.
    if value == "":
        found[2] = True
    else:
        found[1] = _mod_value(value, leadspc)
        found[2] = False


def apply_envelope_mods(mail_from, rcpts, mods):
    """(sender, [recipients]) after chgfrom/addrcpt/addrcpt_par/delrcpt.

    Addresses are compared without the angle brackets; results carry
    them as given by the milter/caller."""
    def bare(addr):
        return str(addr).strip().strip("<>").lower()
    sender = mail_from
    out = list(rcpts)
    for mod in mods:
        if mod[0] == "chgfrom":
            sender = mod[1]
        elif mod[0] in ("addrcpt", "addrcpt_par"):
            out.append(mod[1])
        elif mod[0] == "delrcpt":
            out = [r for r in out if bare(r) != bare(mod[1])]
    return sender, out


def replaced_body(mods):
    """The new body from SMFIR_REPLBODY chunks, or None if not replaced."""
    chunks = [m[1] for m in mods if m[0] == "replbody"]
    return b"".join(chunks) if chunks else None


# --- one message, start to end, as an MTA would send it ----------------------

class Result:
    """What run_message saw.

    negotiated: the MilterClient's negotiation (version, actions, protocol,
      symlists).  replies: {"connect"|"helo"|"mail"|"data"|"eoh"|"eom":
      Reply}.  rcpt_replies: [(rcpt, Reply)].  header_replies:
      [((name, value), Reply)].  body_replies: [Reply].  mods: the EOM
      modification tuples.  stopped_at: the step whose final decision ended
      the message early ("connect", "helo", "mail", "rcpt" when every
      recipient was refused, "data", "header", "eoh", "body"), or None.
      final: the decisive Reply (the EOM one, or the one at stopped_at).
    """

    def __init__(self, headers, mail_from, rcpts, body):
        self.headers = list(headers)
        self.mail_from = mail_from
        self.rcpts = list(rcpts)
        self.body = body
        self.negotiated = None
        self.client = None
        self.replies = {}
        self.rcpt_replies = []
        self.header_replies = []
        self.body_replies = []
        self.mods = []
        self.stopped_at = None
        self.final = None

    @property
    def leadspc(self):
        return bool(self.negotiated and self.negotiated.leadspc)

    def mods_of(self, *kinds):
        """The modification tuples whose kind is one of kinds."""
        return [m for m in self.mods if m[0] in kinds]

    def headers_after(self, mta, own_received=None):
        """Final header list for "sendmail" or "postfix"."""
        return apply_header_mods(self.headers, self.mods, mta,
                                 leadspc=self.leadspc,
                                 own_received=own_received)

    def envelope_after(self):
        """(sender, recipients) after envelope modifications; recipients
        are those the milter did not refuse at RCPT."""
        accepted = [r for r, rep in self.rcpt_replies if not rep.refused]
        return apply_envelope_mods(self.mail_from, accepted, self.mods)

    def body_after(self):
        new = replaced_body(self.mods)
        return self.body if new is None else new

    def header_values(self, name, mta="sendmail", own_received=None):
        """Values of every header called name in the final list."""
        return [v for n, v in self.headers_after(mta, own_received)
                if n.lower() == name.lower()]

    def __repr__(self):
        return ("Result(final=%r stopped_at=%r replies=%r rcpts=%r mods=%r)"
                % (self.final, self.stopped_at, self.replies,
                   self.rcpt_replies, self.mods))


def mta_macros(mta, qid="4Q1ABC2DEF", j="mail.example.net",
               daemon_name=None, auth_authen=None, auth_type="PLAIN",
               client_addr=None, client_name=None, if_addr="127.0.0.1",
               mail_addr=None, rcpt_addr=None, extra=None):
    """The macros an MTA sends by default, as run_message's macros dict.

    sendmail 8.17 (confMILTER_MACROS_*): connect j _ {daemon_name}
    {if_name} {if_addr}; mail i {auth_type} {auth_authen} {mail_addr}...;
    rcpt {rcpt_addr}; eom {msg_id} (we also put i there: it is defined).
    Postfix 3.7 (milter_*_macros): connect j {daemon_name} {daemon_addr} v
    _; mail {auth_type} {auth_authen} {mail_addr}; queue id i only from
    DATA on (the queue file is opened after the first valid RCPT); it sends
    a macro only when it has a value (no {auth_*} without AUTH).
    extra: {stage: {name: value}} merged on top."""
    if mta not in MTAS:
        raise ValueError("mta must be one of %s" % (MTAS,))
    out = {"C": {"j": j}, "M": {}, "R": {}, "T": {}, "N": {}, "E": {}}
    if client_addr is not None or client_name is not None:
        out["C"]["_"] = "%s [%s]" % (client_name or "", client_addr or "")
    if daemon_name is not None:
        out["C"]["{daemon_name}"] = daemon_name
    if mta == "sendmail":
        out["C"]["{if_addr}"] = if_addr
        out["M"]["i"] = qid
        out["E"]["i"] = qid
    else:
        out["C"]["{daemon_addr}"] = if_addr
        out["C"]["v"] = "Postfix 3.7.11"
        for stage in "TNE":
            out[stage]["i"] = qid
    if auth_authen is not None:
        out["M"]["{auth_authen}"] = auth_authen
        out["M"]["{auth_type}"] = auth_type
    if mail_addr is not None:
        out["M"]["{mail_addr}"] = mail_addr
    if rcpt_addr is not None:
        out["R"]["{rcpt_addr}"] = rcpt_addr
    for stage, values in (extra or {}).items():
        out.setdefault(stage_letter(stage), {}).update(values)
    return {k: v for k, v in out.items() if v}


def _stage_macros(macros, stage):
    if not macros:
        return None
    out = {}
    for key, value in macros.items():
        if stage_letter(key) == stage:
            out.update(value)
    return out or None


def run_message(spec, connect=("localhost", "127.0.0.1", 0), helo=None,
                macros=None, mail_from="<>", mail_args=(), rcpts=(),
                headers=(), body=b"", message=None, timeout=DEFAULT_TIMEOUT,
                client=None, quit=True, **client_args):
    """Send one message to the milter at spec as an MTA would.

    connect: (hostname, address, port); address None -> unknown family,
      "/path" -> unix.  helo: HELO name or None (step left out).
    macros: {stage: {name: value}}, stage one of "C" "H" "M" "R" "T" "N"
      "E" or connect/helo/mail/rcpt/data/eoh/eom; names like "j",
      "{auth_authen}" or "auth_authen" (braces added).
    rcpts: ["<a@b>", ...] or [("<a@b>", ["NOTIFY=NEVER"]), ...].
    headers: [(name, value)] (value after the colon, with its leading
      space) and body (bytes, CRLF lines), or message= raw text instead.
    client: an already negotiated MilterClient to reuse (e.g. after
      quit_nc); quit=False leaves it open (for several messages, with
      client.quit_nc() or client.abort() between them), as res.client.
    Returns a Result.  Raises MilterError on timeouts, hang-ups and
    protocol errors.
    """
    if message is not None:
        headers, body = parse_message(message)
    res = Result(headers, mail_from, [r if isinstance(r, str) else r[0]
                                      for r in rcpts], _enc(body))
    own = client is None
    if own:
        client = MilterClient(spec, timeout=timeout, **client_args)
    res.client = client
    try:
        if not client.negotiated:
            client.negotiate()
        res.negotiated = client
        _run_steps(client, res, connect, helo, macros, mail_args, rcpts)
    except BaseException:
        if own or quit:
            client.close()
        raise
    if quit:
        try:
            client.quit()
        except MilterError:
            pass
        client.close()
    return res


def _stop(res, stage, reply):
    res.stopped_at = stage
    res.final = reply
    return True


def _run_steps(client, res, connect, helo, macros, mail_args, rcpts):
    host, addr, port = (tuple(connect) + (None, 0))[:3]
    reply = client.connect(host, addr, port, macros=_stage_macros(macros, "C"))
    res.replies["connect"] = reply
    if reply.final:
        return _stop(res, "connect", reply)
    if helo is not None:
        reply = client.helo(helo, macros=_stage_macros(macros, "H"))
        res.replies["helo"] = reply
        if reply.final:
            return _stop(res, "helo", reply)
    reply = client.mail(res.mail_from, mail_args,
                        macros=_stage_macros(macros, "M"))
    res.replies["mail"] = reply
    if reply.final:
        client.abort()
        return _stop(res, "mail", reply)
    for rcpt in rcpts:
        addr, args = (rcpt, ()) if isinstance(rcpt, str) else rcpt
        reply = client.rcpt(addr, args, macros=_stage_macros(macros, "R"))
        res.rcpt_replies.append((addr, reply))
        if reply.kind in ("accept", "discard"):
            break
    accepted = [r for r in res.rcpt_replies if not r[1].refused]
    if not accepted and rcpts:
        client.abort()
        return _stop(res, "rcpt", res.rcpt_replies[-1][1])
    last = res.rcpt_replies[-1][1] if res.rcpt_replies else None
    if last is not None and last.kind in ("accept", "discard"):
        client.abort()
        return _stop(res, "rcpt", last)
    return _run_content(client, res, macros)


def _run_content(client, res, macros):
    reply = client.data(macros=_stage_macros(macros, "T"))
    res.replies["data"] = reply
    if reply.final:
        client.abort()
        return _stop(res, "data", reply)
    hmacros = _stage_macros(macros, "N")
    for name, value in res.headers:
        reply = client.header(name, value, macros=hmacros)
        res.header_replies.append(((name, value), reply))
        if reply.final:
            client.abort()
            return _stop(res, "header", reply)
    reply = client.eoh(macros=hmacros)
    res.replies["eoh"] = reply
    if reply.final:
        client.abort()
        return _stop(res, "eoh", reply)
    res.body_replies = client.body(res.body)
    if res.body_replies and res.body_replies[-1].final:
        client.abort()
        return _stop(res, "body", res.body_replies[-1])
    reply, res.mods = client.eom(macros=_stage_macros(macros, "E"))
    res.replies["eom"] = reply
    res.final = reply
    return False

