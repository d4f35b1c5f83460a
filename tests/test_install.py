"""Whole-program opt-in: cfutures.install(), python -m cfutures, CFUTURES_INSTALL.

Each test runs a fresh interpreter (installing changes the stdlib modules
for the whole process) and checks what a program sees: which classes
``concurrent.futures`` hands out, in the program and in the processes it
starts, and, for ``run``, that the program runs as plain ``python`` runs it.
What install() cannot reach (names bound and objects made before it) has a
test each, as the README documents it. Without the compiled core install()
changes nothing and says so (returns False); ``run`` still runs the program.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from support import LONG, NO_EXTENSIONS

needs_core = pytest.mark.skipif(NO_EXTENSIONS,
                                reason="CFUTURES_NO_EXTENSIONS is set")

# A program's view: which implementation each name serves, here and in its
# children. Prints one JSON line.
PROGRAM = '''
import json, multiprocessing, subprocess, sys
import concurrent.futures as cf

def served(_=None):
    import concurrent.futures
    return concurrent.futures.ThreadPoolExecutor.__module__.split(".")[0]

if __name__ == "__main__":
    report = {"argv": sys.argv, "name": __name__, "path0": sys.path[0],
              "here": served()}
    for method in ("spawn", "forkserver"):
        context = multiprocessing.get_context(method)
        with cf.ProcessPoolExecutor(1, mp_context=context) as pool:
            report[method] = pool.submit(served).result(timeout=60)
    report["subprocess"] = subprocess.run(
        [sys.executable, "-c",
         "import concurrent.futures as c; "
         "print(c.ThreadPoolExecutor.__module__.split('.')[0])"],
        capture_output=True, text=True, timeout=60).stdout.strip()
    print(json.dumps(report))
    if sys.argv[1:] == ["fail"]:
        raise ValueError("the program failed")
    sys.exit(int(sys.argv[1]) if sys.argv[1:2] and sys.argv[1].isdigit() else 0)
'''


def python(*args, env=None, cwd=None, timeout=LONG * 4):
    environ = dict(os.environ)
    environ.pop("CFUTURES_INSTALL", None)
    environ.update(env or {})
    return subprocess.run([sys.executable, *args], capture_output=True,
                          text=True, env=environ, cwd=cwd, timeout=timeout)


def printed(source, **env):
    """The words ``python -c source`` prints, with ``env`` added."""
    return python("-c", source, env=env).stdout.split()


def last_json(proc):
    assert proc.stdout.strip(), proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check(source):
    """Run ``source`` in a fresh interpreter; it prints "ok" at its end."""
    proc = python("-c", textwrap.dedent(source))
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), (
        proc.stdout + proc.stderr)


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "program.py"
    path.write_text(PROGRAM)
    return path


@needs_core
def test_install_serves_cfutures_to_later_lookups_and_uninstall_undoes_it():
    check('''
        import concurrent.futures, threading
        import concurrent.futures.thread as thread
        import cfutures
        assert not cfutures.installed()
        results = []
        threads = [threading.Thread(target=lambda: results.append(cfutures.install()))
                   for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join(30)
        assert results == [True] * 8 and cfutures.installed()
        assert cfutures.install()   # idempotent
        from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor, wait
        assert ThreadPoolExecutor is cfutures.ThreadPoolExecutor
        assert ProcessPoolExecutor is cfutures.ProcessPoolExecutor
        assert wait is cfutures.wait
        assert thread.ThreadPoolExecutor is cfutures.ThreadPoolExecutor
        with ThreadPoolExecutor(2) as pool:
            future = pool.submit(abs, -2)
            assert type(future) is cfutures.Future and future.result(30) == 2
            assert isinstance(future, concurrent.futures.Future)
        made = concurrent.futures.Future()
        assert isinstance(made, cfutures.Future)
        cfutures.uninstall(); cfutures.uninstall()
        assert not cfutures.installed()
        assert concurrent.futures.ThreadPoolExecutor is thread.ThreadPoolExecutor
        print("ok")
    ''')


@needs_core
def test_asyncio_default_executor_and_to_thread_run_on_cfutures():
    check('''
        import asyncio, threading
        import cfutures
        cfutures.install()
        async def main():
            loop = asyncio.get_running_loop()
            got = await loop.run_in_executor(None, abs, -3)
            executor = loop._default_executor
            name = await asyncio.to_thread(lambda: threading.current_thread().name)
            return got, type(executor), name
        got, executor_type, name = asyncio.run(main())
        assert got == 3, got
        assert executor_type is cfutures.ThreadPoolExecutor, executor_type
        assert name.startswith("asyncio"), name
        print("ok")
    ''')


@needs_core
def test_what_install_cannot_reach_stays_stdlib_and_keeps_working():
    # Names bound and objects made before install() are the stdlib's; they
    # still pass the isinstance() checks made against the installed names,
    # so asyncio and the stdlib's wait() take them beside cfutures' futures.
    check('''
        import asyncio
        import concurrent.futures as cf
        from concurrent.futures import ThreadPoolExecutor as BoundBefore
        early_pool = cf.ThreadPoolExecutor(1)
        early_future = cf.Future()
        import cfutures
        cfutures.install()
        assert BoundBefore is not cfutures.ThreadPoolExecutor
        assert type(early_pool) is not cfutures.ThreadPoolExecutor
        assert type(early_future) is not cfutures.Future
        assert isinstance(early_future, cf.Future)
        late = cf.ThreadPoolExecutor(1).submit(abs, -1)
        early_future.set_result(5)
        done, _ = cf.wait([early_future, late, early_pool.submit(abs, -4)], timeout=30)
        assert sorted(f.result() for f in done) == [1, 4, 5]
        async def main():
            return await asyncio.wrap_future(early_future)
        assert asyncio.run(main()) == 5
        print("ok")
    ''')


def test_install_without_the_core_changes_nothing():
    proc = python("-c", textwrap.dedent('''
        import concurrent.futures as cf, cfutures
        before = cf.ThreadPoolExecutor
        assert cfutures.install() is False and not cfutures.installed()
        assert cf.ThreadPoolExecutor is before
        print("ok")
    '''), env={"CFUTURES_NO_EXTENSIONS": "1"})
    assert proc.stdout.strip() == "ok", proc.stderr


@needs_core
def test_run_script_installs_everywhere_and_runs_as_python_does(program):
    proc = python("-m", "cfutures", "run", str(program), "7")
    report = last_json(proc)
    assert proc.returncode == 7, proc.stderr
    assert report["argv"] == [str(program), "7"]
    assert report["name"] == "__main__"
    assert report["path0"] == os.path.dirname(os.path.realpath(program))
    for where in ("here", "spawn", "forkserver", "subprocess"):
        assert report[where] == "cfutures", (where, report, proc.stderr)
    plain = last_json(python(str(program), "7"))
    for where in ("here", "spawn", "forkserver", "subprocess"):
        assert plain[where] == "concurrent", (where, plain)


@needs_core
def test_run_module_installs_and_runs_as_python_m_does(program):
    proc = python("-m", "cfutures", "run", "-m", "program", "--flag",
                  cwd=program.parent)
    report = last_json(proc)
    plain = last_json(python("-m", "program", "--flag", cwd=program.parent))
    assert proc.returncode == 0, proc.stderr
    assert report["argv"] == plain["argv"] == [str(program), "--flag"]
    assert report["name"] == "__main__"
    assert report["here"] == report["spawn"] == "cfutures"


def test_run_shows_the_programs_traceback_and_status_as_python(program):
    ran = python("-m", "cfutures", "run", str(program), "fail")
    plain = python(str(program), "fail")
    assert ran.returncode == plain.returncode == 1
    assert ran.stderr == plain.stderr
    assert "ValueError: the program failed" in ran.stderr
    assert "runpy" not in ran.stderr and "_cli" not in ran.stderr


def test_run_ends_by_sigint_on_keyboard_interrupt(tmp_path):
    script = tmp_path / "interrupted.py"
    script.write_text("raise KeyboardInterrupt\n")
    ran = python("-m", "cfutures", "run", str(script))
    plain = python(str(script))
    assert ran.returncode == plain.returncode
    assert ran.returncode in (-signal.SIGINT, 128 + signal.SIGINT)
    assert ran.stderr == plain.stderr


def test_run_reports_what_is_missing_as_python_does(tmp_path):
    assert python("-m", "cfutures", "run", "-m", "no_such_module_here").returncode == 1
    missing = python("-m", "cfutures", "run", str(tmp_path / "absent.py"))
    assert missing.returncode == 2 and "can't open file" in missing.stderr
    assert python("-m", "cfutures", "run").returncode == 2
    assert python("-m", "cfutures", "frobnicate").returncode == 2


@needs_core
def test_the_environment_switch_installs_at_startup():
    source = ("import concurrent.futures as c, cfutures; "
              "print(cfutures.installed(), c.ThreadPoolExecutor.__module__)")
    assert printed(source, CFUTURES_INSTALL="1") == ["True", "cfutures._thread_pool"]
    assert printed(source, CFUTURES_INSTALL="0") == [
        "False", "concurrent.futures.thread"]


@pytest.mark.skipif(sys.version_info < (3, 14),
                    reason="InterpreterPoolExecutor is 3.14's")
def test_the_switch_leaves_subinterpreters_to_the_stdlib_quietly(tmp_path):
    """The compiled core loads in the main interpreter only: in an
    InterpreterPoolExecutor's workers the switch does nothing (no
    fallback warning from each), and the pool works."""
    (tmp_path / "served_here.py").write_text(textwrap.dedent("""
        def served(_):
            import concurrent.futures, sys
            return (concurrent.futures.ThreadPoolExecutor.__module__,
                    "cfutures" in sys.modules)
    """))
    source = textwrap.dedent("""
        import concurrent.futures as c
        from served_here import served
        with c.InterpreterPoolExecutor(2) as pool:
            print(sorted(set(pool.map(served, range(4)))))
    """)
    proc = python("-c", source, env={"CFUTURES_INSTALL": "1",
                                     "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.strip() == "[('concurrent.futures.thread', False)]"


def test_the_switch_imports_nothing_when_off():
    proc = python("-c", "import sys; print('cfutures' in sys.modules, "
                  "'concurrent.futures' in sys.modules)")
    assert proc.stdout.split() == ["False", "False"], proc.stderr


def test_info_says_what_is_live_and_what_install_replaces():
    proc = python("-m", "cfutures", "info")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "cfutures " in out and f"{sys.version_info[0]}.{sys.version_info[1]}" in out
    assert "concurrent.futures.ThreadPoolExecutor" in out
    assert "startup hook: " in out and "cfutures_install.pth" in out
    if NO_EXTENSIONS:
        assert "not live: CFUTURES_NO_EXTENSIONS is set" in out
    else:
        assert "compiled core: live" in out
    off = python("-m", "cfutures", "info", env={"CFUTURES_NO_EXTENSIONS": "1"})
    assert "not live: CFUTURES_NO_EXTENSIONS is set" in off.stdout


@needs_core
def test_the_switch_works_under_isolated_mode():
    # -I ignores PYTHON* variables and the user's site, not site-packages'
    # startup files: spawn children of a -I parent install too.
    proc = python("-I", "-c", "import cfutures; print(cfutures.installed())",
                  env={"CFUTURES_INSTALL": "1"})
    assert proc.stdout.strip() == "True", proc.stderr


# What importing cfutures, or a start-up with the switch on, must not load:
# the stdlib's own package loads none of them either.
HEAVY = ("multiprocessing", "concurrent.futures.process", "asyncio", "tqdm",
         "cfutures._process_pool", "cfutures._core.parent._dispatcher",
         "cfutures._core.worker._worker", "dataclasses", "inspect")
LOADED = ("import sys, json; print(json.dumps(sorted(m for m in {heavy!r} "
          "if m in sys.modules)))")


def loaded_after(source, env=None):
    proc = python("-c", f"{source}\n" + LOADED.format(heavy=HEAVY), env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_cfutures_loads_no_pool_until_used():
    # Nothing the stdlib's own import leaves unloaded (some Pythons' stdlib
    # package loads inspect or dataclasses itself).
    stdlib = set(loaded_after("import concurrent.futures"))
    assert set(loaded_after("import cfutures")) <= stdlib
    assert set(loaded_after(
        "import cfutures\n"
        "with cfutures.ThreadPoolExecutor(2) as pool:\n"
        "    assert pool.submit(abs, -1).result(30) == 1")) <= stdlib
    assert "multiprocessing" in loaded_after(
        "import cfutures; cfutures.ProcessPoolExecutor")


def test_the_switch_loads_nothing_until_the_program_imports_concurrent_futures():
    on = {"CFUTURES_INSTALL": "1"}
    proc = python("-c", "import sys; print('cfutures' in sys.modules, "
                  "'concurrent.futures' in sys.modules)", env=on)
    assert proc.stdout.split() == ["False", "False"], proc.stderr
    assert set(loaded_after("import concurrent.futures", env=on)) <= set(
        loaded_after("import concurrent.futures"))


@needs_core
def test_the_switch_still_installs_after_a_lookup_that_does_not_import():
    # importlib.util.find_spec() asks the finders without loading: the
    # hook waits for the real import.
    source = ("import importlib.util; importlib.util.find_spec('concurrent.futures'); "
              "import concurrent.futures as c; print(c.ThreadPoolExecutor.__module__)")
    assert printed(source, CFUTURES_INSTALL="1") == ["cfutures._thread_pool"]


@needs_core
def test_the_switch_installs_when_cfutures_is_imported_first():
    source = ("import cfutures, concurrent.futures as c; "
              "print(cfutures.installed(), c.ThreadPoolExecutor.__module__)")
    assert printed(source, CFUTURES_INSTALL="1") == ["True", "cfutures._thread_pool"]


@needs_core
def test_pool_modules_imported_after_install_are_served_and_stay_stdlib():
    # concurrent.futures.process loads after install(): its name serves
    # cfutures' pool, while the stdlib's classes stay the stdlib's own
    # (defined on the stdlib's Executor), and uninstall() gives them back.
    check('''
        import sys
        import concurrent.futures as cf
        import concurrent.futures._base as base
        import cfutures
        stdlib_executor = base.Executor
        assert cfutures.install()
        assert "concurrent.futures.process" not in sys.modules
        import concurrent.futures.process as process
        assert process.ProcessPoolExecutor is cfutures.ProcessPoolExecutor
        assert cf.ProcessPoolExecutor is cfutures.ProcessPoolExecutor
        assert base.Executor is cfutures.Executor
        stdlib_pool = [c for c in cfutures.ProcessPoolExecutor.__mro__
                       if c.__module__ == "concurrent.futures.process"]
        assert len(stdlib_pool) == 1
        assert stdlib_pool[0].__bases__ == (stdlib_executor,)
        with cf.ProcessPoolExecutor(1) as pool:
            assert pool.submit(abs, -5).result(30) == 5
        if "InterpreterPoolExecutor" in cf.__all__:   # 3.14+: the same
            import concurrent.futures.thread as thread
            import concurrent.futures.interpreter as interpreter
            assert interpreter.InterpreterPoolExecutor is cfutures.InterpreterPoolExecutor
            assert cf.InterpreterPoolExecutor is cfutures.InterpreterPoolExecutor
            stdlib_ipe = [c for c in cfutures.InterpreterPoolExecutor.__mro__
                          if c.__module__ == "concurrent.futures.interpreter"]
            assert len(stdlib_ipe) == 1
            assert not issubclass(stdlib_ipe[0], cfutures.ThreadPoolExecutor)
            assert thread.ThreadPoolExecutor is cfutures.ThreadPoolExecutor
        cfutures.uninstall()
        assert process.ProcessPoolExecutor is stdlib_pool[0]
        assert cf.ProcessPoolExecutor is stdlib_pool[0]
        assert base.Executor is stdlib_executor
        print("ok")
    ''')
