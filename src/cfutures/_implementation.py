"""Which implementation cfutures serves, chosen here once for every module.

``cfutures``, ``cfutures.thread`` and ``cfutures.process`` all take their
classes from ``implementation``: the compiled core (``_accelerated``), or
the stdlib's own classes (``_fallback``) with ``CFUTURES_NO_EXTENSIONS=1``
or when the core fails to import. The latter is said once, with a
RuntimeWarning naming the import error; a deliberate opt-out is not.
"""
import os
import warnings

NO_EXTENSIONS_ENV = "CFUTURES_NO_EXTENSIONS"


def _choose():
    """(the module serving the classes, whether it is the compiled core)."""
    if os.environ.get(NO_EXTENSIONS_ENV, "") not in ("", "0"):
        from . import _fallback
        return _fallback, False
    try:
        from . import _accelerated
    except ImportError as exc:
        warnings.warn(
            f"cfutures: compiled core unavailable ({exc}); serving the "
            "stdlib concurrent.futures implementation instead",
            RuntimeWarning,
            stacklevel=4,
        )
        from . import _fallback
        return _fallback, False
    return _accelerated, True


implementation, EXTENSIONS = _choose()
