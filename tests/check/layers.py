"""tests/check/layers.py - the include rules of lib/README, checked.

  - a file in lib/LAYER includes only the layers lib/README allows it, by
    their path from lib/ ("core/str.h");
  - nothing in lib/ includes a daemon or a tool; a daemon (milters/NAME)
    includes only lib/ and its own directory; a tool (tools/NAME) only lib/
    and its own directory;
  - no include circle between modules (NAME.c with NAME.h) anywhere in
    lib/, milters/ and tools/.

Prints every violation and exits 1, or exits 0.  Run by `make check`
(tests/check/local.mk); `python3 tests/check/layers.py SRCDIR` by hand.
"""

import os
import re
import sys

# What each layer of lib/ may include (lib/README).
ALLOWED = {
    'core': {'core'},
    'dns': {'core', 'dns'},
    'mail': {'core', 'mail'},
    'dkim': {'core', 'dkim'},
    'auth': {'core', 'dns', 'mail', 'auth'},
    'milter': {'core', 'dns', 'mail', 'dkim', 'auth', 'milter'},
}
# Headers from the build directory or the system, found by any file.
GENERATED = {'config.h'}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(top, sub):
    for root, _dirs, files in os.walk(os.path.join(top, sub)):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                yield os.path.relpath(os.path.join(root, f), top)


def includes(top, path):
    with open(os.path.join(top, path), encoding='utf-8', errors='replace') as f:
        return INCLUDE.findall(f.read())


def resolve(top, path, inc):
    """The tree-relative file an include names, or None (system/generated)."""
    if inc in GENERATED:
        return None
    local = os.path.normpath(os.path.join(os.path.dirname(path), inc))
    if os.path.exists(os.path.join(top, local)):
        return local
    via_lib = os.path.normpath(os.path.join('lib', inc))
    if os.path.exists(os.path.join(top, via_lib)):
        return via_lib
    return None


def check_lib(top, path, errors):
    layer = path.split(os.sep)[1]
    if layer not in ALLOWED:
        errors.append('%s: lib/%s is not a layer named in lib/README' % (path, layer))
        return
    for inc in includes(top, path):
        if inc in GENERATED:
            continue
        parts = inc.split('/')
        if len(parts) != 2:
            errors.append('%s: includes "%s": lib/ headers are named by layer/file'
                          % (path, inc))
            continue
        if parts[0] not in ALLOWED[layer]:
            errors.append('%s: layer %s includes "%s" (allowed: %s)'
                          % (path, layer, inc, ', '.join(sorted(ALLOWED[layer]))))
        if not os.path.exists(os.path.join(top, 'lib', inc)):
            errors.append('%s: includes "%s", which is not in lib/' % (path, inc))


def check_program(top, path, errors):
    """milters/NAME and tools/NAME: lib/ and their own directory only."""
    own = os.path.dirname(path)
    for inc in includes(top, path):
        target = resolve(top, path, inc)
        if target is None:
            if inc not in GENERATED:
                errors.append('%s: includes "%s", found nowhere in the tree' % (path, inc))
            continue
        if target.startswith('lib' + os.sep) or os.path.dirname(target) == own:
            continue
        errors.append('%s: includes %s (outside lib/ and %s/)' % (path, target, own))


def module(path):
    return os.path.splitext(path)[0]


def find_cycles(graph):
    """Every elementary cycle found by a depth-first walk, as module lists."""
    cycles, state, stack = [], {}, []

    def visit(n):
        state[n] = 'open'
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 'open':
                cycles.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 'done'

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return cycles


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else (
        os.environ.get('top_srcdir') or
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    errors, graph = [], {}
    for sub in ('lib', 'milters', 'tools'):
        for path in sources(top, sub):
            if sub == 'lib':
                check_lib(top, path, errors)
            else:
                check_program(top, path, errors)
            for inc in includes(top, path):
                target = resolve(top, path, inc)
                if target is not None and module(target) != module(path):
                    graph.setdefault(module(path), set()).add(module(target))
    for c in find_cycles(graph):
        errors.append('include circle: %s' % ' -> '.join(c))
    for e in errors:
        print(e)
    print('layers: %d files checked, %d problem(s)'
          % (sum(1 for s in ('lib', 'milters', 'tools') for _ in sources(top, s)),
             len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
