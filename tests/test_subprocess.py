"""Thread pools across a whole program, each in a fresh interpreter (see
support.run_script): interpreter exit with work still queued, submit()
while the interpreter exits, and fork() with a live pool."""
import os
import sys

import pytest

from support import run_script

EXIT_WITH_QUEUED_WORK = """
import threading

ex = cfutures.ThreadPoolExecutor(max_workers=1)
exiting = threading.Event()

def slow():
    # Keeps the only worker busy until the interpreter has begun to exit,
    # so that all the small tasks are still queued then.
    exiting.wait(30)
    print("slow done", flush=True)

def small(i):
    print(f"task {i}", flush=True)

ex.submit(slow)
for i in range(50):
    ex.submit(small, i)
if DROP_EXECUTOR:
    del ex             # no reference left, and no shutdown()
# Threading's exit hooks run last registered first, once the main thread is
# done: registered last, this one runs before any pool's own.
threading._register_atexit(exiting.set)
print("main done", flush=True)
"""


@pytest.mark.timeout(90)
@pytest.mark.parametrize("variant", ["keep", "drop"])
def test_exit_with_queued_work(impl, variant):
    source = EXIT_WITH_QUEUED_WORK.replace("DROP_EXECUTOR",
                                           str(variant == "drop"))
    proc = run_script(impl, source, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "main done" in lines
    assert lines.count("slow done") == 1
    assert [line for line in lines if line.startswith("task ")] == \
        [f"task {i}" for i in range(50)]
    # The queued work ran after the slow task, in order, once main was done.
    assert lines.index("main done") < lines.index("slow done") < \
        lines.index("task 0")
    assert "Traceback" not in proc.stderr, proc.stderr


SUBMIT_DURING_EXIT = """
import threading

ex = cfutures.ThreadPoolExecutor(max_workers=1)
release = threading.Event()

def late_submitter():
    release.wait()
    try:
        ex.submit(print, "late")
    except RuntimeError as exc:
        print("refused:", exc, flush=True)

def blocker():
    # Runs while the interpreter is exiting; lets a thread try to submit.
    release.set()
    submitter.join(10)
    return "blocker done"

submitter = threading.Thread(target=late_submitter)
submitter.start()
f = ex.submit(blocker)
f.add_done_callback(lambda f: print(f.result(), flush=True))
"""


@pytest.mark.timeout(90)
def test_submit_during_exit_is_refused_or_runs(impl):
    proc = run_script(impl, SUBMIT_DURING_EXIT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "blocker done" in lines
    # Either refused (interpreter shutting down) or accepted and run; never
    # accepted and then dropped.
    assert "late" in lines or any(line.startswith("refused:")
                                  for line in lines), proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr


FORK_WITH_LIVE_POOL = """
import os
import sys
import threading
import warnings

# 3.12+ warns about fork() in a multi-threaded process; that is the point.
warnings.simplefilter("ignore", DeprecationWarning)

release = threading.Event()
running = threading.Event()

def blocked():
    running.set()
    release.wait(30)
    return "parent task"

pool = cfutures.ThreadPoolExecutor(max_workers=2)
pending = pool.submit(blocked)
assert running.wait(30)
assert pool.submit(pow, 2, 5).result(30) == 32   # a second, idle worker

pid = os.fork()
if pid == 0:
    # Child: the parent's workers do not exist here. A new pool works.
    with cfutures.ThreadPoolExecutor(max_workers=2) as child_pool:
        results = [f.result(30) for f in
                   [child_pool.submit(pow, i, 2) for i in range(20)]]
        mapped = list(child_pool.map(str, range(5), timeout=30))
    assert results == [i * i for i in range(20)], results
    assert mapped == ["0", "1", "2", "3", "4"], mapped
    done, _ = cfutures.wait([cfutures.ThreadPoolExecutor(1).submit(int)],
                            timeout=30)
    assert len(done) == 1
    print("child ok", flush=True)
    sys.exit(0)     # a normal exit, running the exit hooks

_, status = os.waitpid(pid, 0)
release.set()
print("parent:", pending.result(30), flush=True)
pool.shutdown()
print("child exit code:", os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.timeout(90)
@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux",
                    reason="fork() is tested on Linux")
def test_fork_with_live_pool(impl):
    proc = run_script(impl, FORK_WITH_LIVE_POOL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "child ok" in lines, (proc.stdout, proc.stderr)
    assert "parent: parent task" in lines
    assert "child exit code: 0" in lines, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
