"""Helpers shared by the behavioural tests (see conftest.py)."""
import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

# Upper bound for waits that should end almost at once when all is well.
LONG = 30.0

NO_EXTENSIONS = os.environ.get("CFUTURES_NO_EXTENSIONS", "") not in ("", "0")

IMPL_MODULES = {
    "stdlib": "cfutures._fallback",
    "cfutures": "cfutures._accelerated",
}


class Impl:
    """One implementation of the concurrent.futures API, as tests see it."""

    def __init__(self, name, module):
        self.name = name
        self.module = module
        self.Future = module.Future
        self.Executor = module.Executor
        self.ThreadPoolExecutor = module.ThreadPoolExecutor
        self.ProcessPoolExecutor = module.ProcessPoolExecutor
        self.wait = module.wait
        self.as_completed = module.as_completed
        self.accelerated = name == "cfutures"

    def env(self):
        """Environment for a subprocess in which ``cfutures`` is this impl."""
        env = dict(os.environ)
        if self.accelerated:
            env.pop("CFUTURES_NO_EXTENSIONS", None)
        else:
            env["CFUTURES_NO_EXTENSIONS"] = "1"
        return env

    def __repr__(self):
        return f"<Impl {self.name}>"


class Gate:
    """Blocks tasks until opened; records which tasks got to run.

    ``task(x)`` records ``x``, sets ``started``, waits for the gate (bounded
    by LONG, so a forgotten gate cannot hold a pool forever) and returns
    ``x``. ``waiting_at(held)`` makes a task that waits only for ``held``.
    """

    def __init__(self):
        self.opened = threading.Event()
        self.started = threading.Event()
        self.ran = []
        self._lock = threading.Lock()

    def task(self, x=None):
        with self._lock:
            self.ran.append(x)
        self.started.set()
        if not self.opened.wait(LONG):
            raise AssertionError("gate never opened")
        return x

    def waiting_at(self, held, result=None):
        """A task that records every ``x`` and returns ``result(x)`` (``x``
        itself by default), but that for ``x == held`` first sets
        ``started`` and waits for the gate, as ``task`` does."""
        def task(x):
            if x == held:
                self.task(x)
            else:
                with self._lock:
                    self.ran.append(x)
            return x if result is None else result(x)
        return task

    def open(self):
        self.opened.set()


@contextlib.contextmanager
def unblock_then_shut_down(pool, unblock):
    """Yield ``pool``; on leaving, even by an exception, call ``unblock``
    (e.g. ``gate.open``), then shut ``pool`` down, waiting for its workers.

    For tests whose tasks block: a failing assertion can then not leave
    shutdown() waiting for a task that nothing will release.
    """
    try:
        yield pool
    finally:
        unblock()
        pool.shutdown(wait=True)


def non_fork_context():
    """The multiprocessing context cfutures' process-pool options need:
    forkserver where there is one, else spawn."""
    import multiprocessing
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context(
        "forkserver" if "forkserver" in methods else "spawn")


def callbacks_seen(futures, record):
    """Add a done-callback to each of ``futures`` (a list) that keeps
    ``record(future)``; what they kept, once all have run (up to LONG)."""
    seen = []
    all_ran = threading.Event()

    def callback(future):
        seen.append(record(future))
        if len(seen) == len(futures):
            all_ran.set()
    for future in futures:
        future.add_done_callback(callback)
    assert all_ran.wait(LONG), f"{len(seen)} of {len(futures)} callbacks ran"
    return seen


def wait_until(predicate, timeout=LONG):
    """Poll ``predicate`` until it holds, for states that no event reports.

    Correctness never depends on this returning at a given moment; it only
    makes a test exercise the intended interleaving more often.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition never held: {predicate}")
        time.sleep(0.001)


TESTS_DIR = os.path.dirname(os.path.abspath(__file__))

SCRIPT_PROLOGUE = """\
import sys
sys.path.insert(0, {tests_dir!r})
import cfutures
if cfutures.EXTENSIONS is not {accelerated!r}:
    raise SystemExit(f"wrong implementation: EXTENSIONS={{cfutures.EXTENSIONS}}")
"""


def run_script(impl, source, timeout=60):
    """Run ``source`` in a fresh interpreter in which ``cfutures`` is ``impl``.

    The script starts with ``cfutures`` imported (and checked to be
    ``impl``) and with tests/ on sys.path, so that it and its pools'
    workers can import ``children``. Returns a CompletedProcess with the
    output as text; raises subprocess.TimeoutExpired (having killed the
    interpreter) after ``timeout`` seconds.

    Output goes to files, not pipes: a worker process the script leaves
    behind would hold a pipe open, and reading it to its end would wait
    for that worker too.
    """
    prologue = SCRIPT_PROLOGUE.format(tests_dir=TESTS_DIR,
                                      accelerated=impl.accelerated)
    args = [sys.executable, "-c", prologue + textwrap.dedent(source)]
    with tempfile.TemporaryDirectory() as out_dir:
        out_path = os.path.join(out_dir, "stdout")
        err_path = os.path.join(out_dir, "stderr")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen(args, stdout=out, stderr=err,
                                    env=impl.env())
            try:
                returncode = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
        with open(out_path) as out, open(err_path) as err:
            return subprocess.CompletedProcess(args, returncode, out.read(),
                                               err.read())


def is_waited_on(future):
    """True once some thread blocks on ``future`` (result(), wait(), ...).

    cfutures lists every blocked thread in ``_waiters``; the stdlib Future
    lists wait()/as_completed() there, but result() and exception() block
    on its own ``_condition``.
    """
    if future._waiters:
        return True
    condition = vars(future).get("_condition")   # the stdlib Future's
    return condition is not None and bool(condition._waiters)


def complete_later(actions, waiting_on):
    """Run ``actions`` in another thread once each future in ``waiting_on``
    has a waiter installed, i.e. once the wait()/as_completed() call in this
    thread has begun waiting. Returns the started thread; join it.
    """
    def run():
        for future in waiting_on:
            wait_until(lambda: is_waited_on(future))
        for action in actions:
            action()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def process_gone(pid):
    """True once ``pid`` is not a live process (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state in ("Z", "X")
    except FileNotFoundError:
        return True
    except OSError:   # /proc cannot be read here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def pickling_error(obj):
    """The exception pickle raises for ``obj`` in this process."""
    try:
        pickle.dumps(obj)
    except Exception as exc:
        return exc
    raise AssertionError(f"{obj!r} pickles")
