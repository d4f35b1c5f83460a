"""cfutures: a Cython-accelerated drop-in replacement for concurrent.futures.

The implementation is chosen once, in ``cfutures._implementation``: the
compiled core when it loads, otherwise (or with ``CFUTURES_NO_EXTENSIONS=1``)
the stdlib's own classes. ``cfutures.EXTENSIONS`` says which one is live;
``cfutures.thread`` and ``cfutures.process`` serve the same one.

``install()`` makes the stdlib's ``concurrent.futures`` serve cfutures to
the whole program (``uninstall()`` undoes it, ``installed()`` tells);
``python -m cfutures run`` and ``CFUTURES_INSTALL=1`` do it from startup.

Importing cfutures costs what importing ``concurrent.futures`` costs: as
the stdlib's, the pools (and multiprocessing with the process pool) load on
first use, through this module's ``__getattr__``, and so does the rest
(install(), progress(), ...).
"""
import sys as _sys

from ._implementation import EXTENSIONS, implementation as _implementation
from ._stdlib import (
    HAS_INTERPRETERS as _HAS_INTERPRETERS,
    ALL_COMPLETED,
    FIRST_COMPLETED,
    FIRST_EXCEPTION,
    PUBLIC_NAMES,
    BrokenExecutor,
    CancelledError,
    InvalidStateError,
    TimeoutError,
)

from ._version import __version__

Future = _implementation.Future
Executor = _implementation.Executor

__all__ = PUBLIC_NAMES
del PUBLIC_NAMES

# name -> (module, attribute): the public names loaded on first use.
_ON_USE = {
    "wait": (_implementation, "wait"),
    "as_completed": (_implementation, "as_completed"),
    "ThreadPoolExecutor": (_implementation, "ThreadPoolExecutor"),
    "ProcessPoolExecutor": (_implementation, "ProcessPoolExecutor"),
    "WorkerProcessDied": ("cfutures._errors", "WorkerProcessDied"),
    "PoolStatistics": ("cfutures._statistics", "PoolStatistics"),
    "progress": ("cfutures._progress_bar", "progress"),
    "get_reusable_executor": ("cfutures._reusable", "get_reusable_executor"),
    "install": ("cfutures._substitute", "install"),
    "installed": ("cfutures._substitute", "installed"),
    "uninstall": ("cfutures._substitute", "uninstall"),
}
if _HAS_INTERPRETERS:   # 3.14+, as the stdlib
    _ON_USE["InterpreterPoolExecutor"] = (_implementation,
                                          "InterpreterPoolExecutor")


def __getattr__(name):
    where = _ON_USE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = where
    if isinstance(module, str):
        import importlib
        module = importlib.import_module(module)
    value = getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_ON_USE})


# CFUTURES_INSTALL=1 waited for this import to finish (it brought
# concurrent.futures in): install now.
if "_cfutures_autoinstall" in _sys.modules:
    _sys.modules["_cfutures_autoinstall"].install_if_asked()
