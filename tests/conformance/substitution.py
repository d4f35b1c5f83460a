"""Substituting cfutures for concurrent.futures, and checking it is real.

``make_environment`` builds a throwaway virtual environment of the running
Python whose site-packages holds a ``.pth`` file: it puts cfutures (as
importable here) on ``sys.path`` and imports a boot module that calls
``cfutures._substitute.install()``. ``.pth`` files are processed even under
``python -I``, and multiprocessing's spawn and forkserver children run
``sys.executable``, so every Python process of the run, the test process and
each child it starts, serves cfutures as ``concurrent.futures``.

Two checks prove it: ``verify_substitution`` runs a ``-I`` child of that
environment (which also starts spawn and forkserver children), and
``check_test_process`` runs in the test process once the suite is imported.
"""
import json
import os
import subprocess
import sys
import textwrap

from runner_common import SUITE, Skip, is_process_pool_test, log, short_id


def require_compiled_cfutures():
    """Raise Skip unless cfutures is importable here with its compiled core.

    CFUTURES_NO_EXTENSIONS set here is only noted: clean_env() drops it, so
    the run's processes load the core anyway.
    """
    try:
        import cfutures
    except ImportError as exc:
        raise Skip("cfutures is not importable here: %s" % exc)
    if os.environ.get("CFUTURES_NO_EXTENSIONS", "") not in ("", "0"):
        log("CFUTURES_NO_EXTENSIONS is set here; the run ignores it")
    elif not cfutures.EXTENSIONS:
        raise Skip("cfutures' compiled core is not loaded (EXTENSIONS false): "
                   "there is nothing to substitute")


def clean_env():
    """The environment the run's processes get: no PYTHON* settings, cores on."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON")}
    env.pop("CFUTURES_NO_EXTENSIONS", None)
    return env


BOOT_MODULE = '''\
"""Written by cfutures' conformance runner: serve cfutures as concurrent.futures."""
OVERLAY = {overlay!r}
if OVERLAY is not None:
    # The suite is not in this Python's stdlib test package: let
    # test.test_concurrent_futures resolve to the cached copy.
    import test
    if OVERLAY not in test.__path__:
        test.__path__.append(OVERLAY)
if {substitute!r}:
    import cfutures._substitute
    cfutures._substitute.install()
'''


def make_environment(root, overlay, substitute=True):
    """Create the venv under root; return its python.

    overlay: the cached suite's folder, or None for the stdlib's copy.
    substitute: False for the --stdlib baseline (the .pth still adds the
    overlay, so the baseline runs the very same tests).
    """
    import cfutures
    cfutures_home = os.path.dirname(os.path.dirname(os.path.abspath(
        cfutures.__file__)))
    venv = os.path.join(root, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv],
                   check=True, env=clean_env())
    python = os.path.join(venv, "bin", "python")
    site_packages = subprocess.run(
        [python, "-I", "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, stdout=subprocess.PIPE, text=True,
        env=clean_env()).stdout.strip()
    with open(os.path.join(site_packages, "_cfutures_conformance_boot.py"),
              "w") as f:
        f.write(BOOT_MODULE.format(
            overlay=None if overlay is None else str(overlay),
            substitute=substitute))
    with open(os.path.join(site_packages, "_cfutures_conformance.pth"),
              "w") as f:
        f.write(cfutures_home + "\n")
        f.write("import _cfutures_conformance_boot\n")
    return python


# Run with -I in the throwaway environment; prints {check: bool} as JSON.
CHECK_CHILD = textwrap.dedent('''\
    import json, sys
    import concurrent.futures as cf
    from concurrent.futures import _base, process, thread
    import cfutures
    checks = {
        "EXTENSIONS": cfutures.EXTENSIONS,
        "isolated": bool(sys.flags.isolated),
        "Future": cf.Future is cfutures._substitute.InstalledFuture,
        "_base.Future": _base.Future is cfutures._substitute.InstalledFuture,
        "Executor": cf.Executor is cfutures.Executor,
        "_base.Executor": _base.Executor is cfutures.Executor,
        "ThreadPoolExecutor": cf.ThreadPoolExecutor is cfutures.ThreadPoolExecutor,
        "thread.ThreadPoolExecutor":
            thread.ThreadPoolExecutor is cfutures.ThreadPoolExecutor,
        "ProcessPoolExecutor":
            cf.ProcessPoolExecutor is cfutures.ProcessPoolExecutor,
        "process.ProcessPoolExecutor":
            process.ProcessPoolExecutor is cfutures.ProcessPoolExecutor,
        "InterpreterPoolExecutor": getattr(cf, "InterpreterPoolExecutor", None)
            is getattr(cfutures, "InterpreterPoolExecutor", None),
        "wait": cf.wait is cfutures.wait and _base.wait is cfutures.wait,
        "as_completed": cf.as_completed is cfutures.as_completed
            and _base.as_completed is cfutures.as_completed,
    }
    import test.test_concurrent_futures as suite
    checks["suite importable"] = True
    with cf.ThreadPoolExecutor(1) as pool:
        checks["thread pool future"] = type(pool.submit(int)) is cfutures.Future
    if __name__ == "__main__":
        import multiprocessing
        probe = ("__import__('concurrent.futures').futures.Future"
                 " is __import__('cfutures')._substitute.InstalledFuture")
        for method in ("spawn", "forkserver"):
            context = multiprocessing.get_context(method)
            with cf.ProcessPoolExecutor(1, mp_context=context) as pool:
                future = pool.submit(eval, probe)
                checks[method + " child"] = future.result()
                checks["process pool future"] = type(future) is cfutures.Future
    print(json.dumps(checks))
''')


def verify_substitution(python):
    """Check in a -I child (and its spawn/forkserver children); raise if not.

    Also fails when the substitution writes anything to stderr at startup:
    the suite's tests that compare a child's stderr would fail for it.
    """
    done = subprocess.run([python, "-I", "-c", CHECK_CHILD],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=clean_env(), timeout=120)
    if done.returncode != 0:
        raise RuntimeError("substitution check child failed:\n"
                           + done.stdout + done.stderr)
    checks = json.loads(done.stdout.strip().splitlines()[-1])
    bad = sorted(name for name, ok in checks.items() if not ok)
    if bad:
        raise RuntimeError("cfutures is not substituted under -I: %s "
                           "(checks: %s)\n%s" % (", ".join(bad), checks,
                                                 done.stderr))
    if done.stderr.strip():
        raise RuntimeError("the substitution writes to stderr at startup:\n"
                           + done.stderr)
    log("substitution verified under -I and in spawn/forkserver children: "
        + ", ".join(sorted(checks)))


def check_test_process(selected):
    """Problems with the substitution in the test process; [] when sound.

    Runs after the suite is imported, so it sees what the suite's modules
    bound at import time (their ``futures`` module, ``Future``, the
    ``PENDING_FUTURE`` they made) and each selected test's executor_type.
    """
    import concurrent.futures as cf
    import cfutures
    problems = []
    if not cfutures.EXTENSIONS:
        problems.append("cfutures.EXTENSIONS is false in the test process")
    installed_future = cfutures._substitute.InstalledFuture
    if cf.Future is not installed_future:
        problems.append("concurrent.futures.Future is not cfutures' Future")
    for name, module in sorted(sys.modules.items()):
        if not name.startswith(SUITE) or module is None:
            continue
        futures = getattr(module, "futures", None)
        if futures is not None and (
                futures.ThreadPoolExecutor is not cfutures.ThreadPoolExecutor
                or futures.ProcessPoolExecutor
                is not cfutures.ProcessPoolExecutor
                or futures.Future is not installed_future):
            problems.append("%s.futures serves the stdlib" % name)
        if (getattr(module, "Future", installed_future)
                is not installed_future):
            problems.append("%s.Future is not cfutures' Future" % name)
        future = getattr(module, "PENDING_FUTURE", None)
        if future is not None and not isinstance(future, cfutures.Future):
            problems.append("%s.PENDING_FUTURE is a %s" % (name, type(future)))
    for test in selected:
        executor_type = getattr(test, "executor_type", None)
        if is_process_pool_test(test):
            wanted = cfutures.ProcessPoolExecutor
        elif ("InterpreterPool" in type(test).__name__
              or type(test).__module__.endswith("test_interpreter_pool")):
            wanted = cfutures.InterpreterPoolExecutor
        else:
            wanted = cfutures.ThreadPoolExecutor
        if executor_type is not None and executor_type is not wanted:
            problems.append("%s uses %r" % (short_id(test), executor_type))
    return problems
