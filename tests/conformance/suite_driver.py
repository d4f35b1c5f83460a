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
    """Run the test processes; return their status (0 when all exited 0),
    or a string saying what was killed or failed.

    With ``--jobs N`` (N > 1) the selected tests are dealt to N test
    processes run side by side (``--shard i/N``, whole test classes each):
    the suite mostly sleeps on its timeouts, so they overlap well even on
    two CPUs. Each leaves ``<root>/result-i.json``; merged, the report
    lands in ``<root>/result.json``.
    """
    jobs = max(1, args.jobs)
    base = [python, str(entry_point), "--driver",
            "--test-timeout", str(args.test_timeout)]
    if args.threads_only:
        base.append("--threads-only")
    if args.stdlib:
        base.append("--stdlib")
    if args.verbose:
        base.append("-v")
    for pattern in args.match:
        base += ["-k", pattern]
    results = [os.path.join(root, "result-%d.json" % i) for i in range(jobs)]
    drivers = []
    for i in range(jobs):
        command = base + ["--result", results[i], "--shard", "%d/%d" % (i, jobs)]
        log("running the suite: " + " ".join(command[1:]))
        # A session of its own, so a timeout also ends the suite's children.
        # Its output goes to a file of its own, printed whole at the end:
        # side-by-side shards would interleave their lines.
        out = open(os.path.join(root, "output-%d.txt" % i), "w+")
        drivers.append((subprocess.Popen(command, env=clean_env(), cwd=root,
                                         start_new_session=True,
                                         stdout=out, stderr=subprocess.STDOUT),
                        out))
    deadline = time.monotonic() + args.timeout
    statuses = []
    for driver, out in drivers:
        try:
            statuses.append(driver.wait(
                timeout=max(0.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
            statuses.append("killed after %ss" % args.timeout)
        out.seek(0)
        sys.stdout.write(out.read())
        sys.stdout.flush()
        out.close()
    merge_reports(results, os.path.join(root, "result.json"), statuses)
    failed = [str(status) for status in statuses if status != 0]
    return "; ".join(failed) if failed else 0


def merge_reports(paths, merged_path, statuses):
    """One report of the shards' reports (a shard that wrote none counts
    as a test process that died before its first test)."""
    merged = {"loaded": 0, "selected": 0, "outcomes": {}, "details": {},
              "durations": {}, "checks": [], "current": None,
              "environment_altered": False, "finished": True}
    for path, status in zip(paths, statuses):
        if not os.path.exists(path):
            merged["checks"].append("the test process of %s wrote no result "
                                    "(status %s)" % (path, status))
            continue
        with open(path) as f:
            report = json.load(f)
        merged["loaded"] = max(merged["loaded"], report["loaded"])
        merged["selected"] += report["selected"]
        for key in ("outcomes", "details", "durations"):
            merged[key].update(report[key])
        merged["checks"] += report["checks"]
        merged["environment_altered"] |= bool(report.get("environment_altered"))
        if not report.get("finished"):
            merged["finished"] = False
            current = report.get("current")
            if current:
                merged["outcomes"][current] = "error"
                merged["details"][current] = [
                    "the test process died in this test (status %s): it "
                    "hung past --test-timeout or crashed\n" % status]
                merged["current"] = merged["current"] or current
    with open(merged_path, "w") as f:
        json.dump(merged, f)


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


def shard_tests(selected, index, count):
    """Shard ``index`` of ``count``: whole test classes (their class
    fixtures run once), dealt largest first to the shard with the fewest
    tests so far."""
    classes = {}
    for test in selected:
        classes.setdefault(type(test).__qualname__, []).append(test)
    shards = [[] for _ in range(count)]
    for name in sorted(classes, key=lambda name: (-len(classes[name]), name)):
        min(shards, key=len).extend(classes[name])
    chosen = {id(test) for test in shards[index]}
    return [test for test in selected if id(test) in chosen]


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
    if args.shard:
        index, count = map(int, args.shard.split("/"))
        selected = shard_tests(selected, index, count)
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
