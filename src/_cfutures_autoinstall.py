"""Installs cfutures when ``CFUTURES_INSTALL`` asks, once the program
imports ``concurrent.futures``; and ``after_import()``, the hook that
defers it.

The wheel ships ``cfutures_install.pth`` (an ``import`` line, read by every
Python before 3.18) and ``cfutures_install.start`` (its PEP 829 form, read
from 3.15 on, which then ignores the ``.pth``'s import line) beside the
packages; both call ``main()``. A top-level module of a few lines, so that
every interpreter pays one environment look-up, and one that asks pays a
finder on ``sys.meta_path`` besides: cfutures is imported, and installed,
right after ``concurrent.futures`` is (asyncio imports it too, for its
default executor). A program that never uses an executor loads neither.

Threading model: the finder's table is a dict changed by single
operations (atomic under the GIL, and locked per object on free-threaded
builds); the import system runs the callbacks in the importing thread,
under that module's import lock, once the module's code has run.
"""
import os
import sys

ENV = "CFUTURES_INSTALL"


def main():
    if os.environ.get(ENV, "") in ("", "0") or _in_subinterpreter():
        return
    install_on_import()


def install_on_import():
    """Install cfutures right after ``concurrent.futures`` is imported (now
    if it is)."""
    after_import("concurrent.futures", _install)


def _in_subinterpreter():
    """Whether this is a subinterpreter (an InterpreterPoolExecutor's
    worker, say): cfutures' compiled core loads in the main interpreter
    only, so there the stdlib serves, as it would anyway, without the
    fallback's warning in every worker."""
    if sys.version_info < (3, 14):   # no InterpreterPoolExecutor to worry about
        return False
    try:
        import _interpreters
    except ImportError:
        return False
    current = _interpreters.get_current()
    return int(current[0] if isinstance(current, tuple) else current) != 0


# True while the install waits for cfutures' own imports to finish: one of
# them brought concurrent.futures in, and install() would meet its modules
# half made. The outermost entry into cfutures resumes it (install_if_asked():
# cfutures.__getattr__, the public modules' last lines, worker_main()).
_deferred = False


def cfutures_initializing(finishing=None):
    """Whether a module of cfutures (other than ``finishing``, running its
    last line) is being imported now."""
    for name, module in list(sys.modules.items()):
        if name == finishing:
            continue
        if (name == "cfutures" or name.startswith("cfutures.")) and getattr(
                getattr(module, "__spec__", None), "_initializing", False):
            return True
    return False


def _install(_module=None, finishing=None):
    global _deferred
    if cfutures_initializing(finishing):
        _deferred = True
        return
    _deferred = False
    try:
        import cfutures
        cfutures.install()
    except Exception as exc:   # never break the interpreter's startup
        print(f"cfutures: {ENV} is set but install() failed: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)


def install_if_asked(finishing=None):
    """At an entry into cfutures, once its imports are done (but that of
    ``finishing``, a module at its last line): install now if the switch
    waited for them."""
    if _deferred:
        _install(finishing=finishing)


def after_import(name, callback, before=None):
    """Call ``callback(module)`` right after module ``name`` is imported
    (now, if it is already); ``before(module)``, if given, right before its
    code runs."""
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
    else:
        _finder.add(name, (before, callback))


def _report(module, exc):
    print(f"cfutures: a hook on importing {module.__name__} failed: "
          f"{type(exc).__name__}: {exc}", file=sys.stderr)


class _AfterImport:
    """A meta path finder that finds nothing itself: for a module it
    waits for, it wraps the loader the other finders give, so that the
    hooks run around the module's code."""

    def __init__(self):
        self._hooks = {}   # module name -> [(before or None, after)]

    def add(self, name, hooks):
        self._hooks.setdefault(name, []).append(hooks)
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def find_spec(self, name, path=None, target=None):
        if name not in self._hooks:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _LoaderWithHooks(spec.loader, self, name)
        return spec

    def take(self, name):
        """The hooks of ``name``, now that it loads (a spec found and not
        loaded, as importlib.util.find_spec() gives, takes none)."""
        return self._hooks.pop(name, [])


class _LoaderWithHooks:
    """The module's own loader between the hooks; the module sees only
    its own loader."""

    def __init__(self, loader, finder, name):
        self._loader = loader
        self._finder = finder
        self._name = name

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        hooks = self._finder.take(self._name)
        for before, _ in hooks:
            if before is not None:
                before(module)
        imported = False
        try:
            self._loader.exec_module(module)
            imported = True
        finally:   # after a failed import too: undo what before() did
            for _, after in hooks:
                try:
                    after(module)
                except Exception as exc:   # the import stands or falls alone
                    if imported:
                        _report(module, exc)

    def __getattr__(self, name):
        return getattr(self._loader, name)


_finder = _AfterImport()
