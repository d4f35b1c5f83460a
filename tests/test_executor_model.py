"""Model-checked executor: random sequences of submit, map, cancel, release
and shutdown on a one-worker thread pool, checked against a model.

Every submitted call blocks on a gate of its own until the machine releases
it, and after every step the machine waits until the pool is at rest: the
oldest call neither done nor cancelled is running (blocked at its gate), or
nothing is left. So the outcome of each step is determined and the model
(a list of calls and what became of them) says it: which ``cancel()``
succeeds, what ``shutdown(cancel_futures=True)`` cancels, that a submit
after shutdown raises ``RuntimeError``, what ``map`` (with and without
``buffersize``, read whole or closed early) yields. Submits come from the
machine's thread or from another one. The machine runs on both
implementations: the stdlib passing it shows the model is right.
"""
import collections
import threading

import pytest

hypothesis = pytest.importorskip(
    "hypothesis", reason="hypothesis is not installed here (the test "
    "command installs it)")
from hypothesis import settings, strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    Bundle, RuleBasedStateMachine, initialize, invariant, rule)

from support import LONG  # noqa: E402


class GatedCall:
    """A call that blocks until released, then returns or raises."""

    def __init__(self, value, fails):
        self.value = value
        self.fails = fails
        self.started = threading.Event()
        self.gate = threading.Event()
        self.runs = 0

    def __call__(self):
        self.runs += 1
        self.started.set()
        if not self.gate.wait(LONG):
            raise AssertionError("the test never released this call")
        if self.fails:
            raise ValueError(self.value)
        return self.value


def square(x):
    return x * x


def make_machine(impl, steps):
    """The machine class for ``impl``; ``steps`` counts the rules run."""

    class ExecutorMachine(RuleBasedStateMachine):
        futures = Bundle("futures")

        @initialize()
        def make(self):
            self.pool = impl.ThreadPoolExecutor(max_workers=1)
            self.calls = []          # (GatedCall, future), in submit order
            self.shut = False

        def teardown(self):
            for call, _ in self.calls:
                call.gate.set()
            self.pool.shutdown(wait=True)
            for call, future in self.calls:
                assert future.done()
                assert call.runs == (0 if future.cancelled() else 1)

        # -- the model ---------------------------------------------------

        def running(self):
            """The call that must be running now, or None."""
            for call, future in self.calls:
                if not future.done():
                    return call, future
            return None

        def settle(self):
            head = self.running()
            if head is not None:
                assert head[0].started.wait(LONG), "the next call never started"

        # -- the rules ---------------------------------------------------

        @rule(target=futures, value=st.integers(0, 99), fails=st.booleans(),
              from_other_thread=st.booleans())
        def submit(self, value, fails, from_other_thread):
            steps['submit'] += 1
            call = GatedCall(value, fails)
            got = []

            def do_submit():
                try:
                    got.append(self.pool.submit(call))
                except RuntimeError as exc:
                    got.append(exc)
            if from_other_thread:
                thread = threading.Thread(target=do_submit)
                thread.start()
                thread.join(LONG)
            else:
                do_submit()
            if self.shut:
                assert isinstance(got[0], RuntimeError)
                return hypothesis.stateful.multiple()
            future = got[0]
            self.calls.append((call, future))
            self.settle()
            return future

        @rule()
        def release_the_running_call(self):
            steps['release_the_running_call'] += 1
            head = self.running()
            if head is None:
                return
            call, future = head
            call.gate.set()
            if call.fails:
                assert isinstance(future.exception(LONG), ValueError)
            else:
                assert future.result(LONG) == call.value
            self.settle()

        @rule(future=futures)
        def cancel(self, future):
            steps['cancel'] += 1
            call = next(c for c, f in self.calls if f is future)
            head = self.running()
            expected = (not future.done() and not call.started.is_set()
                        and (head is None or head[1] is not future))
            if future.cancelled():
                expected = True   # cancel() of a cancelled future is True
            assert future.cancel() == expected
            self.settle()

        @rule(n=st.integers(0, 30), buffersize=st.sampled_from([None, 1, 4]),
              read=st.integers(0, 30))
        def map(self, n, buffersize, read):
            steps["map"] += 1
            if self.shut:
                if n:   # the first submit refuses, at the call
                    with pytest.raises(RuntimeError):
                        self.pool.map(square, range(n), buffersize=buffersize)
                return
            results = self.pool.map(square, range(n), buffersize=buffersize)
            if self.running() is not None:
                # Every item waits behind the running call: closing the
                # iterator cancels them all, and nothing runs.
                results.close()
            elif read >= n:
                assert list(results) == [x * x for x in range(n)]
            else:
                got = [next(results) for _ in range(read)]
                assert got == [x * x for x in range(read)]
                results.close()   # cancels what has not started; no hang
            self.settle()

        @rule(cancel_futures=st.booleans())
        def shutdown_without_waiting(self, cancel_futures):
            steps['shutdown_without_waiting'] += 1
            head = self.running()
            self.pool.shutdown(wait=False, cancel_futures=cancel_futures)
            self.shut = True
            if cancel_futures:
                for call, future in self.calls:
                    if head is not None and future is head[1]:
                        assert not future.done()
                    else:
                        assert future.done()
            self.settle()

        @invariant()
        def nothing_runs_twice_or_out_of_turn(self):
            head = self.running()
            for call, future in self.calls:
                assert call.runs <= 1
                if call.started.is_set() and not future.done():
                    assert head is not None and future is head[1]

    # Derandomized: the check below that every rule ran is about the
    # model's coverage, and a random draw left "cancel" out once in CI-like
    # runs; the same examples each run keep it a fact, not a coin toss.
    ExecutorMachine.TestCase.settings = settings(
        max_examples=60, stateful_step_count=20, deadline=None,
        derandomize=True)
    return ExecutorMachine


@pytest.mark.timeout(600)
def test_executor_follows_the_model(impl):
    steps = collections.Counter()
    make_machine(impl, steps).TestCase("runTest").runTest()
    # Not vacuous: every rule ran.
    assert all(steps[name] >= 3 for name in (
        "submit", "release_the_running_call", "cancel", "map",
        "shutdown_without_waiting")), steps
