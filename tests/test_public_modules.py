"""Every public module serves one implementation, chosen in one place.

``cfutures``, ``cfutures.thread`` and ``cfutures.process`` hand out the same
classes, in each of three modes, each run in a fresh interpreter:

* ``compiled``: the compiled core loads (skipped without one);
* ``opted-out``: ``CFUTURES_NO_EXTENSIONS=1``; the stdlib classes, silently;
* ``core-missing``: a compiled module of the Future or the thread pool
  fails to import; the stdlib classes, with exactly one RuntimeWarning that
  names the import error;
* ``process-side-missing``: only the process pool's compiled side is
  missing (a build without the process transport, as on Windows): the
  stdlib's process pool, everything else compiled, one RuntimeWarning.

In every mode the exception classes are the stdlib's own, the names that
code imports from ``concurrent.futures.process`` are there, and both pools
run work.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from support import LONG, NO_EXTENSIONS, TESTS_DIR

# Blocks one compiled module before cfutures is imported, as a broken or
# partial build would.
BLOCK_IMPORT = """
import importlib.abc, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {blocked!r}:
            raise ImportError(f"{{name}} is blocked by the test")
sys.meta_path.insert(0, Blocker())
"""

PROBE = """
import concurrent.futures as stdlib
import concurrent.futures.process as stdlib_process
import json, sys, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import cfutures
    import cfutures.process
    import cfutures.thread
    from cfutures.thread import BrokenThreadPool
    from cfutures.process import BrokenProcessPool, _RemoteTraceback
sys.path.insert(0, {tests_dir!r})
from children import double

report = {{
    "extensions": cfutures.EXTENSIONS,
    "warnings": [f"{{w.category.__name__}}: {{w.message}}" for w in caught],
    "same_thread_class": cfutures.thread.ThreadPoolExecutor is cfutures.ThreadPoolExecutor,
    "same_process_class": cfutures.process.ProcessPoolExecutor is cfutures.ProcessPoolExecutor,
    "future_is_stdlib": cfutures.Future is stdlib.Future,
    "wait_is_stdlib": cfutures.wait is stdlib.wait,
    "thread_module": cfutures.ThreadPoolExecutor.__module__,
    "process_module": cfutures.ProcessPoolExecutor.__module__,
    "is_stdlib_subclass": [
        issubclass(cfutures.ThreadPoolExecutor, stdlib.ThreadPoolExecutor),
        issubclass(cfutures.ProcessPoolExecutor, stdlib.ProcessPoolExecutor),
        issubclass(cfutures.Future, stdlib.Future)],
    "stdlib_exceptions": [
        BrokenThreadPool is stdlib.thread.BrokenThreadPool,
        BrokenProcessPool is stdlib_process.BrokenProcessPool,
        cfutures.CancelledError is stdlib.CancelledError,
        cfutures.BrokenExecutor is stdlib.BrokenExecutor],
    "process_module_names": sorted(
        name for name in ("_RemoteTraceback", "_ExceptionWithTraceback",
                          "_check_system_limits", "EXTRA_QUEUED_CALLS")
        if getattr(cfutures.process, name) is getattr(stdlib_process, name)),
}}
with cfutures.thread.ThreadPoolExecutor(2) as pool:
    report["thread_results"] = list(pool.map(double, range(5)))
    report["thread_future_type"] = type(pool.submit(int)).__module__
with cfutures.process.ProcessPoolExecutor(2) as pool:
    report["process_results"] = list(pool.map(double, range(5), chunksize=2))
print("REPORT", json.dumps(report))
"""

MODES = {
    "compiled": ({}, None),
    "opted-out": ({"CFUTURES_NO_EXTENSIONS": "1"}, None),
    "core-missing": ({}, "cfutures._core.thread._thread_executor"),
    "process-side-missing": ({}, "cfutures._core.parent._dispatcher"),
    "no-core-at-all": ({}, "cfutures._core.future._future"),
}


def probe(mode):
    env_changes, blocked = MODES[mode]
    env = dict(os.environ)
    env.pop("CFUTURES_NO_EXTENSIONS", None)
    env.update(env_changes)
    source = PROBE.format(tests_dir=TESTS_DIR)
    if blocked:
        source = BLOCK_IMPORT.format(blocked=blocked) + source
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(source)],
                          env=env, capture_output=True, text=True,
                          timeout=LONG * 2)
    assert proc.returncode == 0, proc.stderr
    [line] = [line for line in proc.stdout.splitlines()
              if line.startswith("REPORT ")]
    return json.loads(line[len("REPORT "):])


THREAD_POOL, PROCESS_POOL, FALLBACK = (
    "cfutures._thread_pool", "cfutures._process_pool", "cfutures._fallback")

# mode -> what its program sees: EXTENSIONS, whether the Future and waiting
# are compiled, where the two pools come from, and the start of its one
# RuntimeWarning (None: no warning).
SERVED = {
    "compiled": (True, True, THREAD_POOL, PROCESS_POOL, None),
    "opted-out": (False, False, FALLBACK, FALLBACK, None),
    "core-missing": (False, False, FALLBACK, FALLBACK,
                     "cfutures: compiled core unavailable"),
    "no-core-at-all": (False, False, FALLBACK, FALLBACK,
                       "cfutures: compiled core unavailable"),
    "process-side-missing": (
        True, True, THREAD_POOL, FALLBACK,
        "cfutures: the process pool's compiled transport is not here"),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", list(SERVED))
def test_each_mode_serves_one_consistent_implementation(mode):
    """compiled, opted out (no warning: deliberate), a core that fails to
    import (the stdlib, one warning), a build without the process side
    (only the process pool is the stdlib's)."""
    extensions, compiled, thread_module, process_module, warning = SERVED[mode]
    if compiled and NO_EXTENSIONS:
        pytest.skip("CFUTURES_NO_EXTENSIONS is set")
    report = probe(mode)
    assert report["same_thread_class"] and report["same_process_class"]
    assert report["is_stdlib_subclass"] == [True, True, True]
    assert report["stdlib_exceptions"] == [True, True, True, True]
    assert report["process_module_names"] == [
        "EXTRA_QUEUED_CALLS", "_ExceptionWithTraceback", "_RemoteTraceback",
        "_check_system_limits"]
    assert report["thread_results"] == [0, 2, 4, 6, 8]
    assert report["process_results"] == [0, 2, 4, 6, 8]
    assert report["extensions"] is extensions
    assert report["future_is_stdlib"] is not compiled
    assert report["wait_is_stdlib"] is not compiled
    assert report["thread_future_type"] == (
        "cfutures._future" if compiled else "concurrent.futures._base")
    assert report["thread_module"] == thread_module
    assert report["process_module"] == process_module
    if warning is None:
        assert report["warnings"] == []
    else:
        [seen] = report["warnings"]
        assert seen.startswith("RuntimeWarning: " + warning)
        assert "blocked by the test" in seen


@pytest.mark.timeout(60)
@pytest.mark.parametrize("package", ["concurrent.futures", "cfutures"])
def test_no_interpreter_pool_without_interpreters(package):
    # As the stdlib: where the private _interpreters module is missing,
    # there is no InterpreterPoolExecutor, by attribute or by import.
    code = textwrap.dedent(f"""
        import sys
        sys.modules["_interpreters"] = None
        import {package} as futures
        assert not hasattr(futures, "InterpreterPoolExecutor")
        try:
            from {package} import InterpreterPoolExecutor
        except ImportError:
            pass
        else:
            sys.exit("ImportError not raised")
        assert "InterpreterPoolExecutor" not in futures.__all__
        with futures.ThreadPoolExecutor(1) as pool:
            assert pool.submit(abs, -1).result() == 1
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=LONG)
    assert proc.returncode == 0, proc.stderr


_INSTALL_SCRIPT = '''
import concurrent.futures
{before}
import cfutures, cfutures._substitute as substitute
import concurrent.futures.process as process, concurrent.futures.thread as thread
names = [n for n in ("ThreadPoolExecutor", "ProcessPoolExecutor",
                     "InterpreterPoolExecutor") if hasattr(cfutures, n)]
assert substitute.install()
for name in names:
    assert getattr(concurrent.futures, name) is getattr(cfutures, name), name
from concurrent.futures import ThreadPoolExecutor
assert ThreadPoolExecutor is cfutures.ThreadPoolExecutor
with concurrent.futures.ThreadPoolExecutor(1) as pool:
    assert type(pool.submit(abs, -1)) is cfutures.Future
substitute.uninstall()
assert concurrent.futures.ThreadPoolExecutor is thread.ThreadPoolExecutor
assert concurrent.futures.ProcessPoolExecutor is process.ProcessPoolExecutor
assert concurrent.futures.Future is not cfutures.Future
print("ok")
'''


@pytest.mark.skipif(NO_EXTENSIONS, reason="CFUTURES_NO_EXTENSIONS is set")
@pytest.mark.timeout(60)
@pytest.mark.parametrize("before", [
    "",
    "concurrent.futures.ThreadPoolExecutor, concurrent.futures.ProcessPoolExecutor",
    "from concurrent.futures import ThreadPoolExecutor",
], ids=["untouched", "touched", "from-imported"])
def test_install_and_uninstall_whatever_was_touched_before(before):
    # The pool names of concurrent.futures are lazy (a module __getattr__
    # before 3.15, `lazy from` imports on 3.15): install() and uninstall()
    # work whether or not they were resolved before.
    proc = subprocess.run(
        [sys.executable, "-c", _INSTALL_SCRIPT.format(before=before)],
        capture_output=True, text=True, timeout=LONG)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
