"""mktest.authres - a strict checker of Authentication-Results header
fields, following the ABNF of RFC 8601 section 2.2 exactly:

  authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
                    ( no-result / 1*resinfo ) [CFWS] CRLF
  authserv-id     = value                      ; RFC 2045: token / quoted-string
  authres-version = 1*DIGIT [CFWS]
  no-result       = [CFWS] ";" [CFWS] "none"
  resinfo         = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
  methodspec      = [CFWS] method [CFWS] "=" [CFWS] result
  reasonspec      = "reason" [CFWS] "=" [CFWS] value
  propspec        = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
  method          = Keyword [ [CFWS] "/" [CFWS] method-version ]
  method-version  = 1*DIGIT [CFWS]
  result, ptype   = Keyword                    ; RFC 5321: Ldh-str
  property        = special-smtp-verb / Keyword
  pvalue          = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]
  domain-name     = sub-domain 1*("." sub-domain)   ; RFC 6376

with RFC 5322's CFWS, comment, quoted-string and dot-atom (no obsolete
forms), RFC 2045's token, RFC 5321's Keyword (Ldh-str) and sub-domain.
Only US-ASCII is accepted (no RFC 6532).  The parser is exact: every rule
returns all the positions where it can end, so alternatives and optional
parts are tried the way the ABNF allows, nothing more.

    from mktest import authres
    authres.parse(value)     # -> Payload; raises AuthresError when invalid
    authres.problem(value)   # -> None, or why it is invalid

`value` is the field body after "Authentication-Results:"; folds may be
"\\n" (as a milter hands them) or "\\r\\n"; a bare "\\n" is read as CRLF.
parse() also checks what RFC 8601 registers for the dkim method (its
results; header.d/i/a/s/b) and, for spf and dmarc, their results.

Every Authentication-Results field a test makes our milter emit goes
through check() (dkimtest does it in the helpers that read them).  With
MKTEST_AUTHRES_TALLY=FILE in the environment, check() appends "ok" or
"bad <why>" and the value to FILE, one line each, and does not fail: that
is how the count of invalid fields is measured over a test run.
"""

import os
import re

from .runner import check as _check


class AuthresError(ValueError):
    pass


TSPECIALS = set('()<>@,;:\\"/[]?=')
ALPHA = set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
DIGIT = set('0123456789')
LETDIG = ALPHA | DIGIT
ATEXT = ALPHA | DIGIT | set("!#$%&'*+-/=?^_`{|}~")
WSP = set(' \t')
LDH = LETDIG | set('-')
TOKEN_CHARS = set(chr(c) for c in range(33, 127)) - TSPECIALS

# RFC 8601 registries (section 2.7 and the IANA tables): results per method.
RESULTS = {
    'dkim': {'none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror'},
    'spf': {'none', 'pass', 'fail', 'softfail', 'policy', 'neutral', 'temperror',
            'permerror'},
    'dmarc': {'none', 'pass', 'fail', 'temperror', 'permerror'},
}
PROPERTIES = {
    'dkim': {('header', 'd'), ('header', 'i'), ('header', 'a'), ('header', 's'),
             ('header', 'b')},
    'spf': {('smtp', 'mailfrom'), ('smtp', 'helo')},
    'dmarc': {('header', 'from'), ('policy', 'dmarc')},
}


class _P:
    """Rules over one string: each returns the frozenset of end positions
    reachable from position i (empty: no match)."""

    def __init__(self, s):
        self.s = s
        self.n = len(s)
        self.memo = {}

    def _m(self, name, i, fn):
        key = (name, i)
        if key not in self.memo:
            self.memo[key] = frozenset(fn(i))
        return self.memo[key]

    def ch(self, i, chars):
        return {i + 1} if i < self.n and self.s[i] in chars else set()

    def lit(self, i, text, fold=True):
        t = self.s[i:i + len(text)]
        return {i + len(text)} if (t.lower() == text.lower() if fold else t == text) else set()

    # -- RFC 5322 --------------------------------------------------------
    def wsp1(self, i):
        j = i
        while j < self.n and self.s[j] in WSP:
            j += 1
        return {j} if j > i else set()

    def fws(self, i):
        # FWS = ([*WSP CRLF] 1*WSP)
        def f(i):
            out = set(self.wsp1(i))
            j = i
            while j < self.n and self.s[j] in WSP:
                j += 1
            if self.s.startswith('\r\n', j):
                out |= self.wsp1(j + 2)
            return out
        return self._m('fws', i, f)

    def comment(self, i):
        def f(i):
            if not self.lit(i, '('):
                return set()
            pos = {i + 1}
            seen = set()
            while pos - seen:
                new = set()
                for p in pos - seen:
                    seen.add(p)
                    starts = {p} | set(self.fws(p))
                    for q in starts:
                        new |= self.ccontent(q)
                pos |= new
            ends = set()
            for p in pos:
                for q in {p} | set(self.fws(p)):
                    ends |= self.lit(q, ')')
            return ends
        return self._m('comment', i, f)

    def ccontent(self, i):
        ctext = set(chr(c) for c in list(range(33, 40)) + list(range(42, 92)) +
                    list(range(93, 127)))
        return self.ch(i, ctext) | self.quoted_pair(i) | self.comment(i)

    def quoted_pair(self, i):
        if self.lit(i, '\\') and i + 1 < self.n and (
                33 <= ord(self.s[i + 1]) <= 126 or self.s[i + 1] in WSP):
            return {i + 2}
        return set()

    def cfws(self, i):
        # CFWS = (1*([FWS] comment) [FWS]) / FWS
        def f(i):
            out = set(self.fws(i))
            pos = set()
            frontier = {i}
            seen = set()
            while frontier:
                nxt = set()
                for p in frontier:
                    if p in seen:
                        continue
                    seen.add(p)
                    for q in {p} | set(self.fws(p)):
                        for e in self.comment(q):
                            pos.add(e)
                            nxt.add(e)
                frontier = nxt
            for p in pos:
                out.add(p)
                out |= self.fws(p)
            return out
        return self._m('cfws', i, f)

    def ocfws(self, i):
        return {i} | set(self.cfws(i))

    def quoted_string(self, i):
        # [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]
        def f(i):
            qtext = set(chr(c) for c in [33] + list(range(35, 92)) + list(range(93, 127)))
            ends = set()
            for a in self.ocfws(i):
                if not self.lit(a, '"'):
                    continue
                pos = {a + 1}
                frontier = {a + 1}
                while frontier:
                    nxt = set()
                    for p in frontier:
                        for q in {p} | set(self.fws(p)):
                            for e in self.ch(q, qtext) | self.quoted_pair(q):
                                if e not in pos:
                                    pos.add(e)
                                    nxt.add(e)
                    frontier = nxt
                for p in pos:
                    for q in {p} | set(self.fws(p)):
                        for e in self.lit(q, '"'):
                            ends |= self.ocfws(e)
            return ends
        return self._m('qs', i, f)

    def run(self, i, allowed, last=None, first=None):
        """Every end of a non-empty run of allowed characters from i whose
        first and last characters are in first and last (default: any)."""
        out = set()
        j = i
        if first is not None and not self.ch(i, first):
            return out
        while j < self.n and self.s[j] in allowed:
            j += 1
            if last is None or self.s[j - 1] in last:
                out.add(j)
        return out

    def dot_text(self, i, allowed, last=None, first=None):
        """atoms of allowed characters joined by single dots: every end."""
        def f(i):
            ends = set()
            frontier = self.run(i, allowed, last, first)
            while frontier:
                ends |= frontier
                nxt = set()
                for e in frontier:
                    if self.lit(e, '.'):
                        nxt |= self.run(e + 1, allowed, last, first)
                frontier = nxt - ends
            return ends
        return self._m(('dot', id(allowed), id(last), id(first)), i, f)

    def dot_atom(self, i):
        # [CFWS] dot-atom-text [CFWS]
        def f(i):
            ends = set()
            for a in self.ocfws(i):
                for e in self.dot_text(a, ATEXT):
                    ends |= self.ocfws(e)
            return ends
        return self._m('dotatom', i, f)

    # -- RFC 2045 / 5321 / 6376 -------------------------------------------
    def token(self, i):
        return self.run(i, TOKEN_CHARS)

    def value(self, i):
        return set(self.token(i)) | set(self.quoted_string(i))

    def keyword(self, i):
        # Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig
        return self.run(i, LDH, LETDIG)

    def domain_name(self, i):
        # sub-domain 1*("." sub-domain), sub-domain = Let-dig [Ldh-str]
        return {e for e in self.dot_text(i, LDH, LETDIG, LETDIG) if '.' in self.s[i:e]}

    def digits(self, i):
        return self.run(i, DIGIT)

    # -- RFC 8601 --------------------------------------------------------
    def seq(self, starts, *rules):
        pos = set(starts)
        for r in rules:
            nxt = set()
            for p in pos:
                nxt |= r(p)
            pos = nxt
            if not pos:
                break
        return pos

    def pvalue(self, i):
        def f(i):
            ends = set()
            for a in self.ocfws(i):
                cores = set(self.value(a)) | set(self.domain_name(a))
                for b in self.lit(a, '@'):
                    cores |= self.domain_name(b)
                for b in self.local_part(a):
                    for c in self.lit(b, '@'):
                        cores |= self.domain_name(c)
                for c in cores:
                    ends |= self.ocfws(c)
            return ends
        return self._m('pvalue', i, f)

    def local_part(self, i):
        return set(self.dot_atom(i)) | set(self.quoted_string(i))

    def method(self, i):
        ends = set(self.keyword(i))
        for e in list(ends):
            ends |= self.seq({e}, self.ocfws, lambda p: self.lit(p, '/'), self.ocfws,
                             self.digits, self.ocfws)
        return ends

    def methodspec(self, i):
        return self.seq({i}, self.ocfws, self.method, self.ocfws, lambda p: self.lit(p, '='),
                        self.ocfws, self.keyword)

    def reasonspec(self, i):
        return self.seq({i}, lambda p: self.lit(p, 'reason'), self.ocfws,
                        lambda p: self.lit(p, '='), self.ocfws, self.value)

    def propspec(self, i):
        return self.seq({i}, self.keyword, self.ocfws, lambda p: self.lit(p, '.'), self.ocfws,
                        self.keyword, self.ocfws, lambda p: self.lit(p, '='), self.pvalue)

    def resinfo(self, i):
        def f(i):
            ends = self.seq({i}, self.ocfws, lambda p: self.lit(p, ';'), self.methodspec)
            out = set(ends)
            withreason = self.seq(ends, self.cfws, self.reasonspec)
            out |= withreason
            for e in set(ends) | withreason:
                props = self.seq({e}, self.cfws, self.propspec)
                frontier = set(props)
                while frontier:
                    out |= frontier
                    frontier = self.seq(frontier, self.propspec) - out
            return out
        return self._m('resinfo', i, f)

    def payload(self):
        starts = self.seq({0}, self.ocfws, self.value)
        starts |= self.seq(starts, self.cfws, self.digits, self.ocfws)
        ends = self.seq(starts, self.ocfws, lambda p: self.lit(p, ';'), self.ocfws,
                        lambda p: self.lit(p, 'none'))
        frontier = self.seq(starts, self.resinfo)
        seen = set()
        while frontier - seen:
            seen |= frontier
            ends |= frontier
            frontier = self.seq(frontier, self.resinfo)
        return {e for e in self.seq(ends, self.ocfws) if e == self.n}


def _normalize(value):
    if isinstance(value, bytes):
        value = value.decode('latin-1')
    return re.sub(r'(?<!\r)\n', '\r\n', value)


def _first_bad_char(s):
    for k, c in enumerate(s):
        if ord(c) > 126 or (ord(c) < 32 and c not in '\t\r\n'):
            return k
    return None


class Result:
    """One resinfo: method, version (or None), result, reason (unquoted,
    or None), props [(ptype, property, value)] with values unquoted."""

    def __init__(self, method, version, result, reason, props):
        self.method, self.version, self.result = method, version, result
        self.reason, self.props = reason, props

    def prop(self, ptype, name):
        for t, n, v in self.props:
            if t == ptype and n == name:
                return v
        return None

    def __repr__(self):
        return 'Result(%s=%s reason=%r props=%r)' % (self.method, self.result, self.reason,
                                                     self.props)


class Payload:
    """authserv_id (unquoted), version (or None), results [Result]; an
    empty list for the no-result form."""

    def __init__(self, authserv_id, version, results):
        self.authserv_id, self.version, self.results = authserv_id, version, results

    def of(self, method):
        return [r for r in self.results if r.method == method]


def _tokens(s):
    """Comments dropped; ('q', text) quoted-strings unquoted, ('s', c) for
    ; = . / @ standing alone, ('w', text) for the rest."""
    toks = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in ' \t\r\n':
            i += 1
        elif c == '(':
            depth = 0
            while i < n:
                if s[i] == '\\':
                    i += 2
                    continue
                depth += {'(': 1, ')': -1}.get(s[i], 0)
                i += 1
                if depth == 0:
                    break
        elif c == '"':
            j, out = i + 1, ''
            while s[j] != '"':
                if s[j] == '\\':
                    j += 1
                    out += s[j]
                elif s[j] not in '\r\n':
                    out += s[j]
                j += 1
            toks.append(('q', out))
            i = j + 1
        elif c in ';=./@':
            toks.append(('s', c))
            i += 1
        else:
            j = i
            while j < n and s[j] not in ' \t\r\n();=/@"':
                j += 1
            toks.append(('w', s[i:j]))
            i = j
    return toks


def _extract(s):
    """The structure of a valid payload s (comments dropped, values
    unquoted).  Only called once the ABNF accepted s."""
    toks = _tokens(s) + [(None, None)] * 3
    pos = 0

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1][1]

    def peek(k=0):
        return toks[pos + k]

    authserv = take()
    version = take() if peek()[0] == 'w' else None
    results = []
    while peek()[0] is not None:
        take()                                   # ";"
        if not results and peek() == ('w', 'none') and peek(1)[0] is None:
            break
        method, version_m = take(), None
        if peek() == ('s', '/'):
            take()
            version_m = take()
        take()                                   # "="
        result = take()
        reason = None
        if peek() == ('w', 'reason') and peek(1) == ('s', '='):
            take()
            take()
            reason = take()
        props = []
        while peek()[0] is not None and peek() != ('s', ';'):
            ptype = take()
            if '.' in ptype:
                ptype, _, prop = ptype.partition('.')
            else:
                take()                           # "."
                prop = take()
            take()                               # "="
            parts = [take()]
            if parts[0] == '@' or peek() == ('s', '@'):
                if parts[0] != '@':
                    parts.append(take())
                parts.append(take())
            props.append((ptype.lower(), prop.lower(), ''.join(parts)))
        results.append(Result(method.lower(), version_m, result.lower(), reason, props))
    return Payload(authserv, version, results)


def problem(value):
    """None when value is a valid authres-payload (the ABNF alone), else
    why not."""
    s = _normalize(value)
    k = _first_bad_char(s)
    if k is not None:
        return 'byte 0x%02x at offset %d is not allowed' % (ord(s[k]), k)
    if not _P(s).payload():
        return 'does not match RFC 8601 authres-payload'
    return None


def _registered(pl):
    for r in pl.results:
        if r.method in RESULTS and r.result not in RESULTS[r.method]:
            return '%s=%s is not a registered result' % (r.method, r.result)
        for t, n, _ in r.props:
            if r.method in PROPERTIES and (t, n) not in PROPERTIES[r.method]:
                return '%s.%s is not registered for %s' % (t, n, r.method)
    return None


def _parse(value):
    why = problem(value)
    if why is not None:
        return None, why
    try:
        pl = _extract(_normalize(value))
    except (IndexError, TypeError, AttributeError) as e:
        return None, 'valid, but beyond what this library reads (%r)' % e
    why = _registered(pl)
    return (pl, None) if why is None else (None, why)


def parse(value):
    """The Payload of value; AuthresError when it does not follow the ABNF,
    uses an unregistered dkim/spf/dmarc result or property, or is a valid
    form this library does not read (a pvalue run into the next ptype)."""
    pl, why = _parse(value)
    if pl is None:
        raise AuthresError('%s: %r' % (why, value))
    return pl


def check(value, label='Authentication-Results'):
    """parse(value), as a test check (or a tally line, see the module
    documentation).  Returns the Payload, or None when invalid in tally
    mode."""
    pl, why = _parse(value)
    tally = os.environ.get('MKTEST_AUTHRES_TALLY')
    if tally:
        with open(tally, 'a') as fh:
            fh.write('%s\t%r\n' % ('ok' if why is None else 'bad ' + why, value))
        if pl is None:
            return None
    _check(pl is not None, '%s is valid RFC 8601: %s' % (label, why), value)
    return pl
