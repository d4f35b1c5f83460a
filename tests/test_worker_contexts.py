"""3.14's worker contexts, against the stdlib: ThreadPoolExecutor's
``**ctxkwargs`` and ``prepare_context``, and InterpreterPoolExecutor.

The whole module needs Python 3.14 or newer (the stdlib has neither
before); the test command runs it on 3.14 and 3.15.
"""
import operator
import sys
import threading

import pytest

from support import LONG

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 14),
    reason="worker contexts and InterpreterPoolExecutor are 3.14's")


def interpreter_pool(impl, *args, **kwargs):
    return impl.module.InterpreterPoolExecutor(*args, **kwargs)


class RecordingContext:
    """A WorkerContext that scales each result and records its life."""
    log = []
    lock = threading.Lock()

    def __init__(self, scale):
        self.scale = scale

    def initialize(self):
        with self.lock:
            self.log.append("initialize")

    def finalize(self):
        with self.lock:
            self.log.append("finalize")

    def run(self, task):
        fn, args, kwargs = task
        return self.scale * fn(*args, **kwargs)


def scaling_pool_class(impl):
    class ScalingPool(impl.ThreadPoolExecutor):
        @classmethod
        def prepare_context(cls, initializer, initargs, scale=1):
            def create_context():
                return RecordingContext(scale)
            def resolve_task(fn, args, kwargs):
                return (fn, args, kwargs)
            return create_context, resolve_task
    return ScalingPool


def test_ctxkwargs_reach_a_subclass_prepare_context(impl):
    RecordingContext.log.clear()
    with scaling_pool_class(impl)(max_workers=2, scale=10) as pool:
        futures = [pool.submit(operator.add, i, 1) for i in range(20)]
        assert [f.result(LONG) for f in futures] == [10 * (i + 1) for i in range(20)]
        threads = len(pool._threads)
    assert 1 <= threads <= 2
    log = RecordingContext.log
    assert log.count("initialize") == log.count("finalize") == threads


def test_unknown_ctxkwargs_are_a_type_error(impl):
    with pytest.raises(TypeError):
        impl.ThreadPoolExecutor(max_workers=2, bogus=1)


def test_max_workers_is_checked_before_the_context(impl):
    with pytest.raises(ValueError):
        impl.ThreadPoolExecutor(max_workers=0, bogus=1)


def test_a_subclass_context_runs_every_item_once(impl):
    RecordingContext.log.clear()
    pool = scaling_pool_class(impl)(max_workers=4, scale=2)
    try:
        assert list(pool.map(abs, range(-50, 50))) == [2 * abs(i) for i in range(-50, 50)]
    finally:
        pool.shutdown(wait=True)


def test_interpreter_pool_runs_calls(impl):
    with interpreter_pool(impl, max_workers=2) as pool:
        future = pool.submit(operator.mul, 6, 7)
        assert future.result(LONG) == 42
        assert list(pool.map(pow, [2, 3], [5, 2])) == [32, 9]
        if impl.accelerated:
            assert isinstance(future, impl.Future)


def test_interpreter_pool_raises_the_calls_exception(impl):
    with interpreter_pool(impl, max_workers=1) as pool:
        with pytest.raises(ValueError):
            pool.submit(int, "not a number").result(LONG)
        # The pool goes on.
        assert pool.submit(int, "5").result(LONG) == 5


def test_interpreter_pool_with_a_failing_initializer_is_broken(impl):
    broken_type = impl.module.InterpreterPoolExecutor.BROKEN
    assert broken_type.__name__ == "BrokenInterpreterPool"
    pool = interpreter_pool(impl, max_workers=1, initializer=int,
                            initargs=("not a number",))
    try:
        future = pool.submit(operator.add, 1, 2)
        with pytest.raises(broken_type):
            future.result(LONG)
        with pytest.raises(broken_type):
            pool.submit(operator.add, 1, 2)
    finally:
        pool.shutdown(wait=True)


def test_interpreter_pool_breaks_on_an_initializer_it_cannot_call(impl):
    # The stdlib takes it at construction; the worker's interpreter fails.
    broken_type = impl.module.InterpreterPoolExecutor.BROKEN
    pool = interpreter_pool(impl, max_workers=1, initializer=42)
    try:
        with pytest.raises(broken_type):
            pool.submit(abs, -1).result(LONG)
    finally:
        pool.shutdown(wait=True)


def test_interpreter_pool_is_the_stdlib_class_and_names_its_threads(impl):
    import concurrent.futures
    with interpreter_pool(impl, max_workers=1) as pool:
        assert isinstance(pool, concurrent.futures.InterpreterPoolExecutor)
        assert pool.submit(abs, -1).result(LONG) == 1
        (thread,) = pool._threads
        assert thread.name.startswith("InterpreterPoolExecutor-")


def test_interpreter_pool_is_public_as_in_the_stdlib():
    import cfutures
    import cfutures.interpreter
    assert "InterpreterPoolExecutor" in cfutures.__all__
    assert cfutures.interpreter.InterpreterPoolExecutor is cfutures.InterpreterPoolExecutor
    from concurrent.futures.interpreter import BrokenInterpreterPool
    assert cfutures.interpreter.BrokenInterpreterPool is BrokenInterpreterPool
