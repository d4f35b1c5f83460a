"""wait() and as_completed() of each implementation over its own futures."""
import gc
import threading
import weakref

import pytest

import concurrent.futures as STDLIB
from support import LONG, complete_later

FIRST_COMPLETED = STDLIB.FIRST_COMPLETED
FIRST_EXCEPTION = STDLIB.FIRST_EXCEPTION
ALL_COMPLETED = STDLIB.ALL_COMPLETED
RETURN_WHEN = [FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]


def futures(impl, *outcomes):
    """Futures in the given states: 'pending', 'running', 'result',
    'exception', 'cancelled' (cancelled and notified)."""
    fs = []
    for outcome in outcomes:
        f = impl.Future()
        if outcome == "running":
            f.set_running_or_notify_cancel()
        elif outcome == "result":
            f.set_result(outcome)
        elif outcome == "exception":
            f.set_exception(ValueError(outcome))
        elif outcome == "cancelled":
            f.cancel()
            f.set_running_or_notify_cancel()
        fs.append(f)
    return fs


class TestWait:
    def test_empty(self, impl):
        done, not_done = impl.wait([])
        assert done == set() and not_done == set()

    def test_named_tuple(self, impl):
        result = impl.wait(futures(impl, "result"))
        assert result.done == result[0] and result.not_done == result[1]

    @pytest.mark.parametrize("return_when", RETURN_WHEN)
    def test_all_done_already(self, impl, return_when):
        fs = futures(impl, "result", "exception", "cancelled")
        done, not_done = impl.wait(fs, timeout=LONG, return_when=return_when)
        assert done == set(fs) and not_done == set()

    @pytest.mark.parametrize("return_when", RETURN_WHEN)
    @pytest.mark.parametrize("timeout", [0, 0.01, -1])
    def test_timeout(self, impl, return_when, timeout):
        fs = futures(impl, "pending", "running", "result")
        done, not_done = impl.wait(fs, timeout=timeout, return_when=return_when)
        assert done == {fs[2]} and not_done == {fs[0], fs[1]}

    def test_first_completed_returns_done_at_once(self, impl):
        fs = futures(impl, "pending", "result", "exception")
        done, not_done = impl.wait(fs, return_when=FIRST_COMPLETED)
        assert done == {fs[1], fs[2]} and not_done == {fs[0]}

    def test_first_completed_blocks_until_one(self, impl):
        fs = futures(impl, "pending", "running", "pending")
        thread = complete_later([lambda: fs[1].set_result(1)], fs)
        done, not_done = impl.wait(fs, timeout=LONG,
                                   return_when=FIRST_COMPLETED)
        thread.join(LONG)
        assert done == {fs[1]} and not_done == {fs[0], fs[2]}

    def test_first_completed_counts_notified_cancel(self, impl):
        fs = futures(impl, "pending", "pending")
        fs[0].cancel()
        thread = complete_later([fs[0].set_running_or_notify_cancel], fs)
        done, not_done = impl.wait(fs, timeout=LONG,
                                   return_when=FIRST_COMPLETED)
        thread.join(LONG)
        assert done == {fs[0]} and not_done == {fs[1]}

    def test_first_exception_present_already(self, impl):
        fs = futures(impl, "pending", "exception", "result")
        done, not_done = impl.wait(fs, timeout=LONG,
                                   return_when=FIRST_EXCEPTION)
        assert done == {fs[1], fs[2]} and not_done == {fs[0]}

    def test_first_exception_waits_past_results(self, impl):
        fs = futures(impl, "result", "pending", "pending", "pending")
        thread = complete_later([lambda: fs[1].set_result(1),
                                 lambda: fs[2].set_exception(OSError())],
                                fs[1:])
        done, not_done = impl.wait(fs, timeout=LONG,
                                   return_when=FIRST_EXCEPTION)
        thread.join(LONG)
        assert done == {fs[0], fs[1], fs[2]} and not_done == {fs[3]}

    def test_first_exception_without_exception_is_all(self, impl):
        fs = futures(impl, "pending", "pending")
        thread = complete_later([lambda: fs[0].set_result(0),
                                 lambda: fs[1].set_result(1)], fs)
        done, not_done = impl.wait(fs, timeout=LONG,
                                   return_when=FIRST_EXCEPTION)
        thread.join(LONG)
        assert done == set(fs) and not_done == set()

    def test_first_exception_cancelled_is_not_an_exception(self, impl):
        fs = futures(impl, "cancelled", "pending")
        done, not_done = impl.wait(fs, timeout=0.01,
                                   return_when=FIRST_EXCEPTION)
        assert done == {fs[0]} and not_done == {fs[1]}

    def test_all_completed_blocks_until_all(self, impl):
        fs = futures(impl, "pending", "pending", "running", "result")
        fs[1].cancel()
        thread = complete_later([lambda: fs[0].set_exception(KeyError()),
                                 fs[1].set_running_or_notify_cancel,
                                 lambda: fs[2].set_result(2)], fs[:3])
        done, not_done = impl.wait(fs, timeout=LONG)
        thread.join(LONG)
        assert done == set(fs) and not_done == set()

    def test_duplicates(self, impl):
        a, b = futures(impl, "result", "pending")
        done, not_done = impl.wait([a, a, b, b], timeout=0)
        assert done == {a} and not_done == {b}

    def test_accepts_any_iterable(self, impl):
        fs = futures(impl, "result", "result")
        done, _ = impl.wait(iter(fs))
        assert done == set(fs)

    def test_invalid_return_when(self, impl):
        fs = futures(impl, "pending")
        with pytest.raises(ValueError):
            impl.wait(fs, timeout=0, return_when="NOT_A_MODE")

    def test_completed_between_yields(self, impl):
        # The pending future has as_completed's waiter (its only one) when
        # it is completed; it is yielded next, with no waiter left behind.
        done, pending = futures(impl, "result", "pending")
        iterator = impl.as_completed([pending, done], timeout=LONG)
        assert next(iterator) is done
        pending.set_result(2)
        assert next(iterator) is pending
        with pytest.raises(StopIteration):
            next(iterator)
        assert not pending._waiters and not done._waiters

    def test_result_waits_beside_as_completed(self, impl):
        done, pending = futures(impl, "result", "pending")
        iterator = impl.as_completed([pending, done], timeout=LONG)
        assert next(iterator) is done
        thread = complete_later([lambda: pending.set_result(3)], [pending])
        assert pending.result(timeout=LONG) == 3
        thread.join(LONG)
        assert list(iterator) == [pending]
        assert not pending._waiters

    def test_executor_futures(self, impl):
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            fs = [ex.submit(pow, i, 2) for i in range(50)]
            done, not_done = impl.wait(fs, timeout=LONG)
        assert done == set(fs) and not_done == set()

    def test_executor_first_exception(self, impl, gate):
        def fail():
            raise RuntimeError("x")
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            blocked = ex.submit(gate.task)
            failing = ex.submit(fail)
            done, not_done = impl.wait([blocked, failing], timeout=LONG,
                                       return_when=FIRST_EXCEPTION)
            assert done == {failing} and not_done == {blocked}
            gate.open()

    def test_waiters_removed(self, impl):
        fs = futures(impl, "pending", "pending")
        impl.wait(fs, timeout=0.01)
        impl.wait(fs, timeout=0.01, return_when=FIRST_COMPLETED)
        assert not fs[0]._waiters and not fs[1]._waiters

    def test_many_threads_wait_on_one_future(self, impl):
        f = impl.Future()
        started = threading.Barrier(5, timeout=LONG)
        results = []

        def waiter():
            started.wait()
            results.append(impl.wait([f], timeout=LONG).done == {f})
        threads = [threading.Thread(target=waiter) for _ in range(4)]
        for t in threads:
            t.start()
        started.wait()
        f.set_result(None)
        for t in threads:
            t.join(LONG)
        assert results == [True] * 4


class TestAsCompleted:
    def test_empty(self, impl):
        assert list(impl.as_completed([])) == []

    def test_done_ones_first(self, impl):
        fs = futures(impl, "result", "exception", "cancelled")
        assert set(impl.as_completed(fs, timeout=0)) == set(fs)

    def test_duplicates_yielded_once(self, impl):
        a, b = futures(impl, "result", "pending")
        thread = complete_later([lambda: b.set_result(1)], [b])
        seen = list(impl.as_completed([a, b, a, b, a], timeout=LONG))
        thread.join(LONG)
        assert seen == [a, b]

    def test_completion_order(self, impl):
        fs = futures(impl, "pending", "pending", "pending")
        order = []
        iterator = impl.as_completed(fs, timeout=LONG)
        for index in (2, 0, 1):
            thread = complete_later(
                [lambda i=index: fs[i].set_result(i)], [fs[index]])
            f = next(iterator)
            thread.join(LONG)
            order.append(f.result())
        assert order == [2, 0, 1]
        with pytest.raises(StopIteration):
            next(iterator)

    def test_timeout(self, impl):
        fs = futures(impl, "pending", "result", "pending")
        iterator = impl.as_completed(fs, timeout=0.01)
        assert next(iterator) is fs[1]
        with pytest.raises(STDLIB.TimeoutError) as info:
            next(iterator)
        assert str(info.value) == "2 (of 3) futures unfinished"

    def test_timeout_counts_unique_futures(self, impl):
        a, b = futures(impl, "pending", "result")
        iterator = impl.as_completed([a, a, b, b], timeout=0)
        assert next(iterator) is b
        with pytest.raises(STDLIB.TimeoutError,
                           match=r"^1 \(of 2\) futures unfinished$"):
            next(iterator)

    def test_timeout_with_nothing_done(self, impl):
        fs = futures(impl, "pending", "running")
        with pytest.raises(STDLIB.TimeoutError,
                           match=r"^2 \(of 2\) futures unfinished$"):
            list(impl.as_completed(fs, timeout=0.01))

    def test_timeout_covers_whole_iteration(self, impl):
        # The deadline runs from the call, not from each next().
        a, b = futures(impl, "pending", "pending")
        iterator = impl.as_completed([a, b], timeout=0.05)
        thread = complete_later([lambda: a.set_result(1)], [a])
        assert next(iterator) is a
        thread.join(LONG)
        with pytest.raises(STDLIB.TimeoutError):
            next(iterator)

    def test_waiters_removed_after_timeout_and_close(self, impl):
        fs = futures(impl, "pending", "pending")
        with pytest.raises(STDLIB.TimeoutError):
            list(impl.as_completed(fs, timeout=0.01))
        assert not fs[0]._waiters and not fs[1]._waiters
        fs2 = futures(impl, "result", "pending")
        iterator = impl.as_completed(fs2, timeout=LONG)
        next(iterator)
        iterator.close()
        assert not fs2[0]._waiters and not fs2[1]._waiters

    def test_executor_futures(self, impl):
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            fs = [ex.submit(pow, i, 2) for i in range(50)]
            results = sorted(f.result() for f in
                             impl.as_completed(fs, timeout=LONG))
        assert results == [i * i for i in range(50)]

    def test_yielded_futures_not_kept_alive(self, impl):
        done, pending = futures(impl, "result", "pending")
        iterator = impl.as_completed([done, pending], timeout=LONG)
        f = next(iterator)
        assert f is done
        ref = weakref.ref(f)
        del f, done
        gc.collect()
        assert ref() is None
        thread = complete_later([lambda p=pending: p.set_result(2)], [pending])
        f = next(iterator)
        thread.join(LONG)
        assert f is pending
        ref = weakref.ref(f)
        del f, pending, thread
        gc.collect()
        assert ref() is None
        with pytest.raises(StopIteration):
            next(iterator)

    def test_accepts_any_iterable(self, impl):
        fs = futures(impl, "result", "result")
        assert set(impl.as_completed(f for f in fs)) == set(fs)
