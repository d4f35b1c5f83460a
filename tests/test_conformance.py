"""CPython's own test_concurrent_futures, run with cfutures substituted.

The first test runs tests/conformance/run_cpython_suite.py (its protocol is
at the top of that file) with the current interpreter, the whole suite, and
fails with the runner's output unless the runner exits 0. It is skipped with
CFUTURES_SKIP_CONFORMANCE=1 (any value but empty or 0), when the compiled
core is not loaded here (cfutures.EXTENSIONS false), or when the runner exits
77, as it does when neither this Python's stdlib nor the cache
(.cache/cpython-tests, filled by scripts/fetch_cpython_tests.sh, which
scripts/test.sh runs before pytest) holds the suite; the skip reason is the
runner's SKIPPED line. The second test checks cfutures._substitute, which
the runner relies on, in this process.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cfutures

RUNNER = Path(__file__).resolve().parent / "conformance" / "run_cpython_suite.py"
EXIT_SKIPPED = 77


@pytest.mark.timeout(900)
def test_cpython_suite_with_cfutures_substituted():
    """The runner exits 0 and prints its ``N passed, N failed`` line: no
    test failed that expected_failures.txt does not list."""
    if os.environ.get("CFUTURES_SKIP_CONFORMANCE", "") not in ("", "0"):
        pytest.skip("CFUTURES_SKIP_CONFORMANCE is set")
    if not cfutures.EXTENSIONS:
        pytest.skip("cfutures.EXTENSIONS is false: nothing to substitute")
    done = subprocess.run(
        [sys.executable, str(RUNNER)], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=870)
    output = done.stdout
    if done.returncode == EXIT_SKIPPED:
        reason = [line for line in output.splitlines() if "SKIPPED" in line]
        pytest.skip(reason[-1] if reason else output[-500:])
    if done.returncode != 0:
        pytest.fail("the CPython conformance run failed (status %d):\n%s"
                    % (done.returncode, output), pytrace=False)
    summary = [line for line in output.splitlines() if " passed, " in line]
    assert summary, output


def test_substitute_install_and_uninstall():
    """install() rebinds the stdlib names to cfutures' (a no-op returning
    False without the compiled core) and is idempotent; uninstall() puts
    back exactly the objects that were there before."""
    import concurrent.futures
    from concurrent.futures import _base, process, thread

    from cfutures import _substitute

    modules = (concurrent.futures, _base, thread, process)
    names = ("Future", "Executor", "ThreadPoolExecutor",
             "ProcessPoolExecutor", "wait", "as_completed")
    missing = object()

    def snapshot():
        return {(module.__name__, name): vars(module).get(name, missing)
                for module in modules for name in names}

    before = snapshot()
    assert not _substitute.installed()
    try:
        assert _substitute.install() is cfutures.EXTENSIONS
        if cfutures.EXTENSIONS:
            assert _substitute.install()   # idempotent
            # A subclass whose isinstance() also takes stdlib futures.
            assert concurrent.futures.Future is _substitute.InstalledFuture
            assert issubclass(concurrent.futures.Future, cfutures.Future)
            assert concurrent.futures.Executor is cfutures.Executor
            assert (concurrent.futures.ThreadPoolExecutor
                    is cfutures.ThreadPoolExecutor)
            assert concurrent.futures.wait is cfutures.wait
            assert concurrent.futures.as_completed is cfutures.as_completed
            assert _base.Future is _substitute.InstalledFuture
            assert _base.wait is cfutures.wait
            assert thread.ThreadPoolExecutor is cfutures.ThreadPoolExecutor
            assert (concurrent.futures.ProcessPoolExecutor
                    is cfutures.ProcessPoolExecutor)
            assert process.ProcessPoolExecutor is cfutures.ProcessPoolExecutor
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                assert type(pool.submit(int)) is cfutures.Future
        else:
            assert snapshot() == before
    finally:
        _substitute.uninstall()
    assert not _substitute.installed()
    after = snapshot()
    assert all(after[key] is before[key] for key in before)
