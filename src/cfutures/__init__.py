"""cfutures: a Cython-accelerated drop-in replacement for concurrent.futures.

The implementation is chosen once, in ``cfutures._implementation``: the
compiled core when it loads, otherwise (or with ``CFUTURES_NO_EXTENSIONS=1``)
the stdlib's own classes. ``cfutures.EXTENSIONS`` says which one is live;
``cfutures.thread`` and ``cfutures.process`` serve the same one.

``install()`` makes the stdlib's ``concurrent.futures`` serve cfutures to
the whole program (``uninstall()`` undoes it, ``installed()`` tells);
``python -m cfutures run`` and ``CFUTURES_INSTALL=1`` do it from startup.
"""
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

from ._errors import WorkerProcessDied
from ._progress_bar import progress
from ._statistics import PoolStatistics
from ._reusable import get_reusable_executor
from ._substitute import install, installed, uninstall
from ._version import __version__

Future = _implementation.Future
Executor = _implementation.Executor
ThreadPoolExecutor = _implementation.ThreadPoolExecutor
ProcessPoolExecutor = _implementation.ProcessPoolExecutor
wait = _implementation.wait
as_completed = _implementation.as_completed
if _HAS_INTERPRETERS:   # 3.14+, as the stdlib
    InterpreterPoolExecutor = _implementation.InterpreterPoolExecutor

__all__ = PUBLIC_NAMES
del PUBLIC_NAMES
