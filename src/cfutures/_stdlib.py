"""Every binding to the stdlib's concurrent.futures that cfutures uses.

Constants and exception classes are re-exported, never redefined, so that
``except concurrent.futures.CancelledError`` catches what cfutures raises.
The stdlib privates cfutures must reach are bound here too, each with the
reason, so that a change in a new Python shows up in one place.
"""
import threading
from concurrent.futures import _base
from concurrent.futures import process as _process
from concurrent.futures import thread as _thread
from multiprocessing import reduction as _reduction

# -- the public names ---------------------------------------------------------

FIRST_COMPLETED = _base.FIRST_COMPLETED
FIRST_EXCEPTION = _base.FIRST_EXCEPTION
ALL_COMPLETED = _base.ALL_COMPLETED

CancelledError = _base.CancelledError
TimeoutError = _base.TimeoutError
InvalidStateError = _base.InvalidStateError
BrokenExecutor = _base.BrokenExecutor
BrokenThreadPool = _thread.BrokenThreadPool
BrokenProcessPool = _process.BrokenProcessPool

try:   # 3.14+
    from concurrent.futures import interpreter as _interpreter
except ImportError:
    _interpreter = None
HAS_INTERPRETERS = _interpreter is not None
BrokenInterpreterPool = _interpreter.BrokenInterpreterPool if HAS_INTERPRETERS else None
StdlibInterpreterPoolExecutor = (
    _interpreter.InterpreterPoolExecutor if HAS_INTERPRETERS else None)

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
StdlibThreadPoolExecutor = _thread.ThreadPoolExecutor
StdlibProcessPoolExecutor = _process.ProcessPoolExecutor
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
# A worker's exception carries its traceback text as __cause__, in the
# stdlib's class, so that code (and tests) recognizing it keep working.
RemoteTraceback = _process._RemoteTraceback
# The stdlib's check for a platform without working semaphores.
check_system_limits = _process._check_system_limits
# multiprocessing's pickler: knows connections, sockets and what was
# registered with it, for objects the plain pickler refuses.
ForkingPickler = _reduction.ForkingPickler

# Names that code imports from concurrent.futures.process besides the
# executor; cfutures.process offers them too.
PROCESS_MODULE_EXTRAS = {
    name: getattr(_process, name)
    for name in ("_RemoteTraceback", "_ExceptionWithTraceback",
                 "_check_system_limits", "EXTRA_QUEUED_CALLS",
                 "_MAX_WINDOWS_WORKERS")
    if hasattr(_process, name)
}
