#!/usr/bin/env python3
"""Run CPython's own test_concurrent_futures with cfutures in place of the stdlib.

Usage (with the interpreter whose environment has cfutures installed):

    python tests/conformance/run_cpython_suite.py [--threads-only] [-v]
        [--stdlib] [-k PATTERN]... [--strict] [--cache-dir DIR]
        [--expected FILE] [--timeout S] [--test-timeout S] [--jobs N] [--keep]

The protocol, for the running Python version X.Y:

1. The suite (suite_source.py): the stdlib's ``test.test_concurrent_futures``
   if this Python ships it, else a copy cached under
   ``.cache/cpython-tests/X.Y`` (or ``--cache-dir`` /
   ``$CFUTURES_CPYTHON_TESTS_CACHE``). The runner never downloads anything:
   ``scripts/fetch_cpython_tests.sh X.Y`` fills the cache from Debian's
   ``libpythonX.Y-testsuite``, and ``scripts/test.sh`` runs it before pytest.
   With no copy the run is skipped (status 77) and says why in one line
   starting ``[conformance X.Y] SKIPPED:``.
2. The substitution (substitution.py): a throwaway virtual environment
   whose ``.pth`` file calls ``cfutures._substitute.install()`` at startup
   of every process, ``-I`` ones and spawn/forkserver children included;
   checked in a ``-I`` child and its spawn and forkserver children before
   the run, and in the test process once the suite is imported.
3. The run (suite_driver.py): this script, run again with the throwaway
   environment's python and ``--driver --result FILE``, is the test process:
   it runs the selected tests with unittest and keeps a JSON report in FILE,
   rewritten before and after every test. Every test gets ``--test-timeout``
   seconds (then a faulthandler dump and exit); the whole suite gets
   ``--timeout`` seconds (then its process group is killed). With
   ``--jobs N`` (default 4) N such test processes run side by side, each
   its share of the test classes, and their reports are merged.
   ``--threads-only`` leaves the process-pool variants out (a quick run);
   ``--stdlib`` runs the same tests without the substitution (a baseline).
4. The verdict (verdict.py): failures are compared with
   ``expected_failures.txt`` next to this file and the last line printed
   is ``N passed, N failed (N expected, N unexpected), N skipped; ...``.

Exit status: 0 when nothing failed unexpectedly; 1 on an unexpected failure,
a broken substitution, a crash or hang of the test process, or zero tests
run; 77 when this version is skipped (no suite, or no compiled cfutures).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from runner_common import Skip, log
from substitution import (make_environment, require_compiled_cfutures,
                          verify_substitution)
from suite_driver import launch_driver, run_driver
from suite_source import default_cache_root, locate_suite
from verdict import EXIT_SKIPPED, EXPECTED_FILE, judge_run

ENTRY_POINT = Path(__file__).resolve()


def run(args):
    """The runner's side: find the suite, substitute, drive, judge."""
    require_compiled_cfutures()
    started = time.monotonic()
    description, overlay = locate_suite(Path(args.cache_dir))
    log("suite: " + description)
    root = tempfile.mkdtemp(prefix="cfutures-conformance-")
    try:
        python = make_environment(root, overlay, substitute=not args.stdlib)
        if args.stdlib:
            log("BASELINE: the stdlib's concurrent.futures, no substitution")
        else:
            verify_substitution(python)
        returncode = launch_driver(python, ENTRY_POINT, root, args)
        return judge_run(Path(root, "result.json"), returncode,
                         Path(args.expected), time.monotonic() - started,
                         args.strict)
    finally:
        if args.keep:
            log("kept the environment in " + root)
        else:
            shutil.rmtree(root, ignore_errors=True)


def parse_args(argv):
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
    parser.add_argument("--cache-dir", default=default_cache_root(),
                        help="where scripts/fetch_cpython_tests.sh keeps "
                             "suites (default: %(default)s)")
    # Kept so older command lines still work: the runner never fetches now.
    parser.add_argument("--no-fetch", action="store_true",
                        help="no effect (the runner never runs apt-get; "
                             "scripts/fetch_cpython_tests.sh does)")
    parser.add_argument("--expected", default=str(EXPECTED_FILE),
                        help="expected-failures file (default: %(default)s)")
    parser.add_argument("--strict", action="store_true",
                        help="also fail when a listed failure passes")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds the whole suite may take")
    parser.add_argument("--test-timeout", type=float, default=180,
                        help="seconds one test may take before the test "
                             "process dumps its threads and exits")
    parser.add_argument("--jobs", type=int,
                        default=int(os.environ.get("CFUTURES_CONFORMANCE_JOBS", "4")),
                        help="test processes run side by side, each a share "
                             "of the test classes (default: "
                             "$CFUTURES_CONFORMANCE_JOBS or 4)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the throwaway environment")
    parser.add_argument("--driver", action="store_true",
                        help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--shard", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.driver:
        return run_driver(args)
    try:
        return run(args)
    except Skip as exc:
        log("SKIPPED: %s" % exc)
        return EXIT_SKIPPED


if __name__ == "__main__":
    sys.exit(main())
