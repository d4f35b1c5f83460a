"""Executor.map of thread pools: Python 3.14 semantics (buffersize, early
close, what stays referenced) on every Python."""
import gc
import itertools
import threading
import weakref

import pytest

import concurrent.futures as STDLIB
from support import LONG, unblock_then_shut_down


class Box:
    """A result that can be weakly referenced."""

    def __init__(self, value):
        self.value = value


class CountingIterator:
    """Wraps an iterator and counts how many items were taken from it."""

    def __init__(self, iterable):
        self._it = iter(iterable)
        self.taken = 0
        self._lock = threading.Lock()

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._it)
        with self._lock:
            self.taken += 1
        return item


def fail_on(bad):
    """A task returning its argument, except that it raises
    ValueError(bad) for ``bad``."""
    def task(x):
        if x == bad:
            raise ValueError(x)
        return x
    return task


class TestBasics:
    def test_results_in_order(self, executor):
        assert list(executor.map(pow, range(50), itertools.repeat(2))) == \
            [i * i for i in range(50)]

    def test_order_kept_when_finishing_out_of_order(self, impl):
        # Task 0 finishes last: it waits until task 4 has run.
        last = threading.Event()

        def task(x):
            if x == 0:
                last.wait(LONG)
            elif x == 4:
                last.set()
            return x
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            assert list(ex.map(task, range(5), timeout=LONG)) == list(range(5))

    def test_multiple_iterables_zip_semantics(self, executor):
        assert list(executor.map(lambda a, b: a + b, [1, 2, 3], [10, 20])) \
            == [11, 22]

    def test_empty(self, executor):
        assert list(executor.map(pow, [], [])) == []

    def test_chunksize_is_accepted(self, executor):
        assert list(executor.map(str, range(10), chunksize=4)) == \
            [str(i) for i in range(10)]

    def test_submits_eagerly_without_buffersize(self, impl, gate):
        # Without buffersize, map() submits all the work before returning.
        it = CountingIterator(range(10))
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            results = ex.map(gate.task, it)
            assert it.taken == 10
            gate.open()
            assert list(results) == list(range(10))

    def test_exception_propagates_with_type(self, executor):
        results = executor.map(fail_on(3), range(6))
        assert [next(results) for _ in range(3)] == [0, 1, 2]
        with pytest.raises(ValueError) as info:
            next(results)
        assert info.value.args == (3,)
        # The generator is finished after raising.
        with pytest.raises(StopIteration):
            next(results)

    def test_base_exception_propagates(self, executor):
        class Custom(BaseException):
            pass

        def task(x):
            raise Custom(x)
        with pytest.raises(Custom):
            list(executor.map(task, [1]))

    def test_fn_not_called_in_caller_thread(self, executor):
        main = threading.current_thread()
        threads = list(executor.map(lambda _: threading.current_thread(),
                                    range(5)))
        assert main not in threads

    def test_map_after_shutdown(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        ex.shutdown()
        with pytest.raises(RuntimeError):
            ex.map(int, [1])


def ran_despite_timeout(impl, gate, consume, inputs, **map_kwargs):
    """Map ``gate.task`` over ``inputs`` on one worker with a short timeout;
    ``consume(results)`` must raise TimeoutError, the first task waiting
    at the closed gate.
    Returns the inputs that ran, once the pool has shut down."""
    with unblock_then_shut_down(impl.ThreadPoolExecutor(max_workers=1),
                                gate.open) as ex:
        results = ex.map(gate.task, inputs, timeout=0.05, **map_kwargs)
        with pytest.raises(STDLIB.TimeoutError):
            consume(results)
    return gate.ran


class TestTimeout:
    def test_timeout(self, impl, gate):
        # The timed-out iteration cancelled what had not started.
        assert ran_despite_timeout(impl, gate, list, [1, 2, 3]) == [1]

    def test_timeout_after_some_results(self, impl, gate):
        with unblock_then_shut_down(impl.ThreadPoolExecutor(max_workers=1),
                                    gate.open) as ex:
            results = ex.map(gate.waiting_at(2), range(4), timeout=0.05)
            # Tasks 0 and 1 are done: their results come even after the
            # deadline has passed.
            assert gate.started.wait(LONG)
            assert next(results) == 0
            assert next(results) == 1
            with pytest.raises(STDLIB.TimeoutError):
                next(results)

    def test_generous_timeout(self, executor):
        assert list(executor.map(str, range(5), timeout=LONG)) == \
            ["0", "1", "2", "3", "4"]


class TestBuffersize:
    @pytest.mark.parametrize("buffersize", [2.0, "foo", 1.5])
    def test_type_error(self, executor, buffersize):
        with pytest.raises(TypeError):
            executor.map(str, range(3), buffersize=buffersize)

    @pytest.mark.parametrize("buffersize", [0, -1])
    def test_value_error(self, executor, buffersize):
        with pytest.raises(ValueError):
            executor.map(str, range(3), buffersize=buffersize)

    def test_validation_is_eager(self, executor):
        # Raised by the call itself, not on first next().
        it = CountingIterator(range(3))
        with pytest.raises(ValueError):
            executor.map(str, it, buffersize=0)
        assert it.taken == 0

    @pytest.mark.parametrize("buffersize", [1, 3])
    def test_endless_input(self, impl, buffersize):
        it = CountingIterator(itertools.count())
        submitted = []

        def task(x):
            submitted.append(x)
            return x * 2
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            results = ex.map(task, it, buffersize=buffersize)
            assert it.taken <= buffersize
            taken = []
            for k in range(1, 8):
                taken.append(next(results))
                # At most buffersize pending beyond what was yielded.
                assert it.taken <= k + buffersize, (k, it.taken)
            results.close()
        assert taken == [0, 2, 4, 6, 8, 10, 12]
        assert len(submitted) <= 7 + buffersize

    def test_buffersize_results_in_order(self, executor):
        assert list(executor.map(pow, range(30), itertools.repeat(2),
                                 buffersize=4)) == [i * i for i in range(30)]

    def test_buffersize_larger_than_input(self, executor):
        assert list(executor.map(str, range(3), buffersize=100)) == \
            ["0", "1", "2"]

    def test_buffersize_multiple_iterables(self, executor):
        assert list(executor.map(lambda a, b: a * b, itertools.count(),
                                 [1, 2, 3], buffersize=2)) == [0, 2, 6]

    def test_buffersize_with_timeout(self, impl, gate):
        assert ran_despite_timeout(impl, gate, next, itertools.count(),
                                   buffersize=2) == [0]

    def test_buffersize_none_is_eager(self, executor):
        it = CountingIterator(range(5))
        results = executor.map(str, it, buffersize=None)
        assert it.taken == 5
        assert list(results) == ["0", "1", "2", "3", "4"]


class TestClosingEarly:
    @staticmethod
    def _abandon_after_first(impl, gate, abandon):
        """Map over 10 items on one worker; once task 1 waits at ``gate``,
        ``abandon`` the result iterator. Returns the items that ran."""
        with unblock_then_shut_down(impl.ThreadPoolExecutor(max_workers=1),
                                    gate.open) as ex:
            results = ex.map(gate.waiting_at(1), range(10))
            assert next(results) == 0
            assert gate.started.wait(LONG)
            abandon(results)
            del results
            gc.collect()
        return gate.ran

    def test_close_cancels_the_rest(self, impl, gate):
        ran = self._abandon_after_first(impl, gate,
                                        lambda results: results.close())
        # Task 1 was running and finished; 2..9 never ran.
        assert ran == [0, 1]

    def test_del_cancels_the_rest(self, impl, gate):
        # The helper drops the last reference, then collects.
        ran = self._abandon_after_first(impl, gate, lambda results: None)
        assert ran == [0, 1]

    def test_close_with_buffersize_stops_consuming(self, impl):
        it = CountingIterator(itertools.count())
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            results = ex.map(str, it, buffersize=3)
            assert next(results) == "0"
            results.close()
            taken = it.taken
            ex.submit(int).result(LONG)
        assert it.taken == taken <= 4

    def test_exception_cancels_the_rest(self, impl, gate):
        # Task 0 fails; task 1 waits at the gate.
        task = gate.waiting_at(1, result=fail_on(0))
        with unblock_then_shut_down(impl.ThreadPoolExecutor(max_workers=1),
                                    gate.open) as ex:
            results = ex.map(task, range(10))
            with pytest.raises(ValueError):
                next(results)
        # Task 1 may have started before the error was seen; no more.
        assert gate.ran in ([0], [0, 1])


class TestReferences:
    @pytest.mark.parametrize("buffersize", [None, 2])
    def test_yielded_results_not_kept_alive(self, impl, gate, buffersize):
        # With a buffersize the inputs may be endless.
        inputs = range(3) if buffersize is None else itertools.count()
        with unblock_then_shut_down(impl.ThreadPoolExecutor(max_workers=1),
                                    gate.open) as ex:
            results = ex.map(gate.waiting_at(1, result=Box), inputs,
                             buffersize=buffersize)
            box = next(results)
            assert box.value == 0
            # The worker is on task 1, so it let go of task 0 entirely.
            assert gate.started.wait(LONG)
            ref = weakref.ref(box)
            del box
            gc.collect()
            assert ref() is None, gc.get_referrers(ref())
            gate.open()
            if buffersize is None:
                assert [b.value for b in results] == [1, 2]
            else:
                assert next(results).value == 1
                results.close()

    def test_raised_exception_not_kept_alive(self, impl):
        class Error(Exception):
            pass

        def task(x):
            raise Error(x)
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            results = ex.map(task, [0])
            try:
                next(results)
            except Error as exc:
                ref = weakref.ref(exc)
            # Wait for the worker to move on from the failed item.
            ex.submit(int).result(LONG)
            gc.collect()
            assert ref() is None

    def test_map_iterator_does_not_keep_executor_alive(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        results = ex.map(str, itertools.count(), buffersize=2)
        assert next(results) == "0"
        ref = weakref.ref(ex)
        del ex
        gc.collect()
        assert ref() is None
        # With the executor gone, no more work is submitted: the buffered
        # results still come, then the iterator ends.
        assert list(results) == ["1", "2"]
