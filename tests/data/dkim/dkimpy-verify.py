# dkimpy-verify.py MESSAGE-FILE... - verify the first DKIM-Signature of each
# message with dkimpy, the key record read from MESSAGE-FILE.rec (no DNS).
# Prints one line per message, "pass" or "fail", in order; exit 0 unless
# used wrongly.  Used by tests/unit/test_dkimsign as a second verifier,
# independent of libopendkim.
import sys

import dkim


def verify(path):
    with open(path, "rb") as f:
        msg = f.read()
    with open(path + ".rec", "rb") as f:
        record = f.read().strip()

    def dnsfunc(name, timeout=5):
        return record

    try:
        return dkim.verify(msg, dnsfunc=dnsfunc, minkey=1024)
    except dkim.DKIMException as e:
        print("dkimpy: %s: %s" % (path, e), file=sys.stderr)
        return False


def main():
    if len(sys.argv) < 2:
        print("usage: dkimpy-verify.py MESSAGE...", file=sys.stderr)
        return 2
    for path in sys.argv[1:]:
        print("pass" if verify(path) else "fail")
    return 0


sys.exit(main())
