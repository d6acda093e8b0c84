"""tests/check/contracts.py - every fallible function says what it returns.

STYLE.md: the contract of a function is written once, above its prototype
in the header; lib/README: fallible functions return an int status or a
four-way lookup status and say so in a "Returns ..." sentence.  This check
reads every header of lib/, milters/ and tools/ and finds the prototypes
whose return type is int or a *_status / *_result / *_decision / *_found
enum; the comment above each
(the block comment ending right above it, or the one above a group of
prototypes it belongs to, with no blank line between) must contain
"Return" (Returns, returns, Return value).  It prints each one that does
not and exits 1.
"""

import os
import re
import sys

PROTO = re.compile(r'^(?:extern\s+)?(?:const\s+)?(int|[a-z_]+_(?:status|result|decision|found))\s+'
                   r'\**([a-z_][a-z0-9_]*)\s*\(', re.M)


def comment_above(lines, i):
    """Text of the comment block(s) above line i: walks up over the
    prototypes of the same group (no blank line between) to the first
    comment, and returns it (or '')."""
    j = i - 1
    while j >= 0:
        s = lines[j].strip()
        if s == '':
            return ''
        if s.endswith('*/') and s.startswith(('/*', '*')):
            text = []
            while j >= 0:
                text.append(lines[j])
                if '/*' in lines[j]:
                    break
                j -= 1
            return '\n'.join(reversed(text))
        j -= 1
    return ''


def check_file(path, top, problems):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    lines = text.split('\n')
    for m in PROTO.finditer(text):
        line_no = text.count('\n', 0, m.start())
        if lines[line_no].startswith((' ', '\t', '#')):
            continue
        doc = comment_above(lines, line_no)
        if 'Return' not in doc and 'return' not in doc:
            problems.append('%s:%d: %s() returns %s and its comment does not say what'
                            % (os.path.relpath(path, top), line_no + 1, m.group(2), m.group(1)))


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else (
        os.environ.get('top_srcdir') or
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    problems, n = [], 0
    for root, _dirs, files in (w for d in ('lib', 'milters', 'tools') for w in os.walk(os.path.join(top, d))):
        for f in sorted(files):
            if f.endswith('.h'):
                n += 1
                check_file(os.path.join(root, f), top, problems)
    for p in problems:
        print(p)
    print('contracts: %d headers, %d prototype(s) without a "Returns" line' % (n, len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
