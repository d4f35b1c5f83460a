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


def assert_consistent(report):
    assert report["same_thread_class"] and report["same_process_class"]
    assert report["is_stdlib_subclass"] == [True, True, True]
    assert report["stdlib_exceptions"] == [True, True, True, True]
    assert report["process_module_names"] == [
        "EXTRA_QUEUED_CALLS", "_ExceptionWithTraceback", "_RemoteTraceback",
        "_check_system_limits"]
    assert report["thread_results"] == [0, 2, 4, 6, 8]
    assert report["process_results"] == [0, 2, 4, 6, 8]


@pytest.mark.timeout(120)
@pytest.mark.skipif(NO_EXTENSIONS, reason="CFUTURES_NO_EXTENSIONS is set")
def test_compiled_mode_serves_the_compiled_classes_everywhere():
    report = probe("compiled")
    assert_consistent(report)
    assert report["extensions"] is True
    assert report["warnings"] == []
    assert report["future_is_stdlib"] is False
    assert report["wait_is_stdlib"] is False
    assert report["thread_module"] == "cfutures._thread_pool"
    assert report["process_module"] == "cfutures._process_pool"
    assert report["thread_future_type"] == "cfutures._future"


@pytest.mark.timeout(120)
def test_opting_out_serves_the_stdlib_everywhere_without_warning():
    report = probe("opted-out")
    assert_consistent(report)
    assert report["extensions"] is False
    assert report["warnings"] == []
    assert report["future_is_stdlib"] and report["wait_is_stdlib"]
    assert report["thread_module"] == "cfutures._fallback"
    assert report["process_module"] == "cfutures._fallback"
    assert report["thread_future_type"] == "concurrent.futures._base"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["core-missing", "no-core-at-all"])
def test_a_core_that_fails_to_import_gives_the_stdlib_and_one_warning(mode):
    report = probe(mode)
    assert_consistent(report)
    assert report["extensions"] is False
    assert report["future_is_stdlib"] and report["wait_is_stdlib"]
    assert report["thread_module"] == "cfutures._fallback"
    assert report["process_module"] == "cfutures._fallback"
    [warning] = report["warnings"]
    assert warning.startswith("RuntimeWarning: cfutures: compiled core unavailable")
    assert "blocked by the test" in warning


@pytest.mark.timeout(120)
@pytest.mark.skipif(NO_EXTENSIONS, reason="CFUTURES_NO_EXTENSIONS is set")
def test_without_the_process_side_only_the_process_pool_is_the_stdlibs():
    report = probe("process-side-missing")
    assert_consistent(report)
    assert report["extensions"] is True
    assert report["future_is_stdlib"] is False
    assert report["thread_module"] == "cfutures._thread_pool"
    assert report["process_module"] == "cfutures._fallback"
    assert report["thread_future_type"] == "cfutures._future"
    [warning] = report["warnings"]
    assert warning.startswith("RuntimeWarning: cfutures: the process pool's "
                              "compiled transport is not here")
    assert "blocked by the test" in warning


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
