"""Serve cfutures through the stdlib's ``concurrent.futures`` modules.

``install()`` rebinds the public classes and functions of
``concurrent.futures`` (and the same names in ``concurrent.futures._base``,
``.thread``, ``.process`` and, on 3.14+, ``.interpreter``) to cfutures'
compiled ones, so code that
imports the stdlib package, including the stdlib's own internals that look
names up at call time (``_base.Future()`` in the process pool's submit, for
one), gets cfutures from then on. ``uninstall()`` puts the stdlib objects
back. Both are idempotent, and both are no-ops while ``cfutures.EXTENSIONS``
is false: cfutures then serves the stdlib classes anyway.

Rebinding only affects look-ups made after ``install()``: objects created
earlier stay stdlib ones, and so do names a module copied before (``from
concurrent.futures import Future`` run earlier). Install as early as possible,
ideally at interpreter startup (a ``.pth`` file can do it, which also covers
subprocesses started with ``python -I``).

The ``Future`` that ``install()`` binds is ``InstalledFuture``: cfutures'
Future (executors hand out ``cfutures.Future`` itself), whose ``isinstance``
and ``issubclass`` also accept the stdlib's futures. Futures made before
install(), or by code that bound the stdlib class earlier, still pass the
checks that asyncio (``wrap_future``, ``run_coroutine_threadsafe``) and
libraries make against ``concurrent.futures.Future`` at call time.

Exceptions and constants are shared with the stdlib already and are not
touched.

The process and interpreter pools stay unloaded until used, as the stdlib
loads them: while installed, ``concurrent.futures.ProcessPoolExecutor``
comes from the package's ``__getattr__``, which loads cfutures' pool on the
first look-up, and ``concurrent.futures.process`` has its name rebound
right after it is imported (``_cfutures_autoinstall.after_import``).

``cfutures.install()``, ``python -m cfutures run`` (``_cli``) and the
``CFUTURES_INSTALL`` switch (``_autoinstall``, read at startup by the .pth
file the wheel ships) all end here; so does the CPython conformance run
(tests/conformance/).
"""
import importlib
import sys
import threading

from _cfutures_autoinstall import cfutures_initializing

from ._implementation import PROCESS_FALLBACK_REASON, implementation
from ._core.shared._stdlib import HAS_INTERPRETERS, StdlibFuture

__all__ = ["install", "uninstall", "installed", "replaced_names",
           "InstalledFuture"]

# module name -> names rebound there by install() itself.
_NOW = {
    "concurrent.futures": (
        "Future", "Executor", "ThreadPoolExecutor", "wait", "as_completed"),
    "concurrent.futures._base": ("Future", "Executor", "wait", "as_completed"),
    "concurrent.futures.thread": ("ThreadPoolExecutor",),
}
_PACKAGE = "concurrent.futures"


class _PoolOnUse:
    """A pool whose stdlib module is heavy (multiprocessing, the
    interpreters): while installed, concurrent.futures serves cfutures'
    class from its __getattr__, loaded on the first look-up, and the stdlib
    module has its name rebound once both it and cfutures' module are
    loaded, whichever comes last."""

    def __init__(self, name, stdlib_module, own_module):
        self.name = name
        self.stdlib_module = stdlib_module
        self.own_module = own_module


# Where the process pool is the stdlib's (no compiled transport) there is
# nothing to rebind: the stdlib's pool makes cfutures' futures once
# _base.Future is rebound.
_ON_USE = {} if PROCESS_FALLBACK_REASON is not None else {
    "ProcessPoolExecutor": _PoolOnUse(
        "ProcessPoolExecutor", "concurrent.futures.process",
        "cfutures._process_pool")}
if HAS_INTERPRETERS:   # 3.14+
    _ON_USE["InterpreterPoolExecutor"] = _PoolOnUse(
        "InterpreterPoolExecutor", "concurrent.futures.interpreter",
        "cfutures._interpreter_pool")

# What a stdlib pool module subclasses when it is defined: while it is
# imported under install(), these are the stdlib's again (its classes must
# be the stdlib's own, as cfutures' pools subclass them).
_DEFINED_AGAINST = (("concurrent.futures._base", "Executor"),
                    ("concurrent.futures.thread", "ThreadPoolExecutor"))

# Marks a name that was absent from the module's namespace before install()
# (concurrent.futures resolves its pools lazily, via __getattr__).
_ABSENT = object()

# Guards _saved: held while names are rebound, never over an import (the
# import hooks of other threads take it).
_lock = threading.RLock()
# (module name, attribute) -> the stdlib object (or _ABSENT); empty when not
# installed.
_saved = {}


def replaced_names():
    """``module.name`` for every name install() rebinds, in order."""
    package = [f"{_PACKAGE}.{name}" for name in (*_NOW[_PACKAGE], *_ON_USE)]
    others = [f"{module}.{name}" for module, names in _NOW.items()
              if module != _PACKAGE for name in names]
    return package + others + [f"{pool.stdlib_module}.{name}"
                               for name, pool in _ON_USE.items()]


class _AcceptingStdlibFutures(type):
    """isinstance()/issubclass() that take any concurrent.futures future."""

    def __instancecheck__(cls, instance):
        return isinstance(instance, StdlibFuture)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, StdlibFuture)


# What install() binds as ``Future``: cfutures' class (executors hand out
# its instances) under the stdlib's name, taking stdlib futures in checks.
InstalledFuture = _AcceptingStdlibFutures(
    "Future", (implementation.Future,),
    {"__slots__": (), "__module__": implementation.Future.__module__,
     "__qualname__": "Future", "__doc__": implementation.Future.__doc__})


def installed():
    """True while the stdlib modules serve cfutures' objects."""
    return bool(_saved)


def _replacement(name):
    """What install() binds for ``name`` (may load a cfutures pool)."""
    if name == "Future":
        return InstalledFuture
    import cfutures
    return getattr(cfutures, name)


def _rebind(module, name, value):
    """Under _lock: set ``module.name``, keeping the stdlib's first."""
    key = (module.__name__, name)
    if key not in _saved:
        _saved[key] = vars(module).get(name, _ABSENT)
    setattr(module, name, value)


def _package_getattr(name):
    """concurrent.futures' __getattr__ while installed: cfutures' pools."""
    if name in _ON_USE:
        value = _replacement(name)   # outside the lock: it may import
        with _lock:
            if _saved:
                setattr(sys.modules[_PACKAGE], name, value)
                return value
    original = _saved.get((_PACKAGE, "__getattr__"), _ABSENT)
    if original is _ABSENT:
        original = sys.modules[_PACKAGE].__dict__.get("__getattr__")
    if callable(original) and original is not _package_getattr:
        return original(name)
    raise AttributeError(f"module {_PACKAGE!r} has no attribute {name!r}")


def _initializing(module):
    return getattr(getattr(module, "__spec__", None), "_initializing", False)


def _stdlib_bases(_module):
    """Before a stdlib pool module's code runs: the stdlib's classes."""
    with _lock:
        for module_name, name in _DEFINED_AGAINST:
            original = _saved.get((module_name, name), _ABSENT)
            if original is not _ABSENT:
                setattr(sys.modules[module_name], name, original)


def _pool_loaded(module):
    """A stdlib pool module, or cfutures' own, is loaded (or was at
    install()): cfutures' bases back, and the stdlib's name rebound."""
    with _lock:
        if not _saved:
            return
        for module_name, name in _DEFINED_AGAINST:
            setattr(sys.modules[module_name], name, _replacement(name))
    for pool in _ON_USE.values():
        if module.__name__ not in (pool.stdlib_module, pool.own_module):
            continue
        stdlib = sys.modules.get(pool.stdlib_module)
        own = sys.modules.get(pool.own_module)
        if stdlib is None:
            return   # rebound when it is imported
        if module is stdlib and (own is None or _initializing(own)) and (
                cfutures_initializing()):
            # cfutures imports it (its pool, a worker's modules): loading
            # the pool here could close a circle; rebound when it loads.
            return
        value = getattr(importlib.import_module(pool.own_module), pool.name)
        with _lock:
            if _saved:
                _rebind(stdlib, pool.name, value)


def install():
    """Rebind ``concurrent.futures`` names to cfutures; True if now installed.

    Returns False, changing nothing, when cfutures runs without its compiled
    core (``cfutures.EXTENSIONS`` false).
    """
    import cfutures
    from _cfutures_autoinstall import after_import

    if not cfutures.EXTENSIONS:
        return False
    # Imported first, outside the lock: each stdlib module is defined before
    # any of its bases is rebound, and cfutures' thread pool loads.
    modules = {name: importlib.import_module(name) for name in _NOW}
    values = {name: _replacement(name)
              for names in _NOW.values() for name in names}
    with _lock:
        if _saved:
            return True
        for module_name, names in _NOW.items():
            for name in names:
                _rebind(modules[module_name], name, values[name])
        package = modules[_PACKAGE]
        for name in _ON_USE:
            # Off the namespace (a resolved class, or 3.15's lazy import),
            # so that look-ups reach __getattr__.
            _saved[_PACKAGE, name] = vars(package).pop(name, _ABSENT)
        _rebind(package, "__getattr__", _package_getattr)
    for pool in _ON_USE.values():
        after_import(pool.stdlib_module, _pool_loaded, before=_stdlib_bases)
        after_import(pool.own_module, _pool_loaded)
    return True


def uninstall():
    """Restore the stdlib objects that ``install()`` replaced."""
    with _lock:
        for (module_name, name), original in _saved.items():
            module = sys.modules[module_name]
            if original is _ABSENT:
                vars(module).pop(name, None)
            else:
                setattr(module, name, original)
        _saved.clear()
