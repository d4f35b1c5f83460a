"""Getting a copy of CPython's test_concurrent_futures for the running Python.

Either this Python's stdlib ships it (pyenv's 3.10 and 3.13 do), or a copy
waits in the cache: ``<cache>/X.Y/test/`` holds ``test_concurrent_futures``
(a module up to 3.11, a package from 3.12 on) and ``<cache>/X.Y/SOURCE``
names where it came from. ``scripts/fetch_cpython_tests.sh`` fills the
cache from Debian's ``libpythonX.Y-testsuite``; when it finds no copy for a
version it leaves the reason in ``<cache>/X.Y/NOT_AVAILABLE``, which the
skip message quotes. Nothing here touches the network or runs apt.
"""
import importlib.util
import os

from runner_common import REPO, SUITE, VERSION, Skip

DEFAULT_CACHE = REPO / ".cache" / "cpython-tests"
CACHE_ENV = "CFUTURES_CPYTHON_TESTS_CACHE"
FETCH_SCRIPT = "scripts/fetch_cpython_tests.sh"

# Why a version has no suite, where the general message would not say enough.
KNOWN_GAPS = {
    "3.12": ("pyenv's CPython 3.12 ships no test/test_concurrent_futures and "
             "Debian (bookworm) packages no python3.12 test suite"),
}


def default_cache_root():
    """The cache root: $CFUTURES_CPYTHON_TESTS_CACHE, else the repo's .cache."""
    return os.environ.get(CACHE_ENV, str(DEFAULT_CACHE))


def stdlib_suite():
    """Where the stdlib's copy of the suite is, or None."""
    try:
        spec = importlib.util.find_spec(SUITE)
    except ImportError:
        return None
    return spec.origin if spec is not None else None


def cached_suite(cache):
    """The overlay folder (holding test_concurrent_futures) in cache, or None.

    The overlay is appended to the ``test`` package's ``__path__`` in the
    throwaway environment, so ``test.test_concurrent_futures`` resolves to it
    while ``test.support`` stays this Python's own.
    """
    overlay = cache / "test"
    if ((overlay / "test_concurrent_futures.py").is_file()
            or (overlay / "test_concurrent_futures" / "__init__.py").is_file()):
        return overlay
    return None


def _read_note(path):
    """The first line of a note file in the cache, or None."""
    try:
        lines = path.read_text().strip().splitlines()
    except OSError:
        return None
    return lines[0] if lines else None


def locate_suite(cache_root):
    """(description, overlay folder or None) for the running Python.

    The overlay is None when the stdlib's own copy is used. Raises Skip, with
    a one-line message saying why, when there is no copy at all.
    """
    origin = stdlib_suite()
    if origin is not None:
        return "stdlib copy at %s" % os.path.dirname(origin), None
    cache = cache_root / VERSION
    overlay = cached_suite(cache)
    if overlay is None:
        why = _read_note(cache / "NOT_AVAILABLE")
        if why is None:
            why = ("no copy in %s; `bash %s %s` fetches Debian's "
                   "libpython%s-testsuite into it"
                   % (cache, FETCH_SCRIPT, VERSION, VERSION))
        gap = KNOWN_GAPS.get(VERSION)
        # One line: tests/test_conformance.py shows the last SKIPPED line.
        raise Skip("CPython %s's test_concurrent_futures is not available "
                   "here%s; the %s run is skipped. (%s)"
                   % (VERSION, ": " + gap if gap else "", VERSION, why))
    origin = _read_note(cache / "SOURCE") or "unknown"
    return "cached copy at %s (from %s)" % (overlay, origin), overlay
