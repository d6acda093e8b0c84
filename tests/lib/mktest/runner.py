"""mktest.runner - how a test script ends, and what it leaves behind.

    from mktest import run_test, check, Skip

    def main():
        with Workdir() as w, milter_daemon('masq', CONF) as d:
            ...
            check(ok, 'what failed', details...)

    run_test(main)

run_test() turns main() into the automake exit codes: 0 when it returns,
77 when it raises Skip (or calls skip()), 1 on any failure (traceback
printed).  SIGTERM, SIGINT and SIGHUP raise SystemExit so that every `with`
block and `finally` of the test runs and nothing is left behind; whatever
registered itself (Proc, Workdir, Daemon: register()) and is still alive is
stopped at the end, newest first.
"""

import os
import signal
import sys
import threading
import time
import traceback

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SKIP = 77
EXIT_HARD = 99
SKIP = EXIT_SKIP


class Skip(Exception):
    """Raise (or call skip()) to end the test as skipped (exit 77)."""


SkipTest = Skip


def skip(message):
    """End the test as skipped (77) with message."""
    raise Skip(message)


def fail(message):
    """End the test as failed (1) with message."""
    raise AssertionError(message)


def check(condition, message, *details):
    """assert with a message, and details printed when it fails."""
    if not condition:
        for detail in details:
            print(detail)
        raise AssertionError(message)


def log(*args):
    """A line on stderr, prefixed so that it stands out in a test's log."""
    print('test:', *args, file=sys.stderr, flush=True)


# Everything alive that a test started (objects with a stop() method), so
# that run_test() can stop what a test left, e.g. when a signal arrived
# between creating an object and entering its `with` block.
_live = []


def in_threads(fn, calls):
    """fn(*args) for each args tuple of calls, each in a thread of its own,
    all at once.  Returns their results in the order of calls; when any
    raised, raises the first of those (in that order) once all have ended."""
    calls = list(calls)
    results = [None] * len(calls)

    def worker(i):
        try:
            results[i] = (True, fn(*calls[i]))
        except BaseException as e:      # re-raised in the calling thread
            results[i] = (False, e)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ok, r in results:
        if not ok:
            raise r
    return [r for _, r in results]


def register(obj):
    _live.append(obj)


def unregister(obj):
    try:
        _live.remove(obj)
    except ValueError:
        pass


def teardown_all():
    """Stop everything still registered, newest first."""
    while _live:
        obj = _live.pop()
        try:
            obj.stop()
        except Exception as e:      # keep tearing down
            log('teardown of %r: %s' % (obj, e))


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _raise_exit(signum, frame):
    # Once: further signals must not interrupt the teardown.
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _e2e_skipped():
    """MILTERKIT_E2E=skip (make distcheck) skips every test in tests/e2e."""
    here = os.path.basename(os.path.dirname(os.path.abspath(sys.argv[0])))
    return here == 'e2e' and os.environ.get('MILTERKIT_E2E') == 'skip'


def run_test(main, *args):
    """Run main(*args) and exit with the automake status (see above)."""
    name = os.path.basename(sys.argv[0])
    if _e2e_skipped():
        print('SKIP: %s: MILTERKIT_E2E=skip' % name)
        sys.exit(EXIT_SKIP)
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _raise_exit)
    start = time.monotonic()
    status = EXIT_FAIL
    try:
        main(*args)
        status = EXIT_PASS
    except Skip as e:
        print('SKIP: %s: %s' % (name, e))
        status = EXIT_SKIP
    except SystemExit as e:
        if isinstance(e.code, int) and e.code in (EXIT_PASS, EXIT_SKIP):
            status = e.code
        else:
            log('interrupted (%s)' % e.code)
    except AssertionError as e:
        traceback.print_exc()
        print('FAIL: %s: %s' % (name, e))
    except BaseException as e:      # noqa: B036 - a test must never hang
        traceback.print_exc()
        print('FAIL: %s: %s: %s' % (name, type(e).__name__, e))
    finally:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        if _live:
            log('tearing down %d leftover(s)' % len(_live))
            teardown_all()
    if status == EXIT_PASS:
        print('PASS: %s in %.1fs' % (name, time.monotonic() - start))
    elif status == EXIT_FAIL:
        log('FAIL after %.1fs' % (time.monotonic() - start))
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(status)
