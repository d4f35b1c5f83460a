"""Model-checked Future: random sequences of operations, the stdlib's
Future as the model.

A hypothesis state machine drives a cfutures Future and a stdlib Future
with the same sequence of ``cancel``, ``set_running_or_notify_cancel``,
``set_result``, ``set_exception``, ``result``/``exception`` with a zero
timeout, the queries, and ``add_done_callback`` with callbacks that record,
raise, add another callback or cancel, and checks after every step that
both gave the same answer (a value, or the same exception class), are in
the same visible ``_state``, and called the same callbacks in the same
order. Under ``CFUTURES_NO_EXTENSIONS=1`` both sides are the stdlib's (the
machine still runs). The threaded races are in test_races.py.
"""
import concurrent.futures as stdlib_futures

import pytest

hypothesis = pytest.importorskip(
    "hypothesis", reason="hypothesis is not installed here (the test "
    "command installs it)")
from hypothesis import settings, strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    RuleBasedStateMachine, initialize, invariant, rule)

import cfutures  # noqa: E402

VALUES = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=2))
ERRORS = st.sampled_from([ValueError, KeyError, RuntimeError])
CALLBACK_KINDS = st.sampled_from(["record", "raise", "add_another",
                                  "cancel_self", "read_result"])


def outcome(call):
    """What a call gave, comparable across implementations."""
    try:
        value = call()
    except BaseException as exc:   # noqa: BLE001 - the class is the outcome
        return ("raised", type(exc).__name__)
    if isinstance(value, BaseException):
        return ("exception", type(value).__name__, str(value))
    return ("returned", value)


class Side:
    """One implementation's future and what its callbacks saw."""

    def __init__(self, future_class):
        self.future = future_class()
        self.calls = []

    def callback(self, kind, label):
        def callback(future):
            assert future is self.future
            self.calls.append((label, future.done(), future.cancelled()))
            if kind == "raise":
                raise ZeroDivisionError("callbacks that raise are logged")
            if kind == "add_another":
                future.add_done_callback(self.callback("record", label + "+"))
            elif kind == "cancel_self":
                self.calls.append((label, "cancel", future.cancel()))
            elif kind == "read_result":
                self.calls.append((label, "result", outcome(
                    lambda: future.result(timeout=0))))
        return callback


class FutureMachine(RuleBasedStateMachine):

    @initialize()
    def make(self):
        self.ours = Side(cfutures.Future)
        self.model = Side(stdlib_futures.Future)
        self.labels = 0

    def both(self, operation):
        got = outcome(lambda: operation(self.ours.future))
        expected = outcome(lambda: operation(self.model.future))
        assert got == expected

    @rule()
    def cancel(self):
        self.both(lambda f: f.cancel())

    @rule()
    def set_running_or_notify_cancel(self):
        self.both(lambda f: f.set_running_or_notify_cancel())

    @rule(value=VALUES)
    def set_result(self, value):
        self.both(lambda f: f.set_result(value))

    @rule(error=ERRORS)
    def set_exception(self, error):
        self.both(lambda f: f.set_exception(error("failed")))

    @rule()
    def result(self):
        self.both(lambda f: f.result(timeout=0))

    @rule()
    def exception(self):
        self.both(lambda f: f.exception(timeout=0))

    @rule()
    def queries(self):
        self.both(lambda f: (f.done(), f.running(), f.cancelled()))

    @rule(kind=CALLBACK_KINDS)
    def add_done_callback(self, kind):
        self.labels += 1
        label = f"{kind}{self.labels}"
        self.ours.future.add_done_callback(self.ours.callback(kind, label))
        self.model.future.add_done_callback(self.model.callback(kind, label))

    @invariant()
    def same_state_and_callbacks(self):
        assert self.ours.future._state == self.model.future._state
        assert self.ours.calls == self.model.calls


FutureMachine.TestCase.settings = settings(
    max_examples=300, stateful_step_count=25, deadline=None)


@pytest.mark.timeout(300)
def test_future_follows_the_stdlib_model(caplog):
    # Callbacks that raise are logged by both implementations, as designed.
    caplog.set_level("CRITICAL", logger="concurrent.futures")
    FutureMachine.TestCase("runTest").runTest()
