#!/usr/bin/env python3
"""Run CPython's own test_concurrent_futures with cfutures in place of the stdlib.

Usage (with the interpreter whose environment has cfutures installed):

    python tests/conformance/run_cpython_suite.py [--threads-only] [-v]

What it does, for the running Python version:

1. Finds the suite: the stdlib's ``test.test_concurrent_futures`` if this
   Python ships it, else a cached copy under ``.cache/cpython-tests/X.Y``,
   else it fetches Debian's ``libpythonX.Y-testsuite`` package with
   ``apt-get download`` and unpacks the suite into that cache. With no copy
   to be had it exits with status 77 (skipped) and says why.
2. Builds a throwaway virtual environment whose site-packages holds a
   ``.pth`` file: it puts cfutures (as importable here) on ``sys.path`` and
   calls ``cfutures._substitute.install()``. ``.pth`` files are processed even
   under ``python -I``, and multiprocessing's spawn and forkserver children
   run ``sys.executable``, so every Python process of the run, the test
   process and each child it starts, serves cfutures as ``concurrent.futures``.
3. Checks that the substitution is real: in a ``-I`` child, in spawn and
   forkserver children, and in the test process after the suite is imported.
4. Runs the whole suite with unittest in that environment: the Future,
   wait, as_completed, init, shutdown and deadlock tests, every thread-pool
   variant and every process-pool variant (fork, spawn, forkserver).
   ``--threads-only`` leaves the process-pool variants out (a quick run).
5. Compares failures with ``expected_failures.txt`` next to this file and
   prints ``N passed, N failed``. Exit status: 0 when nothing failed
   unexpectedly, 1 on an unexpected failure, a broken substitution, a crash
   or zero tests run, 77 when skipped.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SUITE = "test.test_concurrent_futures"
EXIT_SKIPPED = 77
VERSION = "%d.%d" % sys.version_info[:2]
DEFAULT_CACHE = REPO / ".cache" / "cpython-tests"
EXPECTED_FILE = HERE / "expected_failures.txt"
# A passing test this slow probably waited out a timeout (the suite's
# SHORT_TIMEOUT is 30 s); none takes that long with the stdlib.
SLOW_TEST = 20.0

# Classes that need the process pool although their names do not say so.
PROCESS_POOL_CLASSES = {"FailingInitializerResourcesTest"}

# Why a version has no suite, where the general message would not say enough.
KNOWN_GAPS = {
    "3.12": ("pyenv's CPython 3.12 ships no test/test_concurrent_futures and "
             "Debian (bookworm) packages no python3.12 test suite"),
}


class Skip(Exception):
    pass


def log(message):
    print("[conformance %s] %s" % (VERSION, message), flush=True)


def clean_env():
    """The environment the run's processes get: no PYTHON* settings, cores on."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON")}
    env.pop("CFUTURES_NO_EXTENSIONS", None)
    return env


# -- finding or fetching the suite ------------------------------------------

def stdlib_suite():
    """The stdlib's copy of the suite, or None."""
    import importlib.util
    try:
        spec = importlib.util.find_spec(SUITE)
    except ImportError:
        return None
    return spec.origin if spec is not None else None


def cached_suite(cache):
    """The overlay folder (holding test_concurrent_futures) in cache, or None."""
    overlay = cache / "test"
    if ((overlay / "test_concurrent_futures.py").is_file()
            or (overlay / "test_concurrent_futures" / "__init__.py").is_file()):
        return overlay
    return None


def apt_lists_empty():
    return not glob.glob("/var/lib/apt/lists/*_Packages*")


def fetch_debian_suite(cache):
    """Fetch Debian's libpythonX.Y-testsuite and keep its suite in cache."""
    package = "libpython%s-testsuite" % VERSION
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise Skip("no copy of the suite and no apt-get/dpkg-deb to fetch "
                   "Debian's %s" % package)

    def known():
        return subprocess.run(
            ["apt-cache", "show", package], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0

    if not known() and apt_lists_empty():
        log("apt lists are empty: running apt-get update")
        update = subprocess.run(["apt-get", "update"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        if update.returncode != 0:
            raise Skip("apt-get update failed (root needed?):\n"
                       + update.stdout[-2000:])
    if not known():
        raise Skip("apt knows no package %s" % package)

    with tempfile.TemporaryDirectory(prefix="cfutures-deb-") as work:
        log("fetching %s with apt-get download" % package)
        download = subprocess.run(
            ["apt-get", "download", package], cwd=work, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        debs = glob.glob(os.path.join(work, "*.deb"))
        if download.returncode != 0 or not debs:
            raise Skip("apt-get download %s failed:\n%s"
                       % (package, download.stdout[-2000:]))
        unpacked = os.path.join(work, "x")
        subprocess.run(["dpkg-deb", "-x", debs[0], unpacked], check=True)
        source = Path(unpacked, "usr", "lib", "python" + VERSION, "test")
        found = [p for p in (source / "test_concurrent_futures.py",
                             source / "test_concurrent_futures") if p.exists()]
        if not found:
            raise Skip("%s holds no test_concurrent_futures" % package)
        overlay = cache / "test"
        if overlay.exists():
            shutil.rmtree(overlay)
        overlay.mkdir(parents=True)
        for path in found:
            if path.is_dir():
                shutil.copytree(path, overlay / path.name,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, overlay / path.name)
        (cache / "SOURCE").write_text(os.path.basename(debs[0]) + "\n")
    return overlay


def locate_suite(cache_root, fetch=True):
    """(description, overlay folder or None) for the running Python."""
    origin = stdlib_suite()
    if origin is not None:
        return "stdlib copy at %s" % os.path.dirname(origin), None
    cache = cache_root / VERSION
    overlay = cached_suite(cache)
    if overlay is None and fetch:
        try:
            overlay = fetch_debian_suite(cache)
        except Skip as exc:
            gap = KNOWN_GAPS.get(VERSION)
            raise Skip("CPython %s's test_concurrent_futures is not available "
                       "here%s; the %s run is skipped. (%s)"
                       % (VERSION, ": " + gap if gap else "", VERSION, exc))
    if overlay is None:
        raise Skip("no copy of CPython %s's test_concurrent_futures in %s "
                   "(fetching disabled)" % (VERSION, cache))
    source = cache / "SOURCE"
    origin = source.read_text().strip() if source.exists() else "unknown"
    return "cached copy at %s (from %s)" % (overlay, origin), overlay


# -- the throwaway environment ----------------------------------------------

BOOT_MODULE = '''\
"""Written by cfutures' conformance runner: serve cfutures as concurrent.futures."""
OVERLAY = {overlay!r}
if OVERLAY is not None:
    # The suite is not in this Python's stdlib test package: let
    # test.test_concurrent_futures resolve to the fetched copy.
    import test
    if OVERLAY not in test.__path__:
        test.__path__.append(OVERLAY)
if {substitute!r}:
    import cfutures._substitute
    cfutures._substitute.install()
'''


def make_environment(root, overlay, substitute=True):
    """Create the venv under root; return its python."""
    import cfutures
    cfutures_home = os.path.dirname(os.path.dirname(os.path.abspath(
        cfutures.__file__)))
    venv = os.path.join(root, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv],
                   check=True, env=clean_env())
    python = os.path.join(venv, "bin", "python")
    site_packages = subprocess.run(
        [python, "-I", "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, stdout=subprocess.PIPE, text=True,
        env=clean_env()).stdout.strip()
    with open(os.path.join(site_packages, "_cfutures_conformance_boot.py"),
              "w") as f:
        f.write(BOOT_MODULE.format(
            overlay=None if overlay is None else str(overlay),
            substitute=substitute))
    with open(os.path.join(site_packages, "_cfutures_conformance.pth"),
              "w") as f:
        f.write(cfutures_home + "\n")
        f.write("import _cfutures_conformance_boot\n")
    return python


CHECK_CHILD = textwrap.dedent('''\
    import json, sys
    import concurrent.futures as cf
    from concurrent.futures import _base, process, thread
    import cfutures
    checks = {
        "EXTENSIONS": cfutures.EXTENSIONS,
        "isolated": bool(sys.flags.isolated),
        "Future": cf.Future is cfutures.Future,
        "_base.Future": _base.Future is cfutures.Future,
        "Executor": cf.Executor is cfutures.Executor,
        "_base.Executor": _base.Executor is cfutures.Executor,
        "ThreadPoolExecutor": cf.ThreadPoolExecutor is cfutures.ThreadPoolExecutor,
        "thread.ThreadPoolExecutor":
            thread.ThreadPoolExecutor is cfutures.ThreadPoolExecutor,
        "ProcessPoolExecutor":
            cf.ProcessPoolExecutor is cfutures.ProcessPoolExecutor,
        "process.ProcessPoolExecutor":
            process.ProcessPoolExecutor is cfutures.ProcessPoolExecutor,
        "wait": cf.wait is cfutures.wait and _base.wait is cfutures.wait,
        "as_completed": cf.as_completed is cfutures.as_completed
            and _base.as_completed is cfutures.as_completed,
    }
    import test.test_concurrent_futures as suite
    checks["suite importable"] = True
    with cf.ThreadPoolExecutor(1) as pool:
        checks["thread pool future"] = type(pool.submit(int)) is cfutures.Future
    if __name__ == "__main__":
        import multiprocessing
        probe = ("__import__('concurrent.futures').futures.Future"
                 " is __import__('cfutures').Future")
        for method in ("spawn", "forkserver"):
            context = multiprocessing.get_context(method)
            with cf.ProcessPoolExecutor(1, mp_context=context) as pool:
                future = pool.submit(eval, probe)
                checks[method + " child"] = future.result()
                checks["process pool future"] = type(future) is cfutures.Future
    print(json.dumps(checks))
''')


def verify_substitution(python):
    """Check in a -I child (and its spawn/forkserver children)."""
    done = subprocess.run([python, "-I", "-c", CHECK_CHILD],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=clean_env(), timeout=120)
    if done.returncode != 0:
        raise RuntimeError("substitution check child failed:\n"
                           + done.stdout + done.stderr)
    checks = json.loads(done.stdout.strip().splitlines()[-1])
    bad = sorted(name for name, ok in checks.items() if not ok)
    if bad:
        raise RuntimeError("cfutures is not substituted under -I: %s "
                           "(checks: %s)\n%s" % (", ".join(bad), checks,
                                                 done.stderr))
    if done.stderr.strip():
        raise RuntimeError("the substitution writes to stderr at startup:\n"
                           + done.stderr)
    log("substitution verified under -I and in spawn/forkserver children: "
        + ", ".join(sorted(checks)))


# -- the driver: runs inside the throwaway environment ----------------------

def is_process_pool_test(test):
    name = type(test).__name__
    return "ProcessPool" in name or name in PROCESS_POOL_CLASSES


def iter_tests(suite):
    import unittest
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from iter_tests(item)
        else:
            yield item


def short_id(test):
    """Class.method, the same on every version whatever the module layout."""
    method = getattr(test, "_testMethodName", None)
    if method is None:
        return str(test)
    return "%s.%s" % (type(test).__name__, method)


def driver_checks(selected):
    """Check the substitution in the test process, with the suite imported."""
    import concurrent.futures as cf
    import cfutures
    problems = []
    if not cfutures.EXTENSIONS:
        problems.append("cfutures.EXTENSIONS is false in the test process")
    if cf.Future is not cfutures.Future:
        problems.append("concurrent.futures.Future is not cfutures.Future")
    for name, module in sorted(sys.modules.items()):
        if not name.startswith(SUITE) or module is None:
            continue
        futures = getattr(module, "futures", None)
        if futures is not None and (
                futures.ThreadPoolExecutor is not cfutures.ThreadPoolExecutor
                or futures.ProcessPoolExecutor
                is not cfutures.ProcessPoolExecutor
                or futures.Future is not cfutures.Future):
            problems.append("%s.futures serves the stdlib" % name)
        if (getattr(module, "Future", cfutures.Future)
                is not cfutures.Future):
            problems.append("%s.Future is not cfutures.Future" % name)
        future = getattr(module, "PENDING_FUTURE", None)
        if future is not None and type(future) is not cfutures.Future:
            problems.append("%s.PENDING_FUTURE is a %s" % (name, type(future)))
    for test in selected:
        executor_type = getattr(test, "executor_type", None)
        wanted = (cfutures.ProcessPoolExecutor if is_process_pool_test(test)
                  else cfutures.ThreadPoolExecutor)
        if executor_type is not None and executor_type is not wanted:
            problems.append("%s uses %r" % (short_id(test), executor_type))
    return problems


def run_driver(args):
    import faulthandler
    import unittest
    from test import support

    support.verbose = args.verbose   # the suite prints timings when true
    real_streams = (sys.stdout, sys.stderr)
    loader = unittest.TestLoader()
    everything = list(iter_tests(loader.loadTestsFromName(SUITE)))
    selected = [test for test in everything
                if not args.threads_only or not is_process_pool_test(test)]
    if args.match:
        selected = [test for test in selected
                    if any(pattern in test.id() for pattern in args.match)]
    report = {"loaded": len(everything), "selected": len(selected),
              "outcomes": {}, "details": {}, "durations": {},
              "checks": [] if args.stdlib else driver_checks(selected)}
    if report["checks"]:
        with open(args.result, "w") as f:
            json.dump(report, f)
        return 1

    class Result(unittest.TextTestResult):
        def record(self, test, outcome, err=None):
            key = short_id(test)
            previous = report["outcomes"].get(key)
            # A failing subtest marks the whole test failed.
            if previous in ("failed", "error") and outcome == "passed":
                return
            report["outcomes"][key] = outcome
            if err is not None:
                report["details"].setdefault(key, []).append(
                    self._exc_info_to_string(err, test))

        def startTest(self, test):
            self._started = time.monotonic()
            report["current"] = short_id(test)
            with open(args.result, "w") as f:
                json.dump(report, f)
            faulthandler.dump_traceback_later(args.test_timeout, exit=True,
                                              file=sys.__stderr__)
            super().startTest(test)

        def stopTest(self, test):
            super().stopTest(test)
            faulthandler.cancel_dump_traceback_later()
            # Older suites' _raise_error_ignore_stderr() replaces sys.stderr
            # for good when the result arrives before the test captures
            # stderr (CPython fixed the test in gh-109832): put it back.
            sys.stdout, sys.stderr = real_streams
            report["durations"][short_id(test)] = round(
                time.monotonic() - self._started, 3)
            report["current"] = None
            with open(args.result, "w") as f:
                json.dump(report, f)

        def addSuccess(self, test):
            super().addSuccess(test)
            self.record(test, "passed")

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self.record(test, "failed", err)

        def addError(self, test, err):
            super().addError(test, err)
            self.record(test, "error", err)

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            if report["outcomes"].get(short_id(test)) is None:
                self.record(test, "skipped")

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            self.record(test, "passed")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            self.record(test, "failed")
            report["details"].setdefault(short_id(test), []).append(
                "unexpected success\n")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                failed = issubclass(err[0], test.failureException)
                self.record(test, "failed" if failed else "error", err)

    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                     resultclass=Result)
    result = runner.run(unittest.TestSuite(selected))
    # Module/class fixture errors have no test method: keep them too.
    for holder, text in result.errors:
        if not hasattr(holder, "_testMethodName"):
            report["outcomes"][str(holder)] = "error"
            report["details"].setdefault(str(holder), []).append(text)
    report["environment_altered"] = bool(
        getattr(support, "environment_altered", False))
    report["finished"] = True
    with open(args.result, "w") as f:
        json.dump(report, f)
    return 0


# -- expected failures and the verdict ---------------------------------------

def load_expected(path):
    """{test short id: reason} for the running version."""
    expected = {}
    if not path.exists():
        return expected
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(None, 2)
        if len(fields) < 3:
            raise SystemExit("%s:%d: want 'VERSIONS Class.test reason'"
                             % (path, number))
        versions, name, reason = fields
        if versions == "*" or VERSION in versions.split(","):
            expected[name] = reason
    return expected


def judge(report, expected, elapsed, strict):
    outcomes = report["outcomes"]
    passed = sorted(k for k, v in outcomes.items() if v == "passed")
    failed = sorted(k for k, v in outcomes.items() if v in ("failed", "error"))
    skipped = sorted(k for k, v in outcomes.items() if v == "skipped")
    unexpected = [k for k in failed if k not in expected]
    known = [k for k in failed if k in expected]
    stale = sorted(k for k in expected if outcomes.get(k) == "passed")

    for key in unexpected:
        print("=" * 70)
        print("UNEXPECTED %s: %s" % (outcomes[key].upper(), key))
        for text in report["details"].get(key, []):
            print(text.rstrip())
    for key in known:
        log("expected failure: %s (%s)" % (key, expected[key]))
    for key in stale:
        log("listed as failing but passed: %s (drop it from %s)"
            % (key, EXPECTED_FILE.name))
    if skipped:
        log("skipped by the suite: %s" % ", ".join(skipped))
    slow = sorted(report["durations"].items(), key=lambda kv: -kv[1])[:5]
    log("slowest: " + ", ".join("%s %.1fs" % kv for kv in slow))
    for key, seconds in slow:
        if seconds >= SLOW_TEST and outcomes.get(key) == "passed":
            log("warning: %s took %.1fs: it may have passed only because a "
                "wait timed out (compare with --stdlib)" % (key, seconds))
    if report.get("environment_altered"):
        log("warning: the suite reports an altered environment "
            "(dangling threads or processes)")

    ok = not unexpected and len(passed) + len(failed) > 0
    if strict and stale:
        ok = False
    print("%s passed, %s failed (%s expected, %s unexpected), %s skipped; "
          "%d of %d tests selected; CPython %s suite; %.1fs"
          % (len(passed), len(failed), len(known), len(unexpected),
             len(skipped), report["selected"], report["loaded"],
             sys.version.split()[0], elapsed), flush=True)
    if len(passed) + len(failed) == 0:
        log("FAILED: the suite ran no tests")
    return 0 if ok else 1


def run(args):
    try:
        import cfutures
    except ImportError as exc:
        raise Skip("cfutures is not importable here: %s" % exc)
    if os.environ.get("CFUTURES_NO_EXTENSIONS", "") not in ("", "0"):
        log("CFUTURES_NO_EXTENSIONS is set here; the run ignores it")
    elif not cfutures.EXTENSIONS:
        raise Skip("cfutures' compiled core is not loaded (EXTENSIONS false): "
                   "there is nothing to substitute")

    started = time.monotonic()
    description, overlay = locate_suite(Path(args.cache_dir), not args.no_fetch)
    log("suite: " + description)
    root = tempfile.mkdtemp(prefix="cfutures-conformance-")
    try:
        python = make_environment(root, overlay, not args.stdlib)
        if args.stdlib:
            log("BASELINE: the stdlib's concurrent.futures, no substitution")
        else:
            verify_substitution(python)
        result_file = os.path.join(root, "result.json")
        command = [python, str(Path(__file__).resolve()), "--driver",
                   "--result", result_file,
                   "--test-timeout", str(args.test_timeout)]
        if args.threads_only:
            command.append("--threads-only")
        if args.stdlib:
            command.append("--stdlib")
        if args.verbose:
            command.append("-v")
        for pattern in args.match:
            command += ["-k", pattern]
        log("running the suite: " + " ".join(command[1:]))
        # A session of its own, so a timeout also ends the suite's children.
        driver = subprocess.Popen(command, env=clean_env(), cwd=root,
                                  start_new_session=True)
        try:
            returncode = driver.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
            returncode = "killed after %ss" % args.timeout
        elapsed = time.monotonic() - started
        if not os.path.exists(result_file):
            log("FAILED: the test process wrote no result (status %s)"
                % returncode)
            return 1
        with open(result_file) as f:
            report = json.load(f)
        if report["checks"]:
            log("FAILED: substitution broken in the test process:\n  "
                + "\n  ".join(report["checks"]))
            return 1
        if not report.get("finished") and report.get("current"):
            report["outcomes"][report["current"]] = "error"
            report["details"][report["current"]] = [
                "the test process died in this test (status %s): it hung "
                "past --test-timeout or crashed\n" % returncode]
        verdict = judge(report, load_expected(Path(args.expected)), elapsed,
                        args.strict)
        if not report.get("finished"):
            log("FAILED: the test process died (status %s) before the suite "
                "finished, after %d tests, in %s (hung or crashed: see the "
                "traceback dump above)" % (returncode, len(report["durations"]),
                                           report.get("current")))
            return 1
        return verdict
    finally:
        if args.keep:
            log("kept the environment in " + root)
        else:
            shutil.rmtree(root, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads-only", action="store_true",
                        help="leave the process-pool variants out")
    parser.add_argument("--stdlib", action="store_true",
                        help="baseline: run the same tests against the "
                             "stdlib, without substituting cfutures")
    parser.add_argument("-k", "--match", action="append", default=[],
                        help="only tests whose id contains this (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="let the suite print its own verbose output")
    parser.add_argument("--cache-dir", default=os.environ.get(
        "CFUTURES_CPYTHON_TESTS_CACHE", str(DEFAULT_CACHE)),
        help="where fetched suites are kept (default: %(default)s)")
    parser.add_argument("--no-fetch", action="store_true",
                        help="never run apt-get; skip if no copy is at hand")
    parser.add_argument("--expected", default=str(EXPECTED_FILE),
                        help="expected-failures file (default: %(default)s)")
    parser.add_argument("--strict", action="store_true",
                        help="also fail when a listed failure passes")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds the whole suite may take")
    parser.add_argument("--test-timeout", type=float, default=180,
                        help="seconds one test may take before the test "
                             "process dumps its threads and exits")
    parser.add_argument("--keep", action="store_true",
                        help="keep the throwaway environment")
    parser.add_argument("--driver", action="store_true",
                        help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.driver:
        return run_driver(args)
    try:
        return run(args)
    except Skip as exc:
        log("SKIPPED: %s" % exc)
        return EXIT_SKIPPED


if __name__ == "__main__":
    sys.exit(main())
