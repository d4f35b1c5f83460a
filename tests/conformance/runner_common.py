"""What every part of the conformance runner shares.

The running Python's version, where the repository is, the suite's module
name, the exception that turns a run into a skip, the runner's log line, and
how the runner names and sorts the suite's tests (thread pool or process
pool). Importing this module imports nothing of cfutures or of the suite.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VERSION = "%d.%d" % sys.version_info[:2]
SUITE = "test.test_concurrent_futures"

# Classes that need the process pool although their names do not say so.
PROCESS_POOL_CLASSES = {"FailingInitializerResourcesTest"}


class Skip(Exception):
    """This version cannot be run here; the message says why."""


def log(message):
    print("[conformance %s] %s" % (VERSION, message), flush=True)


def short_id(test):
    """Class.method, the same on every version whatever the module layout.

    The suite was one module up to 3.11 and is a package from 3.12 on, so
    the full unittest id differs between versions; expected_failures.txt
    and the report use this form.
    """
    method = getattr(test, "_testMethodName", None)
    if method is None:
        return str(test)
    return "%s.%s" % (type(test).__name__, method)


def is_process_pool_test(test):
    """True when the test runs a process pool (left out by --threads-only)."""
    name = type(test).__name__
    return "ProcessPool" in name or name in PROCESS_POOL_CLASSES
