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

from . import authres
from . import milterclient as mc
from . import Daemon, give_key, key_base, need_program

DKIMPY_DATA = "/usr/lib/python3/dist-packages/dkim/tests/data"

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        authserv_id = "mail.example.net";
        internal_networks = ["127.0.0.0/8", "::1/128", "192.168.0.0/16"];
        submission_daemons = ["MSA"]; @DNS@ };
'''

# For the tests of DKIM alone, whose configs name no DNS server: SPF and
# DMARC off, so that nothing asks the machine's resolver (tests/milter/
# dkim-spf-dmarc.py tests them against a DNS of its own).
NO_AUTH = "spf = { enable = false; }; dmarc = { enable = false; };"

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


def dkim_conf(keys, extra="", masq=None, dns="", domains=None, source=True, auth=False):
    """A config for milterkit-dkim with the keys of a Keys (all, or those of
    domains); the key_source is keys.txt unless source is False (DNS).
    SPF and DMARC are off unless auth is true (NO_AUTH).
    @SOCKET@ etc. are filled by Daemon."""
    text = SITE.replace("@DNS@", dns)
    if not auth:
        extra = NO_AUTH + " " + extra
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
         mail_from="<john@example.net>", body=None):
    """One message to the milter at spec.  message is parsed as the MTA
    would (bare LFs become line ends); body, when given, replaces its body
    byte for byte (bare CR, bare LF and all)."""
    headers, parsed = mc.parse_message(message)
    return mc.run_message(spec, connect=connect,
                          macros=macros or mc.mta_macros(mta, qid=qid),
                          mail_from=mail_from, rcpts=["<someone@example.org>"],
                          headers=headers, body=parsed if body is None else body)


def delivered(res, mta="sendmail"):
    """The message bytes as the MTA delivers it."""
    head = mc.format_headers(res.headers_after(mta)).encode("utf-8", "surrogateescape")
    return head + b"\r\n" + res.body_after()


def signatures(res):
    return [m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == "dkim-signature"]


def _ar_mods(res):
    return [m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == "authentication-results"]


def ar_values(res):
    """The Authentication-Results values the milter added, each checked
    against RFC 8601 (mktest.authres)."""
    values = _ar_mods(res)
    for v in values:
        authres.check(v)
    return values


def ours(values, authserv_id="mail.example.net"):
    """Of Authentication-Results values (str or bytes, e.g. what a sink
    received), those carrying authserv_id, each checked against RFC 8601."""
    out = []
    for v in values:
        v = v.decode("latin-1") if isinstance(v, bytes) else v
        if re.match(r'\s*(\(.*?\)\s*)?"?%s"?\s*(;|$)' % re.escape(authserv_id), v, re.I):
            authres.check(v)
            out.append(v)
    return out


def dkimpy_verify_all(raw, dnsfunc):
    """python3-dkim's verdict on every signature of raw (list of bools)."""
    dkim = dkimpy()
    d = dkim.DKIM(raw)
    n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    return [d.verify(idx=i, dnsfunc=dnsfunc) for i in range(n)]


MAIL_DKIM_VERIFY = r"""
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS;
# Key records from the file named first (NAME RECORD lines), not from DNS.
my %rec;
open(my $fh, '<', $ARGV[0]) or die "$ARGV[0]: $!";
while (my $l = <$fh>) { chomp $l; my ($n, $v) = split(/ /, $l, 2); $rec{lc $n} = $v; }
{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ($name, $type) = @_;
        my $v = $rec{lc $name};
        $@ = 'NXDOMAIN';
        return () unless defined $v && $type eq 'TXT';
        $@ = 'NOERROR';
        return (Net::DNS::RR->new(name => $name, type => 'TXT',
                                  txtdata => [unpack('(a255)*', $v)]));
    };
}
binmode STDIN;
local $/;
my $msg = <STDIN>;
my $dkim = Mail::DKIM::Verifier->new();
$dkim->PRINT($msg);
$dkim->CLOSE;
foreach my $sig ($dkim->signatures) {
    print $sig->result, "	", ($sig->result_detail // ''), "
";
}
"""


def mail_dkim_verify_all(raw, records):
    """Mail::DKIM's verdict on every signature of raw, as fed byte for byte
    (no line-end conversion): a list of (result, detail); records is
    {name: TXT value} (Keys.records())."""
    need_program("/usr/bin/perl")
    if not os.path.exists("/usr/share/perl5/Mail/DKIM/Verifier.pm"):
        from . import skip
        skip("libmail-dkim-perl missing (tests/setup.sh installs it)")
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as fh:
        for name, rec in records.items():
            fh.write("%s %s\n" % (name, rec))
        fh.flush()
        r = subprocess.run(["/usr/bin/perl", "-e", MAIL_DKIM_VERIFY, fh.name], input=raw,
                           capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("Mail::DKIM: %s" % r.stderr.decode("utf-8", "replace"))
    return [tuple((line.split("\t") + [""])[:2])
            for line in r.stdout.decode("utf-8", "replace").splitlines()]


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
        text = " ".join(_ar_mods(res))     # OpenDKIM's own, not judged here
        return re.findall(r"dkim=(\w+)", text), text


def ar_results(value):
    """[(result, {prop: value})] of the dkim results of one A-R value of
    ours (checked against RFC 8601; property values unquoted, "reason"
    holds the reason when there is one)."""
    pl = authres.check(value)
    if pl is None:              # tally mode: fall back to a loose reading
        out = []
        for part in value.split(";")[1:]:
            m = re.search(r"dkim=(\w+)", part)
            if m:
                props = dict(re.findall(r"header\.(\w)=(\"[^\"]*\"|\S+)", part))
                out.append((m.group(1), {k: v.strip('"') for k, v in props.items()}))
        return out
    out = []
    for r in pl.of("dkim"):
        props = {n: v for t, n, v in r.props if t == "header"}
        if r.reason is not None:
            props["reason"] = r.reason
        out.append((r.result, props))
    return out


def dkimpy_signed(keys, selector, key=None, body=b"Hello.\r\nBye.\r\n", domain="example.org",
                  **kw):
    """A message from a@DOMAIN signed by python3-dkim with the key made as
    (domain, key or selector) in keys; kw go to dkim.sign()."""
    dkim = dkimpy()
    msg = message(from_addr="a@%s" % domain, body=body)
    pem = open(keys.keys[(domain, key or selector)][0], "rb").read()
    return dkim.sign(msg, selector.encode(), domain.encode(), pem, **kw) + msg


def edit_signature(raw, old, new):
    """raw with the first old (bytes) in its DKIM-Signature fields made new."""
    head, sep, rest = raw.partition(b"\r\nFrom:")
    if old not in head:
        raise ValueError("%r not in %r" % (old, head[:200]))
    return head.replace(old, new, 1) + sep + rest


def verdict_keys(keys, dns):
    """Makes the keys and puts in dns (a TestDNS) the key records that
    verdict_corpus() needs (selectors of example.org)."""
    keys.make("example.org", "k", "rsa")
    rec = keys.keys[("example.org", "k")][2]
    pub = rec.split("p=")[1]
    dns.txt("k._domainkey.example.org", rec)
    dns.txt("test._domainkey.example.org", "v=DKIM1; k=rsa; t=y; p=" + pub)
    dns.txt("dupkey._domainkey.example.org", "v=DKIM1; k=rsa; k=rsa; p=" + pub)
    dns.txt("two._domainkey.example.org", rec)
    dns.txt("two._domainkey.example.org", "v=DKIM1; k=rsa; n=another; p=" + pub)
    for i in range(11):     # 11 records, over 8 KB in all
        dns.txt("eleven._domainkey.example.org",
                rec if i == 0 else "v=DKIM1; k=rsa; n=%02d%s; p=%s" % (i, "x" * 500, pub))


def verdict_corpus(keys):
    """[(label, raw message, dkim result, text the reason holds or None)]:
    one message per verdict rule of milterkit-dkim(8), keys as
    verdict_keys() made them, default settings."""
    good = dkimpy_signed(keys, "k")
    tail = dkimpy_signed(keys, "k", length=True) + b"Appended, not signed.\r\n"
    return [
        ("rsa-sha256", good, "pass", None),
        ("rsa-sha1", dkimpy_signed(keys, "k", signature_algorithm=b"rsa-sha1"), "permerror",
         "rsa-sha1 is historic (RFC 8301 3.1)"),
        ("t=y", dkimpy_signed(keys, "test", key="k"), "policy",
         "key in testing mode (t=y); the signature verified"),
        ("t=y, body changed", dkimpy_signed(keys, "test", key="k").replace(b"Bye.", b"Bye!"),
         "fail", "body hash did not verify; key in testing mode (t=y)"),
        ("q=foo/bar", edit_signature(good, b"q=dns/txt;", b"q=foo/bar;"), "permerror",
         "no known query method in q="),
        ("i= twice", edit_signature(good, b"s=k;", b"s=k; i=@example.org; i=@example.org;"),
         "permerror", "tag i= occurs twice (RFC 6376 3.2)"),
        ("k= twice in the key record", dkimpy_signed(keys, "dupkey", key="k"), "permerror",
         "a tag occurs twice in the key record"),
        ("l= covering the body", dkimpy_signed(keys, "k", length=True), "pass", None),
        ("l= tail", tail, "policy", "l= leaves 23 of 37 body bytes unsigned"),
        ("2 key records", dkimpy_signed(keys, "two", key="k"), "permerror",
         "several key records"),
        ("11 key records", dkimpy_signed(keys, "eleven", key="k"), "permerror",
         "several key records"),
    ]


def on_chunk_boundary(text):
    """A body of 70-byte lines in which text starts at byte 65534, the last
    byte of the first 64 KB chunk the MTAs (and milterclient) send; lines
    stay under RFC 5322's 998 bytes, which Postfix's SMTP client enforces
    by folding longer ones."""
    line = b"z" * 68 + b"\r\n"
    head = line * (65534 // len(line))
    head += b"w" * (65534 - len(head))
    return head + text + b"y\r\n" + line * 20


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
