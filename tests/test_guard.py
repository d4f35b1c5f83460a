"""Guard: the suite really tests the compiled core when extensions are on.

Without this, a broken build would quietly serve the stdlib classes and
every ``cfutures`` variant would pass against the stdlib.
"""
import concurrent.futures
import importlib
import importlib.machinery
import os
import pkgutil
import subprocess
import sys

import pytest

import cfutures
from support import NO_EXTENSIONS

# Every module setup.py builds (src/cfutures/_sides.py), and the modules of
# the core that are Python on purpose.
from cfutures._sides import PROCESS_SIDE, THREAD_SIDE  # noqa: E402
COMPILED_MODULES = tuple(f"cfutures._core.{name}"
                         for name in THREAD_SIDE + PROCESS_SIDE)
PYTHON_MODULES = {
    "cfutures._core.shared._stdlib",       # bindings, for the fallback too
    "cfutures._core.shared._errors",       # exception classes, the same
    "cfutures._core.shared._pool_statistics",   # a dataclass
    "cfutures._core.shared._options",      # named tuples
    "cfutures._core.worker._item_calls",   # faster as Python (its docstring)
}


def core_submodules():
    """Every module of cfutures._core's subpackages (not the packages)."""
    import cfutures._core
    return sorted(info.name for info in pkgutil.walk_packages(
        cfutures._core.__path__, "cfutures._core.") if not info.ispkg)

needs_extensions = pytest.mark.skipif(
    NO_EXTENSIONS, reason="CFUTURES_NO_EXTENSIONS is set")


@needs_extensions
def test_extensions_are_live():
    assert cfutures.EXTENSIONS is True
    from cfutures._core.future._future import CoreFuture
    assert issubclass(cfutures.Future, CoreFuture)
    assert cfutures.Future is not concurrent.futures.Future
    import cfutures._accelerated as accelerated
    for name in ("Future", "Executor", "ThreadPoolExecutor", "wait",
                 "as_completed"):
        assert getattr(cfutures, name) is getattr(accelerated, name), name


@needs_extensions
@pytest.mark.parametrize("name", COMPILED_MODULES)
def test_core_modules_are_extension_modules(name):
    module = importlib.import_module(name)
    assert isinstance(module.__loader__,
                      importlib.machinery.ExtensionFileLoader), module
    assert module.__file__.endswith(
        tuple(importlib.machinery.EXTENSION_SUFFIXES)), module.__file__
    assert module.__file__.endswith(".so") or module.__file__.endswith(".pyd")


@needs_extensions
def test_every_core_module_is_compiled():
    names = core_submodules()
    assert set(COMPILED_MODULES) | PYTHON_MODULES == set(names)
    for name in COMPILED_MODULES:
        module = importlib.import_module(name)
        assert isinstance(module.__loader__,
                          importlib.machinery.ExtensionFileLoader), module


@needs_extensions
def test_wait_and_as_completed_are_compiled():
    from cfutures._core.future import _waiting
    assert cfutures.wait is _waiting.wait
    assert cfutures.as_completed is _waiting.as_completed


@pytest.mark.timeout(60)
def test_no_extensions_env_serves_stdlib():
    code = (
        "import concurrent.futures as c, cfutures\n"
        "assert cfutures.EXTENSIONS is False, cfutures.EXTENSIONS\n"
        "assert cfutures.Future is c.Future\n"
        "assert cfutures.wait is c.wait\n"
        "assert cfutures.as_completed is c.as_completed\n"
        "assert issubclass(cfutures.ThreadPoolExecutor, c.ThreadPoolExecutor)\n"
        "print('ok')\n"
    )
    env = dict(os.environ)
    env["CFUTURES_NO_EXTENSIONS"] = "1"
    proc = subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, timeout=50)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    # A deliberate opt-out is not a failure to warn about.
    assert "RuntimeWarning" not in proc.stderr, proc.stderr


@needs_extensions
@pytest.mark.timeout(60)
def test_subprocess_without_env_gets_extensions():
    env = dict(os.environ)
    env.pop("CFUTURES_NO_EXTENSIONS", None)
    proc = subprocess.run(
        [sys.executable, "-c",
         "import cfutures; print(cfutures.EXTENSIONS, cfutures.__file__)"],
        env=env, capture_output=True, text=True, timeout=50)
    assert proc.returncode == 0, proc.stderr
    extensions, path = proc.stdout.split()
    assert extensions == "True"
    # The child imports the same cfutures as this process.
    assert path == cfutures.__file__


def test_free_threaded_builds_get_the_stdlib_with_a_warning():
    from cfutures import _fallback
    _implementation = importlib.import_module("cfutures._implementation")
    with pytest.warns(RuntimeWarning, match="free-threaded"):
        module, compiled = _implementation._choose({}, free_threaded=True)
    assert (module, compiled) == (_fallback, False)
    assert module.Future is concurrent.futures.Future


def test_the_opt_out_wins_over_the_free_threaded_warning(recwarn):
    from cfutures import _fallback
    _implementation = importlib.import_module("cfutures._implementation")
    module, compiled = _implementation._choose(
        {"CFUTURES_NO_EXTENSIONS": "1"}, free_threaded=True)
    assert (module, compiled) == (_fallback, False)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@needs_extensions
def test_a_gil_build_gets_the_compiled_core():
    from cfutures import _accelerated
    _implementation = importlib.import_module("cfutures._implementation")
    assert _implementation.gil_disabled() is False
    assert _implementation._choose({}, free_threaded=False) == (_accelerated, True)
