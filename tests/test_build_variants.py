"""cfutures installs everywhere: builds that leave parts of the core out.

Each test builds this checkout's core in place, in a copy under a temporary
folder (setup.py build_ext, unoptimized to keep it short), and runs a fresh
interpreter on that copy:

* without the process transport (``CFUTURES_PROCESS_TRANSPORT=0``, what a
  platform without poll() gets, as Windows): the Future, waiting and the
  thread pool are compiled, ``ProcessPoolExecutor`` is the stdlib's (with
  cfutures' map), one RuntimeWarning and ``python -m cfutures info`` say so;
* with a compiler that fails on everything: the build still succeeds, and
  cfutures serves the stdlib with one RuntimeWarning naming what is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from support import LONG, TESTS_DIR

ROOT = os.path.dirname(TESTS_DIR)
pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(ROOT, "setup.py")),
    reason="needs the project's source tree")

PROBE = textwrap.dedent("""
    import json, sys, warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import cfutures
        cfutures.EXTENSIONS   # the first use chooses the implementation
    sys.path.insert(0, {tests!r})
    from children import double
    with cfutures.ThreadPoolExecutor(2) as pool:
        threads = list(pool.map(double, range(4)))
    with cfutures.ProcessPoolExecutor(2) as pool:
        processes = list(pool.map(double, range(4)))
    print("REPORT", json.dumps({{
        "file": cfutures.__file__,
        "extensions": cfutures.EXTENSIONS,
        "warnings": [str(w.message) for w in caught
                     if w.category is RuntimeWarning],
        "thread_pool": cfutures.ThreadPoolExecutor.__module__,
        "process_pool": cfutures.ProcessPoolExecutor.__module__,
        "future": type(cfutures.Future()).__module__,
        "results": [threads, processes],
    }}))
""")


def copy_of_the_source(folder):
    ignore = shutil.ignore_patterns("*.so", "*.pyd", "*.c", "*.html",
                                    "__pycache__", "*.egg-info")
    for name in ("setup.py", "pyproject.toml", "README.md", "LICENSE",
                 "MANIFEST.in"):
        shutil.copy(os.path.join(ROOT, name), folder)
    for name in ("src", "csrc"):
        shutil.copytree(os.path.join(ROOT, name), folder / name, ignore=ignore)
    return folder


def environment(src, **changes):
    env = {key: value for key, value in os.environ.items()
           if key not in ("CFUTURES_NO_EXTENSIONS", "CFUTURES_SANITIZE",
                          "CFUTURES_INSTALL", "PYTHONPATH")}
    env.update(changes)
    env["PYTHONPATH"] = str(src)
    return env


def build(tree, **changes):
    env = environment(tree / "src", CFLAGS="-O0", **changes)
    env.pop("PYTHONPATH")
    done = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace", "-j", "2"],
        cwd=tree, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stderr


def probe(tree):
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(tests=TESTS_DIR)],
        env=environment(tree / "src"), capture_output=True, text=True,
        timeout=LONG * 4)
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines()
              if line.startswith("REPORT ")]
    report = json.loads(line[len("REPORT "):])
    assert report["file"].startswith(str(tree)), report["file"]
    assert report["results"] == [[0, 2, 4, 6]] * 2
    return report


def built_modules(tree):
    core = tree / "src" / "cfutures" / "_core"
    return sorted(f"{path.parent.name}.{path.name.split('.')[0]}"
                  for path in core.rglob("*") if path.suffix in (".so", ".pyd"))


@pytest.mark.timeout(900)
def test_builds_without_the_process_transport_and_when_the_compiler_fails(
        tmp_path):
    tree = copy_of_the_source(tmp_path)
    sides = {}
    exec((tree / "src/cfutures/_sides.py").read_text(), sides)

    # A compiler that fails on everything: the install still succeeds.
    log = build(tree, CFUTURES_PROCESS_TRANSPORT="0", CC="false")
    assert "could not build cfutures._core.future._future" in log
    assert built_modules(tree) == []
    report = probe(tree)
    assert report["extensions"] is False
    assert report["thread_pool"] == report["process_pool"] == "cfutures._fallback"
    [warning] = report["warnings"]
    assert "compiled core unavailable" in warning

    # No process transport: everything but the process pool compiled.
    log = build(tree, CFUTURES_PROCESS_TRANSPORT="0")
    assert "leaving the process transport out" in log
    assert built_modules(tree) == sorted(sides["THREAD_SIDE"])
    report = probe(tree)
    assert report["extensions"] is True
    assert report["thread_pool"] == "cfutures._thread_pool"
    assert report["process_pool"] == "cfutures._fallback"
    assert report["future"] == "cfutures._future"
    [warning] = report["warnings"]
    assert "process pool's compiled transport is not here" in warning
    info = subprocess.run(
        [sys.executable, "-m", "cfutures", "info"],
        env=environment(tree / "src"), capture_output=True, text=True,
        timeout=LONG)
    assert "compiled core: live" in info.stdout
    assert "process pool: the stdlib's" in info.stdout
