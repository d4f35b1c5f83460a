"""Helpers shared by the behavioural tests (see conftest.py)."""
import os
import subprocess
import sys
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
    ``x``.
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

    def open(self):
        self.opened.set()


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


def run_script(impl, source, timeout=60, cwd=None):
    """Run ``source`` in a fresh interpreter in which ``cfutures`` is ``impl``.

    The script gets ``EXPECT_EXTENSIONS`` (a bool) predefined, to check that
    the child really runs the intended implementation.
    """
    prologue = f"EXPECT_EXTENSIONS = {impl.accelerated!r}\n"
    return subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(source)],
        env=impl.env(), cwd=cwd, capture_output=True, text=True,
        timeout=timeout)


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
