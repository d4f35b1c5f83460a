"""The compiled implementation's public classes and functions.

The pools (and wait/as_completed) load on first use (``__getattr__``), as
the stdlib's ``concurrent.futures`` loads its pools: a program that runs
threads only never imports multiprocessing.
"""
import sys

from . import _core
from ._sides import PROCESS_SIDE, THREAD_SIDE
from ._executor import Executor
from ._future import Future

def _why_missing(name):
    """Why the import system would not find ``_core.<name>`` (None: it
    would), without importing it (only its subpackage, plain Python)."""
    fullname = f"{_core.__name__}.{name}"
    parent = fullname.rpartition(".")[0]
    __import__(parent)
    package = sys.modules[parent]
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        try:
            if find is not None and find(fullname, package.__path__) is not None:
                return None
        except ImportError as exc:   # a finder that refuses it
            return str(exc)
    return f"No module named {fullname!r}"


# The compiled modules the pools load on first use must be there now: a
# partial build serves the stdlib everywhere (_implementation), as a core
# that fails to import does, not a pool that fails later. Without the
# process side (not built: no poll() on Windows, or a failed compile) only
# the process pool is the stdlib's; MISSING_PROCESS_SIDE says why.
for _name in THREAD_SIDE:
    _why = _why_missing(_name)
    if _why is not None:
        raise ImportError(_why)
MISSING_PROCESS_SIDE = next(
    (why for why in map(_why_missing, PROCESS_SIDE) if why is not None), None)
del _name, _why


def __getattr__(name):
    if name in ("wait", "as_completed"):   # a module of its own, on first use
        from ._core.future import _waiting
        found = getattr(_waiting, name)
    elif name == "ThreadPoolExecutor":
        from ._thread_pool import ThreadPoolExecutor as found
    elif name == "ProcessPoolExecutor":
        if MISSING_PROCESS_SIDE:   # the stdlib's, as _implementation warned
            from ._fallback import ProcessPoolExecutor as found
        else:
            from ._process_pool import ProcessPoolExecutor as found
    elif name == "InterpreterPoolExecutor":
        from ._core.shared._stdlib import HAS_INTERPRETERS
        if not HAS_INTERPRETERS:   # 3.14+, as the stdlib
            raise AttributeError(name)
        from ._interpreter_pool import InterpreterPoolExecutor as found
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = found
    return found
