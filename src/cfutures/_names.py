"""The names cfutures shares with the stdlib, taken from the stdlib itself.

Constants and exception classes are re-exported, never redefined, so that
``except concurrent.futures.CancelledError`` catches what cfutures raises.
"""
import os
from concurrent.futures import _base as _stdlib_base
from concurrent.futures import process as _stdlib_process
from concurrent.futures import thread as _stdlib_thread

FIRST_COMPLETED = _stdlib_base.FIRST_COMPLETED
FIRST_EXCEPTION = _stdlib_base.FIRST_EXCEPTION
ALL_COMPLETED = _stdlib_base.ALL_COMPLETED

CancelledError = _stdlib_base.CancelledError
TimeoutError = _stdlib_base.TimeoutError
InvalidStateError = _stdlib_base.InvalidStateError
BrokenExecutor = _stdlib_base.BrokenExecutor
BrokenThreadPool = _stdlib_thread.BrokenThreadPool
BrokenProcessPool = _stdlib_process.BrokenProcessPool

# The stdlib Future's visible state strings, in the order of the core's C enum.
FUTURE_STATES = (
    _stdlib_base.PENDING,
    _stdlib_base.RUNNING,
    _stdlib_base.CANCELLED,
    _stdlib_base.CANCELLED_AND_NOTIFIED,
    _stdlib_base.FINISHED,
)

LOGGER = _stdlib_base.LOGGER

# The public names of concurrent.futures as of Python 3.14, less
# InterpreterPoolExecutor (3.14-only, out of scope).
PUBLIC_NAMES = (
    "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED",
    "CancelledError", "TimeoutError", "InvalidStateError", "BrokenExecutor",
    "Future", "Executor", "wait", "as_completed",
    "ProcessPoolExecutor", "ThreadPoolExecutor",
)

# os.process_cpu_count is 3.13+; older Pythons count all CPUs, as their stdlib does.
_cpu_count = getattr(os, "process_cpu_count", os.cpu_count)


def default_max_workers():
    """The stdlib's default thread-pool size on the running Python."""
    return min(32, (_cpu_count() or 1) + 4)
