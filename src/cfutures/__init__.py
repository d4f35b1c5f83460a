"""cfutures: a Cython-accelerated drop-in replacement for concurrent.futures.

The implementation is chosen here, once: the compiled core when it loads,
otherwise (or with ``CFUTURES_NO_EXTENSIONS=1``) the stdlib's own classes.
``cfutures.EXTENSIONS`` says which one is live.
"""
import os as _os
import warnings as _warnings

from ._names import (
    ALL_COMPLETED,
    FIRST_COMPLETED,
    FIRST_EXCEPTION,
    PUBLIC_NAMES,
    BrokenExecutor,
    CancelledError,
    InvalidStateError,
    TimeoutError,
)

__version__ = "0.1.0"


def _load_implementation():
    """Return (module serving the classes, whether it is the compiled core)."""
    if _os.environ.get("CFUTURES_NO_EXTENSIONS", "") not in ("", "0"):
        from . import _fallback
        return _fallback, False
    try:
        from . import _accelerated
    except ImportError as exc:
        _warnings.warn(
            f"cfutures: compiled core unavailable ({exc}); serving the "
            "stdlib concurrent.futures implementation instead",
            RuntimeWarning,
            stacklevel=3,
        )
        from . import _fallback
        return _fallback, False
    return _accelerated, True


_implementation, EXTENSIONS = _load_implementation()

Future = _implementation.Future
Executor = _implementation.Executor
ThreadPoolExecutor = _implementation.ThreadPoolExecutor
ProcessPoolExecutor = _implementation.ProcessPoolExecutor
wait = _implementation.wait
as_completed = _implementation.as_completed

__all__ = PUBLIC_NAMES
del PUBLIC_NAMES
