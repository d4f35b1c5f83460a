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

``cfutures.install()``, ``python -m cfutures run`` (``_cli``) and the
``CFUTURES_INSTALL`` switch (``_autoinstall``, read at startup by the .pth
file the wheel ships) all end here; so does the CPython conformance run
(tests/conformance/).
"""
import importlib
import threading

from ._implementation import implementation
from ._stdlib import StdlibFuture

__all__ = ["install", "uninstall", "installed", "replaced_names",
           "InstalledFuture"]

# module name -> names rebound there
_TARGETS = {
    "concurrent.futures": (
        "Future", "Executor", "ThreadPoolExecutor", "ProcessPoolExecutor",
        "wait", "as_completed"),
    "concurrent.futures._base": ("Future", "Executor", "wait", "as_completed"),
    "concurrent.futures.thread": ("ThreadPoolExecutor",),
    "concurrent.futures.process": ("ProcessPoolExecutor",),
}
try:   # 3.14+
    import concurrent.futures.interpreter  # noqa: F401
except ImportError:
    pass
else:
    _TARGETS["concurrent.futures"] += ("InterpreterPoolExecutor",)
    _TARGETS["concurrent.futures.interpreter"] = ("InterpreterPoolExecutor",)

# Marks a name that was absent from the module's namespace before install()
# (concurrent.futures resolves ThreadPoolExecutor lazily, via __getattr__).
_ABSENT = object()

_lock = threading.Lock()
# (module name, attribute) -> the stdlib object (or _ABSENT); empty when not
# installed.
_saved = {}


def replaced_names():
    """``module.name`` for every name install() rebinds, in order."""
    return [f"{module}.{name}" for module, names in _TARGETS.items()
            for name in names]


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


def install():
    """Rebind ``concurrent.futures`` names to cfutures; True if now installed.

    Returns False, changing nothing, when cfutures runs without its compiled
    core (``cfutures.EXTENSIONS`` false).
    """
    import cfutures

    if not cfutures.EXTENSIONS:
        return False
    with _lock:
        if _saved:
            return True
        replacements = {name: getattr(cfutures, name)
                        for names in _TARGETS.values() for name in names}
        replacements["Future"] = InstalledFuture
        for module_name, names in _TARGETS.items():
            module = importlib.import_module(module_name)
            for name in names:
                _saved[module_name, name] = vars(module).get(name, _ABSENT)
                setattr(module, name, replacements[name])
    return True


def uninstall():
    """Restore the stdlib objects that ``install()`` replaced."""
    with _lock:
        for (module_name, name), original in _saved.items():
            module = importlib.import_module(module_name)
            if original is _ABSENT:
                vars(module).pop(name, None)
            else:
                setattr(module, name, original)
        _saved.clear()
