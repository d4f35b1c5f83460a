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

COMPILED_MODULES = (
    "cfutures._core._future",
    "cfutures._core._waiting",
    "cfutures._core._workqueue",
    "cfutures._core._thread_executor",
    "cfutures._core._lifecycle",
    "cfutures._core._codec",
    "cfutures._core._frames",
    "cfutures._core._channel",
    "cfutures._core._batching",
    "cfutures._core._poller",
    "cfutures._core._supervisor",
    "cfutures._core._dispatcher",
    "cfutures._core._pool_state",
    "cfutures._core._manager",
    "cfutures._core._batch_sender",
    "cfutures._core._result_reader",
    "cfutures._core._worker_ends",
    "cfutures._core._process_executor",
    "cfutures._core._worker",
    "cfutures._core._map_results",
)


def core_submodules():
    import cfutures._core
    return sorted(f"cfutures._core.{info.name}" for info in
                  pkgutil.iter_modules(cfutures._core.__path__))

needs_extensions = pytest.mark.skipif(
    NO_EXTENSIONS, reason="CFUTURES_NO_EXTENSIONS is set")


@needs_extensions
def test_extensions_are_live():
    assert cfutures.EXTENSIONS is True
    from cfutures._core._future import CoreFuture
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
    assert set(COMPILED_MODULES) <= set(names)
    for name in names:
        module = importlib.import_module(name)
        assert isinstance(module.__loader__,
                          importlib.machinery.ExtensionFileLoader), module


@needs_extensions
def test_wait_and_as_completed_are_compiled():
    from cfutures._core import _waiting
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
