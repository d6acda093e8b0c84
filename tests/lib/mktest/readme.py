"""mktest.readme - a section of the README as the steps a user follows,
for the test that follows them (tests/e2e/readme-install-*.py).

    from mktest.readme import Section
    sec = Section.load(path, 'Home server behind OP25B: from nothing to signed mail leaving')
    step = sec.block('2')                   # a numbered step, or a paragraph by name
    for item in step.items('postfix'):      # in the README's order
        item.kind, item.text                # 'text', 'cmd' or 'set'
    step.commands('sendmail')               # the command lines for sendmail
    step.require('Publish the records')     # AssertionError naming the step if gone

How the README is read (its layout, which the test therefore pins down):
  - a section is a title underlined with dashes, up to the next such title;
  - in it, a block starts at "N. " (step N) or at an unindented line after
    a blank line (a paragraph, named by its words up to the first colon:
    "Rotating the DKIM key");
  - a line indented at least 4 columns more than the block's text is code;
    a code line ending in a backslash goes on on the next line;
  - a trailing comment ("  # ...") is dropped; when it is exactly
    "# Postfix" or "# sendmail", the line is for that MTA only;
  - a code line of the form `a.b.c = value;` is a setting of
    milterkit.conf (kind 'set': item.path, item.value); any other is a
    shell command (kind 'cmd');
  - the prose between code lines is one 'text' item each, whitespace
    collapsed, so that a test can act where the README says to act (publish
    a record, answer a prompt) and fail, naming the step, when the README no
    longer says it.
"""

import re

MTAS = ('postfix', 'sendmail')
_MARKS = {'# Postfix': 'postfix', '# sendmail': 'sendmail'}
_STEP = re.compile(r'^(\d+)\.\s+')
_SETTING = re.compile(r'^([a-z_]+(?:\.[a-z_]+)+)\s*=\s*(.+?);$')


class Item:
    """One element of a block: kind 'text' (prose), 'cmd' (a shell command
    line) or 'set' (a milterkit.conf setting: path, value); mta is None or
    the one MTA a code line is for."""

    def __init__(self, kind, text, mta=None):
        self.kind, self.text, self.mta = kind, text, mta
        self.path = self.value = None
        if kind == 'set':
            m = _SETTING.match(text)
            self.path, self.value = m.group(1), m.group(2)

    def __repr__(self):
        return '<%s%s: %s>' % (self.kind, '/' + self.mta if self.mta else '', self.text)


class Block:
    """A numbered step (name '0', '1', ...) or a paragraph (name: its words
    before the first colon)."""

    def __init__(self, name, section):
        self.name = name
        self.section = section
        self.all = []

    def label(self):
        return ('step %s' % self.name if self.name.isdigit() else '"%s"' % self.name) + \
            ' of the README section "%s"' % self.section

    def items(self, mta=None):
        """The items in order; code lines for another MTA than mta left out."""
        return [i for i in self.all if i.mta is None or mta is None or i.mta == mta]

    def commands(self, mta=None):
        return [i.text for i in self.items(mta) if i.kind == 'cmd']

    def settings(self, mta=None):
        return [i for i in self.items(mta) if i.kind == 'set']

    def prose(self):
        return ' '.join(i.text for i in self.all if i.kind == 'text')

    def require(self, phrase):
        """Assert that the block's prose says PHRASE (whitespace collapsed);
        returns PHRASE."""
        if ' '.join(phrase.split()) not in self.prose():
            raise AssertionError('%s no longer says "%s" (the test acts on it): %s'
                                 % (self.label(), phrase, self.prose()[:400]))
        return phrase


def _code(line):
    """(code, mta) of one code line: its trailing comment split off."""
    mta = None
    m = re.search(r'\s+#\s[^\'"]*$', line)
    if m:
        mta = _MARKS.get(' '.join(m.group(0).split()))
        line = line[:m.start()]
    return line.strip(), mta


class Section:
    """The blocks of one README section, in order (blocks), by name (block())."""

    def __init__(self, title, lines):
        self.title = title
        self.blocks = []
        self._parse(lines)

    @classmethod
    def load(cls, path, title):
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        for i, line in enumerate(lines[:-1]):
            if line == title and re.match(r'^-{3,}$', lines[i + 1]):
                break
        else:
            raise AssertionError('%s: no section "%s" (a title underlined with dashes)'
                                 % (path, title))
        body = []
        for j in range(i + 2, len(lines)):
            if j + 1 < len(lines) and lines[j] and re.match(r'^-{3,}$', lines[j + 1]):
                break
            body.append(lines[j])
        return cls(title, body)

    def block(self, name):
        for b in self.blocks:
            if b.name == name:
                return b
        raise AssertionError('the README section "%s" has no %s (it has: %s)' % (
            self.title, 'step ' + name if name.isdigit() else 'paragraph "%s"' % name,
            ', '.join(b.name for b in self.blocks)))

    def steps(self):
        """The numbered steps, in order."""
        return [b for b in self.blocks if b.name.isdigit()]

    def _parse(self, lines):
        block, indent, prose, pending = None, 0, [], None
        blank = True

        def flush_prose():
            if block is not None and prose:
                block.all.append(Item('text', ' '.join(' '.join(prose).split())))
            prose.clear()

        for line in lines:
            if not line.strip():
                blank = True
                continue
            lead = len(line) - len(line.lstrip())
            m = _STEP.match(line)
            if m or (lead == 0 and blank):
                flush_prose()
                name = m.group(1) if m else line.split(':', 1)[0].strip()
                block = Block(name, self.title)
                self.blocks.append(block)
                indent = m.end() if m else 0
                text = line[indent:] if m else line
                prose.append(text)
                blank = False
                continue
            blank = False
            if block is None:
                continue
            if pending is not None:                 # a continued code line
                pending += ' ' + line.strip()
            elif lead >= indent + 4:
                flush_prose()
                pending = line.strip()
            else:
                prose.append(line.strip())
                continue
            if pending.endswith('\\'):
                pending = pending[:-1].rstrip()
                continue
            code, mta = _code(pending)
            pending = None
            block.all.append(Item('set' if _SETTING.match(code) else 'cmd', code, mta))
        flush_prose()
