"""mktest.dkimtest - shared helpers of the milterkit-dkim tests
(tests/milter/dkim-*.py and the dkim e2e tests).

Keys are made with openssl (RSA 2048, Ed25519) in the daemon's temporary
directory; the public records go to a key_source file (or to a TestDNS).
Messages are sent with milterclient.run_message and rebuilt as each MTA
would deliver them (apply_header_mods), then verified with python3-dkim
and with Debian's opendkim run as a verifying milter (TestPublicKeys).
"""

import base64
import os
import re
import shutil
import subprocess
import tempfile

from . import milterclient as mc
from . import Daemon, give_key, key_base, need_program

DKIMPY_DATA = "/usr/lib/python3/dist-packages/dkim/tests/data"

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        authserv_id = "mail.example.net";
        internal_networks = ["127.0.0.0/8", "::1/128", "192.168.0.0/16"];
        submission_daemons = ["MSA"]; @DNS@ };
'''

INTERNAL = ("pc1.home.example.net", "192.168.1.20", 40000)
OUTSIDE = ("mx.example.org", "203.0.113.7", 40001)


def dkimpy():
    try:
        import dkim
    except ImportError:
        from . import skip
        skip("python3-dkim missing")
    return dkim


def openssl_key(path, kind, bits=2048):
    """A new private key (PKCS#8 PEM) at path, kind rsa|ed25519, owned by
    the daemon's user with mode 0600 (give_key())."""
    args = ["openssl", "genpkey", "-out", path]
    args += (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits]
             if kind == "rsa" else ["-algorithm", "ED25519"])
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return give_key(path)


def ed25519_seed_b64(path):
    """The raw base64 Ed25519 seed of a PEM key file, as dkimpy's dknewkey
    writes it and dkim.sign() wants it."""
    der = subprocess.run(["openssl", "pkey", "-in", path, "-outform", "DER"],
                         check=True, capture_output=True, timeout=60).stdout
    return base64.b64encode(der[-32:])


def public_record(path, kind):
    """The DKIM key record (v=DKIM1; k=...; p=...) of a private key file."""
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True, timeout=60).stdout
    if kind == "ed25519":
        der = der[-32:]           # RFC 8463: the raw 32-byte key
    return "v=DKIM1; k=%s; p=%s" % (kind, base64.b64encode(der).decode())


class Keys:
    """Keys made in a private temporary directory under key_base() (removed
    by close() or at the end of a with block): keys[(domain, selector)] =
    (path, kind, record).  The key_source file is DIR/keys.txt
    (write_source())."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="milterkit-dkimkeys-", dir=key_base())
        os.chmod(self.dir, 0o755)
        self.keys = {}
        self.extra = {}           # name -> TXT record, for foreign keys
        self.source = os.path.join(self.dir, "keys.txt")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def make(self, domain, selector, kind, bits=2048):
        path = os.path.join(self.dir, "%s.%s.key" % (domain, selector))
        openssl_key(path, kind, bits)
        self.keys[(domain, selector)] = (path, kind, public_record(path, kind))
        return path

    def records(self):
        out = {"%s._domainkey.%s" % (s, d): v[2] for (d, s), v in self.keys.items()}
        out.update(self.extra)
        return out

    def write_source(self, path=None):
        path = path or self.source
        with open(path, "w") as fh:
            for name, rec in sorted(self.records().items()):
                fh.write("%s %s\n" % (name, rec))
        return path

    def config_entries(self, domains=None):
        out = []
        if not self.keys:
            return "()"
        for (d, s), (path, kind, _) in sorted(self.keys.items()):
            if domains is None or d in domains:
                out.append('{ domain = "%s"; selector = "%s"; key = "%s"; algorithm = "%s"; }'
                           % (d, s, path, kind))
        return "(" + ",\n ".join(out) + ")"

    def dnsfunc(self, name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        rec = self.records().get(name.rstrip("."))
        return rec.encode() if rec is not None else None


def dkim_conf(keys, extra="", masq=None, dns="", domains=None, source=True):
    """A config for milterkit-dkim with the keys of a Keys (all, or those of
    domains); the key_source is keys.txt unless source is False (DNS).
    @SOCKET@ etc. are filled by Daemon."""
    text = SITE.replace("@DNS@", dns)
    if masq:
        text += masq + "\n"
    src = 'key_source = "%s";' % keys.source if source else ""
    text += ('dkim: { socket = "@SOCKET@"; keys = %s;\n  %s %s };\n'
             % (keys.config_entries(domains), src, extra))
    return text


def start(conf_text, **kw):
    """A (not yet started) milterkit-dkim Daemon with conf_text."""
    from . import milter_daemon
    return milter_daemon("dkim", conf_text, **kw)


def send(spec, message, connect=INTERNAL, mta="sendmail", qid="Q1DKIM", macros=None,
         mail_from="<john@example.net>"):
    return mc.run_message(spec, connect=connect,
                          macros=macros or mc.mta_macros(mta, qid=qid),
                          mail_from=mail_from, rcpts=["<someone@example.org>"],
                          message=message)


def delivered(res, mta="sendmail"):
    """The message bytes as the MTA delivers it."""
    head = mc.format_headers(res.headers_after(mta)).encode("utf-8", "surrogateescape")
    return head + b"\r\n" + res.body_after()


def signatures(res):
    return [m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == "dkim-signature"]


def ar_values(res):
    return [m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == "authentication-results"]


def dkimpy_verify_all(raw, dnsfunc):
    """python3-dkim's verdict on every signature of raw (list of bools)."""
    dkim = dkimpy()
    d = dkim.DKIM(raw)
    n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    return [d.verify(idx=i, dnsfunc=dnsfunc) for i in range(n)]


OPENDKIM_VERIFY_CONF = """\
Mode                    v
Socket                  @SOCKET@
AuthservID              opendkim.test
AlwaysAddARHeader       yes
TestPublicKeys          @TMPDIR@/keys
Syslog                  no
PidFile                 @TMPDIR@/opendkim.pid
UMask                   007
MinimumKeyBits          1024
"""


class OpenDKIMVerifier:
    """Debian's opendkim as a verifying milter with the given key records."""

    def __init__(self, records, conf=OPENDKIM_VERIFY_CONF):
        opendkim = need_program("/usr/sbin/opendkim")
        self.daemon = Daemon([opendkim, "-f", "-x", "@CONF@"], config=conf,
                             socket="inet", conf_name="opendkim.conf", name="opendkim")
        self.daemon.files["keys"] = "".join("%s %s\n" % (n, r) for n, r in records.items())

    def __enter__(self):
        self.daemon.__enter__()
        return self

    def __exit__(self, *exc):
        return self.daemon.__exit__(*exc)

    def results(self, raw):
        """The dkim= results opendkim puts in its Authentication-Results."""
        res = mc.run_message(self.daemon.socket, connect=OUTSIDE,
                             macros=mc.mta_macros("postfix", qid="QODKIM"),
                             mail_from="<x@example.org>", rcpts=["<y@example.net>"],
                             message=raw)
        text = " ".join(ar_values(res))
        return re.findall(r"dkim=(\w+)", text), text


def ar_results(value):
    """[(result, {prop: value})] of one A-R value of ours."""
    out = []
    for part in value.split(";")[1:]:
        m = re.search(r"dkim=(\w+)", part)
        if not m:
            continue
        props = dict(re.findall(r"header\.(\w)=(\"[^\"]*\"|\S+)", part))
        out.append((m.group(1), props))
    return out


def message(from_addr="John <john@example.net>", subject="test", body="Hello.\r\n",
            extra_headers=(), folded=False):
    to = "Someone <someone@example.org>"
    if folded:
        to = "Someone\r\n  <someone@example.org>,\r\n\tOther <other@example.org>"
        subject = subject + "\r\n that is\r\n\t folded  twice"
    head = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <t.%d@example.net>\r\n" % (from_addr, to, subject, os.getpid()))
    for name, value in extra_headers:
        head += "%s: %s\r\n" % (name, value)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return head.encode("utf-8") + b"\r\n" + body
