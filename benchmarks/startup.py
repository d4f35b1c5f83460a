"""Start-up: what opting in costs a program, timed as whole processes.

Each case runs fresh interpreters one after another, the stdlib's way and
cfutures' way, and times each process from its start to its exit (the
table's time is per process):

- ``import concurrent.futures`` against ``import cfutures``;
- ``python -c pass`` against the same with ``CFUTURES_INSTALL=1`` (the
  start-up hook the wheel ships; the case is left out where this
  environment has no hook file, as in an editable install);
- a spawn-context pool of 2 workers making 10 calls, from the start of the
  program to its shutdown, on each implementation's ProcessPoolExecutor;
- a program that starts 20 child interpreters (``python -c pass``), run as
  ``python prog.py`` against ``python -m cfutures run prog.py``, whose
  children inherit ``CFUTURES_INSTALL=1``.

The cfutures package is byte-compiled first, as pip installs it: the
stdlib's modules are, and source compiled at every start would be charged
to cfutures.
"""
import compileall
import functools
import os
import subprocess
import sys
import tempfile

from casekit import Case, Section, Timer

SPAWN_POOL = """\
import multiprocessing
from {module} import ProcessPoolExecutor
with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
    futures = [pool.submit(abs, -i) for i in range(10)]
    assert [f.result() for f in futures] == list(range(10))
"""

CHILDREN = """\
import subprocess, sys
for _ in range(20):
    subprocess.run([sys.executable, "-c", "pass"], check=True)
"""


@functools.lru_cache(maxsize=None)
def _compiled():
    """Byte-compile the installed cfutures once (pip does at install)."""
    import cfutures
    compileall.compile_dir(os.path.dirname(cfutures.__file__), quiet=2)
    return True


def _environment(install):
    env = dict(os.environ)
    env.pop("CFUTURES_INSTALL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if install:
        env["CFUTURES_INSTALL"] = "1"
    return env


def _run_processes(n, command, env):
    _compiled()
    with Timer() as timer:
        for _ in range(n):
            subprocess.run(command, env=env, check=True,
                           stdout=subprocess.DEVNULL)
    return timer.measurement(n)


def _is_cfutures(impl):
    return impl.__name__ == "cfutures"


def import_package(impl, n):
    module = "cfutures" if _is_cfutures(impl) else "concurrent.futures"
    return _run_processes(n, [sys.executable, "-c", f"import {module}"],
                          _environment(False))


def bare_interpreter(impl, n):
    return _run_processes(n, [sys.executable, "-c", "pass"],
                          _environment(_is_cfutures(impl)))


def spawn_pool(impl, n):
    module = "cfutures" if _is_cfutures(impl) else "concurrent.futures"
    return _run_processes(
        n, [sys.executable, "-c", SPAWN_POOL.format(module=module)],
        _environment(False))


def child_interpreters(impl, n):
    with tempfile.TemporaryDirectory() as folder:
        program = os.path.join(folder, "children.py")
        with open(program, "w") as file:
            file.write(CHILDREN)
        runner = ["-m", "cfutures", "run"] if _is_cfutures(impl) else []
        return _run_processes(n, [sys.executable, *runner, program],
                              _environment(False))


def startup_hook_installed():
    """Whether this environment reads CFUTURES_INSTALL at start-up."""
    from cfutures._cli import startup_file
    return startup_file() is not None


SECTION = Section("startup", "start-up: whole processes, one after another", (
    Case("import", "start-up: import concurrent.futures / import cfutures",
         import_package, 40, unit="process"),
    Case("bare_python", "start-up: python -c pass / with CFUTURES_INSTALL=1",
         bare_interpreter, 40, unit="process",
         available=startup_hook_installed),
    Case("spawn_pool",
         "start-up: spawn pool of 2, 10 calls, start to shutdown",
         spawn_pool, 6, unit="process"),
    Case("child_interpreters",
         "start-up: program starting 20 pythons / under python -m cfutures run",
         child_interpreters, 8, unit="process"),
))
