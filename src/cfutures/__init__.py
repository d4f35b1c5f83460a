"""cfutures: a Cython-accelerated drop-in replacement for concurrent.futures.

The implementation is chosen once, in ``cfutures._implementation``: the
compiled core when it loads, otherwise (or with ``CFUTURES_NO_EXTENSIONS=1``)
the stdlib's own classes. ``cfutures.EXTENSIONS`` says which one is live;
``cfutures.thread`` and ``cfutures.process`` serve the same one.

``install()`` makes the stdlib's ``concurrent.futures`` serve cfutures to
the whole program (``uninstall()`` undoes it, ``installed()`` tells);
``python -m cfutures run`` and ``CFUTURES_INSTALL=1`` do it from startup.

Importing cfutures loads this module alone: every public name loads on
first use, through this module's ``__getattr__`` (as the stdlib's
``concurrent.futures`` loads its pools). The first name that needs the
implementation (``Future``, a pool, ``wait``, ``EXTENSIONS``, ...) chooses
it, and says so then if it falls back to the stdlib; the constants and
exception classes are the stdlib's own, and load ``concurrent.futures``.
Worker processes, ``python -m cfutures run`` and programs that import
cfutures without using it pay for none of this.
"""
import sys as _sys

# name -> (module, attribute), loaded on first use. _IMPLEMENTATION: from
# the implementation cfutures._implementation chose.
_IMPLEMENTATION = None
_NAMES_BY_MODULE = {
    "cfutures._version": ("__version__",),
    "cfutures._implementation": ("EXTENSIONS",),
    "cfutures._core.shared._stdlib": (
        "ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION",
        "BrokenExecutor", "CancelledError", "InvalidStateError", "TimeoutError"),
    _IMPLEMENTATION: (
        "Future", "Executor", "wait", "as_completed", "ThreadPoolExecutor",
        "ProcessPoolExecutor", "InterpreterPoolExecutor"),
    "cfutures._core.shared._errors": ("WorkerProcessDied",),
    "cfutures._core.shared._pool_statistics": ("PoolStatistics",),
    "cfutures._progress_bar": ("progress",),
    "cfutures._reusable": ("get_reusable_executor",),
    "cfutures._substitute": ("install", "installed", "uninstall"),
}
_ON_USE = {name: (module, name)
           for module, names in _NAMES_BY_MODULE.items() for name in names}
_ON_USE["__all__"] = ("cfutures._core.shared._stdlib", "PUBLIC_NAMES")


def __getattr__(name):
    where = _ON_USE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = where
    import importlib
    if module is _IMPLEMENTATION:
        if name == "InterpreterPoolExecutor":
            from ._core.shared._stdlib import HAS_INTERPRETERS
            if not HAS_INTERPRETERS:   # 3.14+, as the stdlib
                raise AttributeError(
                    f"module {__name__!r} has no attribute {name!r}")
        module = importlib.import_module("cfutures._implementation").implementation
    else:
        module = importlib.import_module(module)
    value = getattr(module, attribute)
    globals()[name] = value
    _install_if_asked()
    return value


def __dir__():
    from ._core.shared._stdlib import HAS_INTERPRETERS
    names = {*globals(), *_ON_USE}
    if not HAS_INTERPRETERS:
        names.discard("InterpreterPoolExecutor")
    return sorted(names)


def _install_if_asked(finishing=None):
    """CFUTURES_INSTALL=1 may have waited for cfutures' imports to finish
    (they brought concurrent.futures in): install now. ``finishing``: the
    public module calling this from its last line."""
    hook = _sys.modules.get("_cfutures_autoinstall")
    if hook is not None:
        hook.install_if_asked(finishing)
