"""Bad input, told apart by the stdlib: each case is one wrong call (a wrong
type, an absurd value, a non-callable, a non-iterable, an object whose
special methods raise) made on both implementations; cfutures must end the
same way the stdlib does (the same value, or the same exception type raised
at the same step: the call itself, or iterating what it returned), with a
message, and the executor must still work afterwards.

Where the stdlib hangs or crashes on a bad value (a NaN or infinite worker
count), cfutures raises a clear error instead: those few cases are listed in
``BETTER_THAN_THE_STDLIB`` with what cfutures does.
"""
import math
import sys
import threading
import time

import pytest

from bad_objects import (
    ErrorRaisingReduce, ErrorRaisingRepr, RaisingDel, RaisingEq, RaisingHash,
    RaisingReduce, RaisingRepr, Trap, echo, raise_it, return_it)
from conftest import load_impl
from support import LONG

PY314 = sys.version_info >= (3, 14)
SHORT = 0.05            # a wait that must end at once (the future is pending)
NAN = float("nan")
HUGE = 10 ** 100
RUNNING = 0.5           # seconds a task runs that must still be running


class Lazy:
    """What a case returns when the call hands back an iterator: the outcome
    then covers consuming it, as a user's ``for`` loop would."""

    def __init__(self, iterable, summary=list):
        self.iterable = iterable
        self.summary = summary


def outcome(case, *args):
    """How ``case(*args)`` ends: ('returned', value), or ('raised', step,
    exception type, message) with step 'call' or 'iterate'."""
    step = "call"
    try:
        value = case(*args)
        if isinstance(value, Lazy):
            step = "iterate"
            value = value.summary(value.iterable)
        return ("returned", value)
    except BaseException as exc:   # the outcome is what we compare
        return ("raised", step, type(exc), message(exc))


def message(exc):
    try:
        return str(exc)
    except Exception:   # an exception whose __str__ raises (bad_objects)
        return f"<{type(exc).__name__} whose str() raises>"


def same_ending(std, ours):
    """Asserts cfutures' outcome matches the stdlib's (messages may differ,
    but ours must say something wherever the stdlib does)."""
    assert ours[:3] == std[:3], f"stdlib: {std}\ncfutures: {ours}"
    if std[0] == "raised" and std[3]:
        assert ours[3], f"cfutures raised {ours[2].__name__} with no message"


def pending_future(impl):
    return impl.Future()


def done_future(impl, value=1):
    future = impl.Future()
    future.set_result(value)
    return future


# ---- constructors: (id, callable(impl) -> a pool or an error) ----------------

def thread_pool(**kwargs):
    return lambda impl: impl.ThreadPoolExecutor(**kwargs)


def process_pool(**kwargs):
    return lambda impl: impl.ProcessPoolExecutor(**kwargs)


CONSTRUCTORS = [
    ("thread-zero", thread_pool(max_workers=0)),
    ("thread-negative", thread_pool(max_workers=-3)),
    ("thread-str", thread_pool(max_workers="4")),
    ("thread-none-ok", thread_pool(max_workers=None)),
    ("thread-true", thread_pool(max_workers=True)),
    ("thread-huge", thread_pool(max_workers=HUGE)),
    ("thread-inf", thread_pool(max_workers=math.inf)),
    ("thread-float", thread_pool(max_workers=1.5)),
    ("thread-prefix-int", thread_pool(max_workers=1, thread_name_prefix=5)),
    ("thread-initializer-str", thread_pool(max_workers=1, initializer="print")),
    ("thread-initargs-int", thread_pool(max_workers=1, initializer=print, initargs=5)),
    ("thread-unknown-keyword", thread_pool(max_workers=1, workers=2)),
    ("process-zero", process_pool(max_workers=0)),
    ("process-negative", process_pool(max_workers=-1)),
    ("process-str", process_pool(max_workers="2")),
    ("process-true", process_pool(max_workers=True)),
    ("process-mp-context-str", process_pool(max_workers=1, mp_context="spawn")),
    ("process-initializer-int", process_pool(max_workers=1, initializer=3)),
    ("process-initargs-int", process_pool(max_workers=1, initializer=print, initargs=5)),
    ("process-initializer-raises", process_pool(max_workers=1, initializer=int,
                                                initargs=("x",))),
    ("process-tasks-per-child-zero", process_pool(max_workers=1, max_tasks_per_child=0)),
    ("process-tasks-per-child-str", process_pool(max_workers=1, max_tasks_per_child="3")),
    ("process-unknown-keyword", process_pool(workers=2)),
]
if sys.version_info < (3, 11):   # max_tasks_per_child is 3.11's
    CONSTRUCTORS = [c for c in CONSTRUCTORS if "tasks-per-child" not in c[0]]

# Where the stdlib misbehaves, cfutures raises instead: id -> exception type.
BETTER_THAN_THE_STDLIB = {
    # The stdlib takes NaN, and then never starts a thread (every call hangs).
    "thread-nan": ValueError,
    "process-nan": ValueError,
}


def use_pool(pool):
    """A pool just built from ``kind`` runs a call, then shuts down."""
    try:
        return pool.submit(abs, -2).result(timeout=LONG)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def construct(make, impl):
    pool = make(impl)
    return ("built", use_pool(pool))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("make", [c[1] for c in CONSTRUCTORS],
                         ids=[c[0] for c in CONSTRUCTORS])
def test_constructor(make):
    std = outcome(construct, make, load_impl("stdlib"))
    ours = outcome(construct, make, load_impl("cfutures"))
    same_ending(std, ours)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(BETTER_THAN_THE_STDLIB))
def test_constructor_where_the_stdlib_hangs(case):
    kind = case.split("-")[0]
    impl = load_impl("cfutures")
    make = impl.ThreadPoolExecutor if kind == "thread" else impl.ProcessPoolExecutor
    with pytest.raises(BETTER_THAN_THE_STDLIB[case], match="max_workers"):
        make(max_workers=NAN)


# ---- calls on a working pool: (id, pools, callable(impl, pool)) -------------
# ``pools`` names the kinds the case runs on: "thread", "process" or both.

def submit_then_result(*args, **kwargs):
    def case(impl, pool):
        return pool.submit(*args, **kwargs).result(timeout=LONG)
    return case


def map_then_list(*args, **kwargs):
    return lambda impl, pool: Lazy(pool.map(*args, **kwargs))


def with_a_pending_future(method, *args, **kwargs):
    """Calls ``method`` of a future the pool's gate holds back."""
    def case(impl, pool):
        gate = threading.Event()
        future = pool.submit(gate.wait, LONG) if pool_kind(pool) == "thread" \
            else impl.Future()
        try:
            return getattr(future, method)(*args, **kwargs)
        finally:
            gate.set()
    return case


def pool_kind(pool):
    return "thread" if "Thread" in type(pool).__name__ else "process"


BOTH = ("thread", "process")
POOL_CASES = [
    # submit
    ("submit-no-callable", BOTH, lambda impl, pool: pool.submit()),
    ("submit-int", BOTH, submit_then_result(5)),
    ("submit-none", BOTH, submit_then_result(None)),
    ("submit-fn-keyword", BOTH, lambda impl, pool: pool.submit(fn=abs)),
    ("submit-wrong-arity", BOTH, submit_then_result(abs, 1, 2)),
    ("submit-unknown-keyword", BOTH, submit_then_result(abs, -1, base=2)),
    ("submit-raising-eq-arg", BOTH, submit_then_result(type, RaisingEq())),
    ("submit-raising-hash-arg", BOTH, submit_then_result(type, RaisingHash())),
    ("submit-raising-repr-arg", BOTH, submit_then_result(type, RaisingRepr())),
    ("submit-raising-del-arg", BOTH, submit_then_result(type, RaisingDel())),
    ("submit-raising-reduce-arg", BOTH, submit_then_result(type, RaisingReduce())),
    ("submit-raising-reduce-kwarg", BOTH, submit_then_result(echo, value=RaisingReduce())),
    ("submit-unpicklable-callable", ("process",), submit_then_result(lambda: 1)),
    ("result-raising-reduce", BOTH, lambda impl, pool: type(
        pool.submit(return_it, RaisingReduce).result(timeout=LONG))),
    ("result-raising-repr", BOTH, lambda impl, pool: type(
        pool.submit(return_it, RaisingRepr).result(timeout=LONG))),
    ("result-raising-del", BOTH, lambda impl, pool: type(
        pool.submit(return_it, RaisingDel).result(timeout=LONG))),
    ("exception-raising-reduce", BOTH, submit_then_result(raise_it, ErrorRaisingReduce)),
    ("exception-raising-repr", BOTH, submit_then_result(raise_it, ErrorRaisingRepr)),
    # map
    ("map-not-iterable", BOTH, map_then_list(abs, 5)),
    ("map-no-iterables", BOTH, map_then_list(abs)),
    ("map-not-callable", BOTH, map_then_list(5, [1, 2])),
    ("map-timeout-str", BOTH, map_then_list(abs, [1], timeout="1")),
    # The item still runs when its result is asked for (the work is a short
    # sleep), so the wait, and its check of the timeout, really happens.
    ("map-timeout-negative", BOTH, map_then_list(time.sleep, [RUNNING], timeout=-1)),
    ("map-timeout-huge", BOTH, map_then_list(time.sleep, [RUNNING], timeout=1e300)),
    ("map-chunksize-zero", BOTH, map_then_list(abs, [1], chunksize=0)),
    ("map-chunksize-negative", BOTH, map_then_list(abs, [1], chunksize=-2)),
    ("map-chunksize-str", BOTH, map_then_list(abs, [1], chunksize="2")),
    ("map-chunksize-true", BOTH, map_then_list(abs, [-1, -2], chunksize=True)),
    ("map-iterable-raises", BOTH, lambda impl, pool: Lazy(
        pool.map(abs, (1 // 0 for _ in [1])))),
    ("map-raising-hash-items", BOTH, lambda impl, pool: Lazy(
        pool.map(type, [RaisingHash(), RaisingEq()]), summary=len)),
    ("map-raising-reduce-item", BOTH, lambda impl, pool: Lazy(
        pool.map(echo, [1, RaisingReduce(), 3]), summary=len)),
    ("map-unknown-keyword", BOTH, map_then_list(abs, [1], size=2)),
    # shutdown
    ("shutdown-positional-extra", BOTH, lambda impl, pool: pool.shutdown(True, False, 3)),
    ("shutdown-unknown-keyword", BOTH, lambda impl, pool: pool.shutdown(now=True)),
    # a pending future's methods
    ("result-timeout-str", ("thread",), with_a_pending_future("result", "1")),
    ("result-timeout-negative", ("thread",), with_a_pending_future("result", -1)),
    ("result-timeout-nan", ("thread",), with_a_pending_future("result", NAN)),
    ("result-timeout-huge", ("thread",), with_a_pending_future("result", 1e300)),
    ("result-timeout-inf", ("thread",), with_a_pending_future("result", math.inf)),
    ("result-timeout-huge-int", ("thread",), with_a_pending_future("result", HUGE)),
    ("exception-timeout-str", ("thread",), with_a_pending_future("exception", "1")),
    ("exception-timeout-zero", ("thread",), with_a_pending_future("exception", 0)),
    ("add-done-callback-int", ("thread",), with_a_pending_future("add_done_callback", 5)),
]
if PY314:
    POOL_CASES += [
        ("map-buffersize-zero", BOTH, map_then_list(abs, [1], buffersize=0)),
        ("map-buffersize-str", BOTH, map_then_list(abs, [1], buffersize="2")),
        ("map-buffersize-float", BOTH, map_then_list(abs, [1], buffersize=2.0)),
        ("map-buffersize-true", BOTH, map_then_list(abs, [1], buffersize=True)),
    ]


@pytest.fixture(scope="module")
def pools():
    """One pool of each kind per implementation, reused by every case (so a
    case that breaks a pool fails the next case's usability check)."""
    made = {}
    for name in ("stdlib", "cfutures"):
        impl = load_impl(name)
        made[name, "thread"] = impl.ThreadPoolExecutor(2)
        made[name, "process"] = impl.ProcessPoolExecutor(2)
    yield made
    for pool in made.values():
        pool.shutdown(wait=True, cancel_futures=True)


def pool_case_params():
    for case_id, kinds, case in POOL_CASES:
        for kind in kinds:
            yield pytest.param(kind, case, id=f"{kind}-{case_id}")


@pytest.mark.timeout(120)
# RaisingDel's __del__ raising is printed as ignored, as Python does.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("kind,case", list(pool_case_params()))
def test_pool_call(pools, kind, case):
    endings = {}
    for name in ("stdlib", "cfutures"):
        pool = pools[name, kind]
        endings[name] = outcome(case, load_impl(name), pool)
        # Still usable: a plain call, and a map.
        assert pool.submit(abs, -3).result(timeout=LONG) == 3
        assert list(pool.map(abs, [-1, -2], timeout=LONG)) == [1, 2]
    same_ending(endings["stdlib"], endings["cfutures"])


# ---- Future, wait and as_completed on their own ------------------------------

FUTURE_CASES = [
    ("set-result-twice", lambda impl: done_future(impl).set_result(2)),
    ("set-exception-after-result", lambda impl: done_future(impl).set_exception(ValueError())),
    ("set-exception-str-then-result", lambda impl: (
        lambda f: (f.set_exception("boom"), f.result(0)))(impl.Future())),
    ("set-exception-class-then-result", lambda impl: (
        lambda f: (f.set_exception(KeyError), f.result(0)))(impl.Future())),
    ("set-exception-none-then-result", lambda impl: (
        lambda f: (f.set_exception(None), f.result(0)))(impl.Future())),
    ("done-result-timeout-str", lambda impl: done_future(impl).result("x")),
    ("done-exception-timeout-str", lambda impl: done_future(impl).exception("x")),
    ("pending-result-zero", lambda impl: pending_future(impl).result(0)),
    ("pending-result-str", lambda impl: pending_future(impl).result("x")),
    ("pending-result-nan", lambda impl: pending_future(impl).result(NAN)),
    ("pending-result-huge", lambda impl: pending_future(impl).result(1e300)),
    ("running-twice", lambda impl: (
        lambda f: (f.set_running_or_notify_cancel(), f.set_running_or_notify_cancel())
    )(impl.Future())),
    ("done-callback-int", lambda impl: done_future(impl).add_done_callback(5)),
    ("done-callback-wrong-arity", lambda impl: done_future(impl).add_done_callback(abs)),
    ("done-callback-raises-trap", lambda impl: done_future(impl).add_done_callback(
        lambda f: RaisingRepr().__repr__())),
    ("result-raising-repr", lambda impl: type(done_future(impl, RaisingRepr()).result())),
    ("future-repr-of-bad-result", lambda impl: repr(done_future(impl, RaisingRepr()))[:1]),
    ("wait-not-iterable", lambda impl: impl.wait(5)),
    ("wait-not-futures", lambda impl: impl.wait([1, 2])),
    ("wait-none", lambda impl: impl.wait(None)),
    ("wait-empty-bad-return-when", lambda impl: impl.wait([], return_when="SOON")),
    ("wait-done-bad-return-when", lambda impl: len(impl.wait([done_future(impl)],
                                                             return_when="SOON")[0])),
    ("wait-pending-bad-return-when", lambda impl: impl.wait([pending_future(impl)],
                                                            return_when="SOON")),
    ("wait-timeout-str", lambda impl: impl.wait([pending_future(impl)], timeout="1")),
    ("wait-timeout-negative", lambda impl: len(impl.wait([pending_future(impl)],
                                                         timeout=-1)[1])),
    ("wait-timeout-nan", lambda impl: len(impl.wait([pending_future(impl)],
                                                    timeout=NAN)[1])),
    ("wait-raising-hash", lambda impl: impl.wait([RaisingHash()])),
    ("as-completed-not-iterable", lambda impl: Lazy(impl.as_completed(5))),
    ("as-completed-not-futures", lambda impl: Lazy(impl.as_completed([1, 2]))),
    ("as-completed-none", lambda impl: Lazy(impl.as_completed(None))),
    ("as-completed-timeout-str", lambda impl: Lazy(
        impl.as_completed([pending_future(impl)], timeout="1"))),
    ("as-completed-done-timeout-str", lambda impl: Lazy(
        impl.as_completed([done_future(impl)], timeout="1"), summary=len)),
    ("as-completed-timeout-negative", lambda impl: Lazy(
        impl.as_completed([pending_future(impl)], timeout=-1))),
    ("as-completed-raising-hash", lambda impl: Lazy(impl.as_completed([RaisingHash()]))),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", [c[1] for c in FUTURE_CASES],
                         ids=[c[0] for c in FUTURE_CASES])
def test_future_and_waiting(case):
    same_ending(outcome(case, load_impl("stdlib")),
                outcome(case, load_impl("cfutures")))


def test_the_cases_are_real():
    """Guards the table: most cases must raise on the stdlib, or this file
    would check little."""
    raised = sum(outcome(case, load_impl("stdlib"))[0] == "raised"
                 for _, case in FUTURE_CASES)
    assert raised >= len(FUTURE_CASES) // 2
    assert Trap.__name__ == "Trap"
