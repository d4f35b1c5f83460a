"""Every binding to the stdlib's concurrent.futures that cfutures uses.

Constants and exception classes are re-exported, never redefined, so that
``except concurrent.futures.CancelledError`` catches what cfutures raises.
The stdlib privates cfutures must reach are bound here too, each with the
reason, so that a change in a new Python shows up in one place.

What only the pools need (``concurrent.futures.thread``, ``.process``,
which imports multiprocessing, and ``.interpreter``) is bound on first use,
through the module's ``__getattr__``, as the stdlib's own
``concurrent.futures`` loads its pools: importing cfutures costs what
importing ``concurrent.futures`` costs.
"""
import threading
import concurrent.futures as _package
from concurrent.futures import _base

# -- the public names ---------------------------------------------------------

FIRST_COMPLETED = _base.FIRST_COMPLETED
FIRST_EXCEPTION = _base.FIRST_EXCEPTION
ALL_COMPLETED = _base.ALL_COMPLETED

CancelledError = _base.CancelledError
TimeoutError = _base.TimeoutError
InvalidStateError = _base.InvalidStateError
BrokenExecutor = _base.BrokenExecutor

# 3.14+ where the interpreter has subinterpreters: the stdlib package lists
# its InterpreterPoolExecutor then (without importing it).
HAS_INTERPRETERS = "InterpreterPoolExecutor" in _package.__all__

# The public names of concurrent.futures on this Python (3.14's, with
# InterpreterPoolExecutor where the stdlib has it).
PUBLIC_NAMES = (
    "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED",
    "CancelledError", "TimeoutError", "InvalidStateError", "BrokenExecutor",
    "Future", "Executor", "wait", "as_completed",
    "ProcessPoolExecutor", "ThreadPoolExecutor",
) + (("InterpreterPoolExecutor",) if HAS_INTERPRETERS else ())

# The stdlib classes: second bases of cfutures' own (isinstance holds) and
# what the fallback serves.
StdlibFuture = _base.Future
StdlibExecutor = _base.Executor
stdlib_wait = _base.wait
stdlib_as_completed = _base.as_completed

# -- the Future's visible state -------------------------------------------------

# The stdlib Future's state strings, in the order of the core's C enum.
FUTURE_STATES = (
    _base.PENDING,
    _base.RUNNING,
    _base.CANCELLED,
    _base.CANCELLED_AND_NOTIFIED,
    _base.FINISHED,
)
# Future.__repr__ words, as the stdlib's.
STATE_DESCRIPTIONS = _base._STATE_TO_DESCRIPTION_MAP
# wait()'s result type.
DoneAndNotDoneFutures = _base.DoneAndNotDoneFutures
# The logger the stdlib's executors log worker failures to.
LOGGER = _base.LOGGER

# -- privates the pools must reach -----------------------------------------------

# Interpreter-exit hooks that run before non-daemon threads are joined: the
# stdlib's pools finish their work there, and so must cfutures'.
register_atexit = threading._register_atexit


# -- bound on first use -----------------------------------------------------------

def _thread_names():
    from concurrent.futures import thread
    return {"BrokenThreadPool": thread.BrokenThreadPool,
            "StdlibThreadPoolExecutor": thread.ThreadPoolExecutor}


def _process_names():
    from concurrent.futures import process
    return {
        "BrokenProcessPool": process.BrokenProcessPool,
        "StdlibProcessPoolExecutor": process.ProcessPoolExecutor,
        # A worker's exception carries its traceback text as __cause__, in
        # the stdlib's class, so that code (and tests) recognizing it keep
        # working.
        "RemoteTraceback": process._RemoteTraceback,
        # The stdlib's check for a platform without working semaphores.
        "check_system_limits": process._check_system_limits,
        # Names that code imports from concurrent.futures.process besides
        # the executor; cfutures.process offers them too.
        "PROCESS_MODULE_EXTRAS": {
            name: getattr(process, name)
            for name in ("_RemoteTraceback", "_ExceptionWithTraceback",
                         "_check_system_limits", "EXTRA_QUEUED_CALLS",
                         "_MAX_WINDOWS_WORKERS")
            if hasattr(process, name)},
    }


def _interpreter_names():
    if not HAS_INTERPRETERS:
        return {"BrokenInterpreterPool": None,
                "StdlibInterpreterPoolExecutor": None}
    from concurrent.futures import interpreter
    return {"BrokenInterpreterPool": interpreter.BrokenInterpreterPool,
            "StdlibInterpreterPoolExecutor": interpreter.InterpreterPoolExecutor}


# name -> the function that binds it (with its siblings)
_LAZY = {name: bind for bind, names in (
    (_thread_names, ("BrokenThreadPool", "StdlibThreadPoolExecutor")),
    (_process_names, ("BrokenProcessPool", "StdlibProcessPoolExecutor",
                      "RemoteTraceback", "check_system_limits",
                      "PROCESS_MODULE_EXTRAS")),
    (_interpreter_names, ("BrokenInterpreterPool",
                          "StdlibInterpreterPoolExecutor")),
) for name in names}


def __getattr__(name):
    bind = _LAZY.get(name)
    if bind is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    names = bind()
    globals().update(names)   # once: later look-ups find them here
    return names[name]
