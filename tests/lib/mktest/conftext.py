"""mktest.conftext - milterkit.conf edited as a user edits it: in place,
comments and layout kept, a setting found by its dotted path.

    from mktest.conftext import get, put, elements
    get(text, 'mta.smarthost.auth.user')       # '"customer123"' (the value's text)
    text = put(text, 'site.domain', '"example.org"')
    for start, end in elements(text, 'dkim.keys'):   # the groups of a list
        text[start:end]                          # '{ domain = ...; }'

A small reader of libconfig's syntax (settings `name = value;` or
`name: value`, groups {}, lists (), arrays [], strings, comments #, //,
/* */), enough to find a value's span; the daemons' own -n judges the
result.  A path that is not there raises KeyError.
"""

import re

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<punct>[{}()\[\]=:;,])
  | (?P<atom>[^\s{}()\[\]=:;,"\#]+)''', re.S | re.X)
_CLOSE = {'{': '}', '(': ')', '[': ']'}


def _tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError('cannot read the configuration at offset %d: %r'
                             % (pos, text[pos:pos + 40]))
        if m.lastgroup not in ('ws', 'comment'):
            out.append((m.group(), m.start(), m.end()))
        pos = m.end()
    return out


def _value_end(toks, i):
    """The index after the value that starts at toks[i]."""
    v = toks[i][0]
    if v in _CLOSE:
        depth = 0
        for j in range(i, len(toks)):
            if toks[j][0] in _CLOSE:
                depth += 1
            elif toks[j][0] in _CLOSE.values():
                depth -= 1
                if depth == 0:
                    return j + 1
        raise ValueError('unbalanced %s' % v)
    j = i + 1
    if v.startswith('"'):           # adjacent strings make one
        while j < len(toks) and toks[j][0].startswith('"'):
            j += 1
    return j


def _find(text, path):
    """(toks, first, end): the token range of the value at PATH."""
    toks = _tokens(text)
    i, end = 0, len(toks)
    names = path.split('.')
    for depth, name in enumerate(names):
        while i < end:
            if i + 2 > end or toks[i + 1][0] not in ('=', ':'):
                raise ValueError('not a setting at %r' % text[toks[i][1]:toks[i][1] + 40])
            vstart = i + 2
            vend = _value_end(toks, vstart)
            if toks[i][0] == name:
                if depth == len(names) - 1:
                    return toks, vstart, vend
                if toks[vstart][0] != '{':
                    raise KeyError('%s: %s is not a group' % (path, name))
                i, end = vstart + 1, vend - 1
                break
            i = vend
            while i < end and toks[i][0] in (';', ','):
                i += 1
        else:
            raise KeyError(path)
    raise KeyError(path)


def _span(toks, first, end):
    return toks[first][1], toks[end - 1][2]


def get(text, path):
    """The text of the value at PATH (e.g. '"example.net"', '[ ... ]')."""
    toks, first, end = _find(text, path)
    a, b = _span(toks, first, end)
    return text[a:b]


def put(text, path, value):
    """TEXT with the value at PATH replaced by VALUE (its text)."""
    toks, first, end = _find(text, path)
    a, b = _span(toks, first, end)
    return text[:a] + value + text[b:]


def elements(text, path):
    """[(start, end)] of the elements of the list or array at PATH."""
    toks, first, end = _find(text, path)
    out, i = [], first + 1
    while i < end - 1:
        j = _value_end(toks, i)
        out.append((toks[i][1], toks[j - 1][2]))
        i = j
        if i < end - 1 and toks[i][0] == ',':
            i += 1
    return out


def string(value):
    """The Python string of a libconfig string value's text."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
    return ''.join(re.sub(r'\\(.)', r'\1', p) for p in parts)
