"""Real clients: third-party code on concurrent.futures, run with cfutures
installed, gives what it gives on the stdlib.

Each case runs the same program twice in fresh interpreters, with
``CFUTURES_INSTALL=1`` (cfutures installed from startup, as for a program one
does not start oneself) and without, and compares what they print; the
program also says which implementation served it, which must be cfutures'
in the first run and the stdlib's in the second:

* tqdm's ``thread_map`` and ``process_map`` (and ``interpreter_map`` on
  3.14+);
* dask's documented bag example on its threaded and multiprocessing
  schedulers (dask subclasses ``concurrent.futures.ThreadPoolExecutor`` at
  import, so this also runs a subclass of cfutures' pool);
* s3transfer's own unit and functional tests of its TransferManager (on a
  ThreadPoolExecutor, against botocore's Stubber, offline): the same tests
  pass and skip either way.

The test command installs these packages and fetches s3transfer's sdist
(whose tests it runs) into .cache/clients; a package that is missing skips
its case, saying so. asyncio's default executor and ``to_thread`` are in
test_install.py.
"""
import glob
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from support import NO_EXTENSIONS, TESTS_DIR

pytestmark = pytest.mark.skipif(NO_EXTENSIONS,
                                reason="CFUTURES_NO_EXTENSIONS is set")

ROOT = os.path.dirname(TESTS_DIR)
CLIENTS_CACHE = os.path.join(ROOT, ".cache", "clients")


def needs(module):
    skipped_here = os.environ.get("CFUTURES_SKIP_CLIENTS", "")
    if skipped_here:
        pytest.skip(skipped_here)
    try:
        __import__(module)
    except ImportError as exc:
        pytest.skip(f"{module} is not installed here ({exc}); the test "
                    "command installs it where it can")


# What every client program starts with.
PROLOGUE = """\
import json
import sys
import concurrent.futures


def square(x):
    return x * x
"""


def run_both(script, tmp_path, timeout=300, modules=None):
    """(output with cfutures installed, output on the stdlib): JSON each,
    of PROLOGUE + ``script``. ``modules`` maps a module name to its source,
    written beside the program and importable from every interpreter (a
    subinterpreter does not see the program's __main__)."""
    path = tmp_path / "client_program.py"
    path.write_text(PROLOGUE + textwrap.dedent(script))
    for name, source in (modules or {}).items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    outputs = []
    for install in ("1", "0"):
        env = dict(os.environ, CFUTURES_INSTALL=install,
                   PYTHONPATH=os.pathsep.join(
                       [str(tmp_path)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        proc = subprocess.run([sys.executable, str(path)], capture_output=True,
                              text=True, env=env, timeout=timeout,
                              cwd=str(tmp_path))
        assert proc.returncode == 0, (install, proc.stdout, proc.stderr)
        outputs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return outputs


def check_same_results(installed, stdlib):
    assert installed.pop("served") == "cfutures"
    assert stdlib.pop("served") == "concurrent"
    assert installed == stdlib


@pytest.mark.timeout(600)
def test_tqdm_thread_map_and_process_map(tmp_path):
    needs("tqdm")
    installed, stdlib = run_both('''
        import io
        import tqdm
        from tqdm.contrib import concurrent as tqdm_concurrent
        from client_bar import CountingBar

        def counted(function, *args, **kwargs):
            CountingBar.finals = []
            results = function(*args, tqdm_class=CountingBar,
                               file=io.StringIO(), miniters=1, **kwargs)
            return {"results": results, "bar": CountingBar.finals}

        if __name__ == "__main__":
            report = {
                "served": concurrent.futures.ThreadPoolExecutor.__module__.split(".")[0],
                "tqdm": tqdm.__version__,
                "thread_map": counted(tqdm_concurrent.thread_map,
                    square, range(500), max_workers=4),
                "process_map": counted(tqdm_concurrent.process_map,
                    square, range(300), max_workers=2, chunksize=7),
                "process_map_one_by_one": counted(tqdm_concurrent.process_map,
                    square, range(50), max_workers=2),
            }
            if hasattr(tqdm_concurrent, "interpreter_map") and sys.version_info >= (3, 14):
                report["interpreter_map"] = counted(
                    tqdm_concurrent.interpreter_map, square, range(20),
                    max_workers=2)
            print(json.dumps(report))
    ''', tmp_path, modules={"client_bar": '''
        import tqdm

        class CountingBar(tqdm.tqdm):
            """Keeps each bar's final count: tqdm counts a map's progress
            through the pool's submit(). A module of its own: tqdm's
            interpreter_map pickles the class into each subinterpreter."""
            finals = []

            def close(self):
                if not getattr(self, "_counted", False):
                    self._counted = True
                    CountingBar.finals.append(self.n)
                super().close()
    '''})
    assert installed["thread_map"]["results"] == [x * x for x in range(500)]
    # Each bar ends at the number of calls the map made: every item, or
    # every chunk of 7 (as the stdlib's process map submits them).
    assert installed["thread_map"]["bar"] == [500]
    assert installed["process_map_one_by_one"]["bar"] == [50]
    assert installed["process_map"]["bar"] == [43]
    if "interpreter_map" in installed:
        assert installed["interpreter_map"]["bar"] == [20]
    check_same_results(installed, stdlib)


@pytest.mark.timeout(600)
def test_dask_bag_on_the_threaded_and_process_schedulers(tmp_path):
    needs("dask.bag")
    installed, stdlib = run_both('''
        import dask.bag as db
        import dask.threaded

        def is_odd(x):
            return x % 2 == 1

        if __name__ == "__main__":
            bag = db.from_sequence(range(1000), npartitions=8).map(square)
            odd = bag.filter(is_odd)
            mro = [c.__module__.split(".")[0]
                   for c in dask.threaded.ContextAwareThreadPoolExecutor.__mro__]
            report = {
                "served": "cfutures" if "cfutures" in mro else "concurrent",
                "threads": odd.sum().compute(scheduler="threads"),
                "processes": odd.count().compute(scheduler="processes",
                                                 num_workers=2),
                "frequencies": sorted(bag.map(lambda x: x % 7).frequencies()
                                      .compute(scheduler="threads")),
            }
            print(json.dumps(report))
    ''', tmp_path)
    assert installed["threads"] == sum(x * x for x in range(1000) if x % 2)
    check_same_results(installed, stdlib)


# s3transfer's tests of what runs on its executor: the TransferManager and
# its futures, tasks, uploads, downloads, copies and deletes.
S3TRANSFER_SUITES = (
    "functional/test_manager.py", "functional/test_upload.py",
    "functional/test_download.py", "functional/test_copy.py",
    "functional/test_delete.py", "unit/test_futures.py",
    "unit/test_manager.py", "unit/test_tasks.py", "unit/test_upload.py",
    "unit/test_download.py", "unit/test_copies.py", "unit/test_delete.py",
)


def s3transfer_tests():
    needs("s3transfer")
    needs("botocore")
    import s3transfer
    found = sorted(glob.glob(os.path.join(
        CLIENTS_CACHE, f"s3transfer-{s3transfer.__version__}", "tests")))
    if not found:
        pytest.skip(f"s3transfer {s3transfer.__version__}'s own tests are not "
                    f"in {CLIENTS_CACHE} (the test command fetches its sdist)")
    return found[0]


def pytest_outcome(tests_dir, install):
    env = dict(os.environ, CFUTURES_INSTALL=install)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", *S3TRANSFER_SUITES],
        capture_output=True, text=True, env=env, timeout=900, cwd=tests_dir)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout else ""
    counts = dict((kind, int(n)) for n, kind in
                  re.findall(r"(\d+) (passed|failed|skipped|errors?)", summary))
    return proc.returncode, counts, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.timeout(1200)
def test_s3transfer_own_tests_pass_alike(tmp_path):
    tests_dir = s3transfer_tests()
    probe = subprocess.run(
        [sys.executable, "-c", "import s3transfer.futures as f; "
         "print(f.BoundedExecutor.EXECUTOR_CLS.__module__)"],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, CFUTURES_INSTALL="1"))
    assert probe.stdout.strip().startswith("cfutures"), probe.stderr
    rc, counts, tail = pytest_outcome(tests_dir, "1")
    base_rc, base_counts, base_tail = pytest_outcome(tests_dir, "0")
    assert base_rc == 0 and base_counts.get("passed", 0) > 100, base_tail
    assert (rc, counts) == (base_rc, base_counts), tail
