"""Which implementation cfutures serves, chosen here once for every module.

``cfutures``, ``cfutures.thread`` and ``cfutures.process`` all take their
classes from ``implementation``: the compiled core (``_accelerated``), or
the stdlib's own classes (``_fallback``) with ``CFUTURES_NO_EXTENSIONS=1``
or when the core fails to import. The latter is said once, with a
RuntimeWarning naming the import error; a deliberate opt-out is not. Where
only the process pool's side of the core is missing (a build without the
process transport, as on Windows), the process pool alone is the stdlib's,
said once the same way (``PROCESS_FALLBACK_REASON``).

A free-threaded interpreter (``Py_GIL_DISABLED``) gets the stdlib's classes
too, with a RuntimeWarning: the core relies on the GIL for the atomicity of
its transitions, and importing an extension not marked free-threading safe
would turn the GIL back on for the whole process.
"""
import os
import sys
import warnings

NO_EXTENSIONS_ENV = "CFUTURES_NO_EXTENSIONS"
# Why the stdlib is served (None while the compiled core is live).
FALLBACK_REASON = None
# Why the process pool alone is the stdlib's (None where it is compiled, or
# where the stdlib is served everywhere).
PROCESS_FALLBACK_REASON = None


def gil_disabled():
    """Whether this interpreter is a free-threaded build."""
    if not hasattr(sys, "_is_gil_enabled"):   # before 3.13: none is
        return False
    if hasattr(sys, "abiflags"):   # "t" marks the build (no sysconfig import)
        return "t" in sys.abiflags
    import sysconfig
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _choose(environ=os.environ, free_threaded=None):
    """(the module serving the classes, whether it is the compiled core);
    sets ``FALLBACK_REASON``."""
    global FALLBACK_REASON
    if environ.get(NO_EXTENSIONS_ENV, "") not in ("", "0"):
        from . import _fallback
        FALLBACK_REASON = f"{NO_EXTENSIONS_ENV} is set"
        return _fallback, False
    if gil_disabled() if free_threaded is None else free_threaded:
        warnings.warn(
            "cfutures: this is a free-threaded Python build and the compiled "
            "core relies on the GIL (importing it would re-enable the GIL "
            "for the whole process); serving the stdlib concurrent.futures "
            "implementation instead",
            RuntimeWarning,
            stacklevel=4,
        )
        from . import _fallback
        FALLBACK_REASON = "a free-threaded build (the core relies on the GIL)"
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
        FALLBACK_REASON = f"the compiled core does not import ({exc})"
        return _fallback, False
    FALLBACK_REASON = None
    global PROCESS_FALLBACK_REASON
    PROCESS_FALLBACK_REASON = _accelerated.MISSING_PROCESS_SIDE
    if PROCESS_FALLBACK_REASON is not None:
        warnings.warn(
            "cfutures: the process pool's compiled transport is not here "
            f"({PROCESS_FALLBACK_REASON}); ProcessPoolExecutor is the "
            "stdlib's, the Future, waiting and the thread pool are compiled",
            RuntimeWarning,
            stacklevel=4,
        )
    return _accelerated, True


implementation, EXTENSIONS = _choose()
