"""Judging a run: the report against expected_failures.txt, and the exit status.

``judge_run`` reads the test process's report (see suite_driver), prints
each unexpected failure with its traceback, the expected ones, the listed
ones that passed, the tests the suite skipped, the slowest tests, and the
summary line ``N passed, N failed (...)``, and returns the exit status:
EXIT_OK when nothing failed unexpectedly, EXIT_FAILED on an unexpected
failure, a broken substitution, a test process that died or wrote nothing,
or zero tests run. EXIT_SKIPPED is the runner's status for a version that
cannot be run here.
"""
import json
import os
import sys

from runner_common import HERE, VERSION, log

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_SKIPPED = 77   # automake's "skipped"; tests/test_conformance.py skips on it

EXPECTED_FILE = HERE / "expected_failures.txt"
# A passing test this slow probably waited out a timeout (the suite's
# SHORT_TIMEOUT is 30 s); none takes that long with the stdlib.
SLOW_TEST = 20.0


def load_expected(path):
    """{test short id: reason} for the running version.

    A line is ``VERSIONS Class.test reason``; VERSIONS is X.Y[,X.Y...] or *.
    """
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
    """Print the outcome of a finished report; EXIT_OK or EXIT_FAILED.

    strict: a listed failure that passed fails the run too.
    """
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
    return EXIT_OK if ok else EXIT_FAILED


def judge_run(result_file, returncode, expected_path, elapsed, strict):
    """The exit status of a run, from the report the test process left.

    returncode: the test process's status (or why it was killed), for the
    messages.
    """
    if not os.path.exists(result_file):
        log("FAILED: the test process wrote no result (status %s)"
            % returncode)
        return EXIT_FAILED
    with open(result_file) as f:
        report = json.load(f)
    if report["checks"]:
        log("FAILED: substitution broken in the test process:\n  "
            + "\n  ".join(report["checks"]))
        return EXIT_FAILED
    if not report.get("finished") and report.get("current"):
        # The report was saved as this test started: it never ended.
        report["outcomes"][report["current"]] = "error"
        report["details"][report["current"]] = [
            "the test process died in this test (status %s): it hung "
            "past --test-timeout or crashed\n" % returncode]
    status = judge(report, load_expected(expected_path), elapsed, strict)
    if not report.get("finished"):
        log("FAILED: the test process died (status %s) before the suite "
            "finished, after %d tests, in %s (hung or crashed: see the "
            "traceback dump above)" % (returncode, len(report["durations"]),
                                       report.get("current")))
        return EXIT_FAILED
    return status
