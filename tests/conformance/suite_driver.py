"""Driving the suite: running it with unittest and recording every outcome.

Two halves. ``launch_driver`` runs in the runner's process: it starts the
test process (this runner's ``--driver`` mode, with the throwaway
environment's python) in a session of its own and waits for it, killing the
whole session past ``--timeout``. ``run_driver`` is the test process: it
loads the suite, selects the tests (``--threads-only`` leaves out the
process-pool variants, ``-k`` keeps matching ids), checks the substitution,
runs them and keeps a JSON report in the ``--result`` file, rewritten before
and after every test, so a test process that dies still leaves a report
naming the test it died in.

The report: loaded and selected (test counts), outcomes ({short id:
passed|failed|error|skipped}), details ({short id: [traceback text]}),
durations ({short id: seconds}), checks (substitution problems; the run
stops before any test when there are some), current (the test running, or
None), environment_altered, finished (true once the suite has returned).
"""
import json
import os
import signal
import subprocess
import sys
import time

from runner_common import SUITE, is_process_pool_test, log, short_id
from substitution import check_test_process, clean_env


def launch_driver(python, entry_point, root, args):
    """Run the test process; return its status, or a string saying it was killed.

    The report lands in ``<root>/result.json``.
    """
    command = [python, str(entry_point), "--driver",
               "--result", os.path.join(root, "result.json"),
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
        return driver.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        return "killed after %ss" % args.timeout


def iter_tests(suite):
    """The test cases of a (nested) unittest suite, in order."""
    import unittest
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from iter_tests(item)
        else:
            yield item


def select_tests(everything, threads_only, patterns):
    """The tests to run: --threads-only drops process pools, -k keeps matches."""
    selected = [test for test in everything
                if not threads_only or not is_process_pool_test(test)]
    if patterns:
        selected = [test for test in selected
                    if any(pattern in test.id() for pattern in patterns)]
    return selected


def make_result_class(report, save, test_timeout, real_streams):
    """A TextTestResult class that records each outcome in report.

    save() writes the report to the result file; it is called before and
    after each test. real_streams: (stdout, stderr) to put back after each.
    """
    import faulthandler
    import unittest

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
            save()
            # The watchdog: a hung test dumps every thread's stack and ends
            # the test process. It writes to the real stderr, as a test may
            # have replaced sys.stderr.
            faulthandler.dump_traceback_later(test_timeout, exit=True,
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
            save()

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
            # Keep an outcome already recorded (a failed subtest, say).
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

    return Result


def run_driver(args):
    """The test process: run the selected tests; 0, or 1 on broken checks."""
    import unittest
    from test import support

    support.verbose = args.verbose   # the suite prints timings when true
    real_streams = (sys.stdout, sys.stderr)
    loader = unittest.TestLoader()
    everything = list(iter_tests(loader.loadTestsFromName(SUITE)))
    selected = select_tests(everything, args.threads_only, args.match)
    report = {"loaded": len(everything), "selected": len(selected),
              "outcomes": {}, "details": {}, "durations": {},
              "checks": [] if args.stdlib else check_test_process(selected)}

    def save():
        with open(args.result, "w") as f:
            json.dump(report, f)

    if report["checks"]:
        save()
        return 1
    runner = unittest.TextTestRunner(
        stream=sys.stdout, verbosity=2,
        resultclass=make_result_class(report, save, args.test_timeout,
                                      real_streams))
    result = runner.run(unittest.TestSuite(selected))
    # Module/class fixture errors have no test method: keep them too.
    for holder, text in result.errors:
        if not hasattr(holder, "_testMethodName"):
            report["outcomes"][str(holder)] = "error"
            report["details"].setdefault(str(holder), []).append(text)
    report["environment_altered"] = bool(
        getattr(support, "environment_altered", False))
    report["finished"] = True
    save()
    return 0
