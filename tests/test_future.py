"""Future on its own: states, results, cancelling, invalid transitions,
timeouts, callbacks, repr, subclassing."""
import gc
import logging
import re
import sys
import threading
import weakref

import pytest

import concurrent.futures as STDLIB
from support import LONG


def done_future(impl, result=None, exception=None):
    """A finished Future of impl: raised ``exception`` if given, else
    returned ``result``."""
    f = impl.Future()
    if exception is not None:
        f.set_exception(exception)
    else:
        f.set_result(result)
    return f


def cancelled_future(impl, notified):
    """A cancelled Future of impl; ``notified``: its
    set_running_or_notify_cancel() has run too, as a worker's would."""
    f = impl.Future()
    f.cancel()
    if notified:
        f.set_running_or_notify_cancel()
    return f


class TestStates:
    def test_new_future_is_pending(self, impl):
        f = impl.Future()
        assert not f.done() and not f.running() and not f.cancelled()

    def test_running(self, impl):
        f = impl.Future()
        assert f.set_running_or_notify_cancel() is True
        assert f.running() and not f.done() and not f.cancelled()

    def test_finished(self, impl):
        f = done_future(impl, 5)
        assert f.done() and not f.running() and not f.cancelled()
        assert f.result() == 5 and f.exception() is None

    def test_finished_with_exception(self, impl):
        error = ValueError("boom")
        f = done_future(impl, exception=error)
        assert f.done() and not f.cancelled()
        assert f.exception() is error
        with pytest.raises(ValueError) as info:
            f.result()
        assert info.value is error

    def test_result_none_is_a_result(self, impl):
        f = done_future(impl, None)
        assert f.result() is None and f.exception() is None

    def test_exception_as_result_value(self, impl):
        # An exception object passed to set_result is a plain value.
        error = KeyError("x")
        f = done_future(impl, error)
        assert f.result() is error and f.exception() is None


class TestCancel:
    def test_cancel_pending(self, impl):
        f = impl.Future()
        assert f.cancel() is True
        assert f.cancelled() and f.done() and not f.running()
        with pytest.raises(STDLIB.CancelledError):
            f.result()
        with pytest.raises(STDLIB.CancelledError):
            f.exception()
        # Again: still cancelled, still True.
        assert f.cancel() is True

    def test_cancel_running(self, impl):
        f = impl.Future()
        f.set_running_or_notify_cancel()
        assert f.cancel() is False
        assert f.running() and not f.cancelled()
        f.set_result(1)
        assert f.result() == 1

    def test_cancel_finished(self, impl):
        f = done_future(impl, 1)
        assert f.cancel() is False
        assert not f.cancelled() and f.result() == 1

    def test_notify_cancel(self, impl):
        f = impl.Future()
        f.cancel()
        assert f.set_running_or_notify_cancel() is False
        assert f.cancelled() and f.done()
        with pytest.raises(STDLIB.CancelledError):
            f.result(timeout=0)

    def test_cancel_wakes_result_waiter(self, impl):
        f = impl.Future()
        outcome = []
        started = threading.Event()

        def waiter():
            started.set()
            try:
                f.result(timeout=LONG)
            except BaseException as exc:
                outcome.append(type(exc))
        thread = threading.Thread(target=waiter)
        thread.start()
        assert started.wait(LONG)
        f.cancel()
        thread.join(LONG)
        assert outcome == [STDLIB.CancelledError]


class TestInvalidState:
    def test_set_result_twice(self, impl):
        f = done_future(impl, 1)
        with pytest.raises(STDLIB.InvalidStateError):
            f.set_result(2)
        assert f.result() == 1

    def test_set_exception_after_result(self, impl):
        f = done_future(impl, 1)
        with pytest.raises(STDLIB.InvalidStateError):
            f.set_exception(ValueError())
        assert f.result() == 1 and f.exception() is None

    def test_set_result_after_exception(self, impl):
        f = done_future(impl, exception=ValueError())
        with pytest.raises(STDLIB.InvalidStateError):
            f.set_result(1)
        assert isinstance(f.exception(), ValueError)

    @pytest.mark.parametrize("notified", [False, True])
    def test_set_result_after_cancel(self, impl, notified):
        f = cancelled_future(impl, notified)
        with pytest.raises(STDLIB.InvalidStateError):
            f.set_result(1)
        with pytest.raises(STDLIB.InvalidStateError):
            f.set_exception(ValueError())
        assert f.cancelled()

    def test_set_running_twice(self, impl):
        f = impl.Future()
        f.set_running_or_notify_cancel()
        with pytest.raises(RuntimeError):
            f.set_running_or_notify_cancel()
        assert f.running()

    def test_set_running_after_finish(self, impl):
        f = done_future(impl, 1)
        with pytest.raises(RuntimeError):
            f.set_running_or_notify_cancel()
        assert f.result() == 1

    def test_set_running_after_notified_cancel(self, impl):
        f = impl.Future()
        f.cancel()
        assert f.set_running_or_notify_cancel() is False
        with pytest.raises(RuntimeError):
            f.set_running_or_notify_cancel()


class TestTimeouts:
    @pytest.mark.parametrize("timeout", [0, 0.01, -1])
    def test_result_timeout(self, impl, timeout):
        f = impl.Future()
        with pytest.raises(STDLIB.TimeoutError):
            f.result(timeout=timeout)
        assert not f.done()

    @pytest.mark.parametrize("timeout", [0, 0.01, -1])
    def test_exception_timeout(self, impl, timeout):
        f = impl.Future()
        with pytest.raises(STDLIB.TimeoutError):
            f.exception(timeout=timeout)

    def test_running_future_times_out(self, impl):
        f = impl.Future()
        f.set_running_or_notify_cancel()
        with pytest.raises(STDLIB.TimeoutError):
            f.result(timeout=0.01)

    @pytest.mark.skipif(sys.version_info < (3, 11),
                        reason="an alias of the builtin from 3.11")
    def test_builtin_timeout_error(self, impl):
        with pytest.raises(TimeoutError):
            impl.Future().result(timeout=0)

    @pytest.mark.parametrize("method", ["result", "exception"])
    def test_result_from_other_thread(self, impl, method):
        f = impl.Future()
        started = threading.Event()
        got = []

        def waiter():
            started.set()
            got.append(getattr(f, method)(timeout=LONG))
        threads = [threading.Thread(target=waiter) for _ in range(3)]
        for t in threads:
            t.start()
        assert started.wait(LONG)
        error = OSError("x")
        if method == "result":
            f.set_result("value")
        else:
            f.set_exception(error)
        for t in threads:
            t.join(LONG)
        assert got == (["value"] * 3 if method == "result" else [error] * 3)

    def test_timeout_accepts_int_and_float(self, impl):
        f = done_future(impl, 3)
        assert f.result(1) == 3 and f.result(0.5) == 3 and f.result(None) == 3


class TestCallbacks:
    def test_done_future_runs_callback_at_once_in_order(self, impl):
        f = done_future(impl, 1)
        calls = []
        for i in range(3):
            f.add_done_callback(lambda fut, i=i: calls.append((i, fut)))
            assert len(calls) == i + 1
        assert calls == [(0, f), (1, f), (2, f)]

    def test_callbacks_run_on_completion_in_order(self, impl):
        f = impl.Future()
        calls = []
        for i in range(5):
            f.add_done_callback(lambda fut, i=i: calls.append(i))
        assert calls == []
        f.set_result(None)
        assert calls == [0, 1, 2, 3, 4]

    @pytest.mark.parametrize("how", ["result", "exception", "cancel"])
    def test_callback_sees_done_future(self, impl, how):
        f = impl.Future()
        seen = []
        f.add_done_callback(lambda fut: seen.append(
            (fut is f, fut.done(), fut.cancelled())))
        if how == "result":
            f.set_result(1)
        elif how == "exception":
            f.set_exception(ValueError())
        else:
            f.cancel()
        assert seen == [(True, True, how == "cancel")]

    def test_callbacks_run_once(self, impl):
        f = impl.Future()
        calls = []
        f.add_done_callback(calls.append)
        f.cancel()
        f.set_running_or_notify_cancel()
        f.cancel()
        assert calls == [f]

    def test_same_callback_twice(self, impl):
        f = impl.Future()
        calls = []
        f.add_done_callback(calls.append)
        f.add_done_callback(calls.append)
        f.set_result(None)
        assert calls == [f, f]

    def test_callback_in_completing_thread(self, impl):
        f = impl.Future()
        threads = []
        f.add_done_callback(
            lambda fut: threads.append(threading.current_thread()))
        t = threading.Thread(target=f.set_result, args=(1,))
        t.start()
        t.join(LONG)
        assert threads == [t]

    @pytest.mark.parametrize("when", ["before", "after"])
    def test_raising_callback_is_logged_and_rest_run(self, impl, caplog, when):
        caplog.set_level(logging.ERROR, logger="concurrent.futures")
        f = impl.Future()
        calls = []

        def bad(fut):
            raise ZeroDivisionError("callback failed")
        callbacks = [lambda fut: calls.append(1), bad,
                     lambda fut: calls.append(3)]
        if when == "before":
            for cb in callbacks:
                f.add_done_callback(cb)
            f.set_result(None)
        else:
            f.set_result(None)
            for cb in callbacks:
                f.add_done_callback(cb)
        assert calls == [1, 3]
        records = [r for r in caplog.records
                   if r.name == "concurrent.futures"]
        assert len(records) == 1
        record = records[0]
        assert record.levelno == logging.ERROR
        assert record.exc_info[0] is ZeroDivisionError
        assert record.getMessage() == f"exception calling callback for {f!r}"

    def test_base_exception_in_callback_propagates(self, impl):
        # Only Exception is caught and logged, as in the stdlib.
        class Stop(BaseException):
            pass
        f = done_future(impl, 1)

        def stop(fut):
            raise Stop
        with pytest.raises(Stop):
            f.add_done_callback(stop)

    def test_callback_may_add_callback(self, impl):
        f = impl.Future()
        calls = []

        def first(fut):
            calls.append("first")
            fut.add_done_callback(lambda fut: calls.append("nested"))
        f.add_done_callback(first)
        f.set_result(None)
        assert calls == ["first", "nested"]


def expected_repr(f, state):
    """The stdlib Future's repr for ``f`` in ``state``."""
    return "<%s at %#x state=%s>" % (type(f).__name__, id(f), state)


class TestRepr:
    def test_pending(self, impl):
        f = impl.Future()
        assert repr(f) == expected_repr(f, "pending")

    def test_running(self, impl):
        f = impl.Future()
        f.set_running_or_notify_cancel()
        assert repr(f) == expected_repr(f, "running")

    @pytest.mark.parametrize("notified", [False, True])
    def test_cancelled(self, impl, notified):
        f = cancelled_future(impl, notified)
        assert repr(f) == expected_repr(f, "cancelled")

    def test_returned(self, impl):
        f = done_future(impl, [1])
        assert repr(f) == expected_repr(f, "finished returned list")

    def test_returned_none(self, impl):
        f = done_future(impl, None)
        assert repr(f) == expected_repr(f, "finished returned NoneType")

    def test_raised(self, impl):
        f = done_future(impl, exception=KeyError("k"))
        assert repr(f) == expected_repr(f, "finished raised KeyError")

    def test_class_name(self, impl):
        assert type(impl.Future()).__name__ == "Future"

    def test_matches_stdlib_repr(self, impl):
        ours, theirs = impl.Future(), STDLIB.Future()
        ours.set_result(1)
        theirs.set_result(1)
        pattern = lambda f: re.sub(r"0x[0-9a-f]+", "ADDR", repr(f))
        assert pattern(ours) == pattern(theirs)


class TestSubclassing:
    def test_subclass(self, impl):
        class MyFuture(impl.Future):
            def extra(self):
                return "extra"
        f = MyFuture()
        f.set_result(2)
        assert f.result() == 2 and f.extra() == "extra"
        assert repr(f).startswith("<MyFuture at ")

    def test_subclass_init_and_new_run(self, impl):
        calls = []

        class WithInit(impl.Future):
            def __init__(self, tag, *, extra=None):
                super().__init__()
                calls.append(("init", tag, extra))

        class WithNew(impl.Future):
            def __new__(cls, *args):
                calls.append(("new", args))
                return super().__new__(cls)

            def __init__(self, *args):
                super().__init__()

        f = WithInit("a", extra=1)
        g = WithNew(1, 2)
        assert calls == [("init", "a", 1), ("new", (1, 2))]
        f.set_result(3)
        g.set_exception(KeyError("k"))
        assert f.result() == 3 and isinstance(g.exception(), KeyError)

    def test_subclass_overrides_methods(self, impl):
        class Counting(impl.Future):
            results = 0

            def set_result(self, result):
                type(self).results += 1
                super().set_result(result * 2)

        f = Counting()
        f.set_result(4)
        assert f.result() == 8 and Counting.results == 1

    @pytest.mark.parametrize("args, kwargs", [((1,), {}), ((), {"x": 1})])
    def test_constructor_arguments_rejected(self, impl, args, kwargs):
        with pytest.raises(TypeError):
            STDLIB.Future(*args, **kwargs)
        with pytest.raises(TypeError):
            impl.Future(*args, **kwargs)

    def test_attributes_and_weakrefs(self, impl):
        # Programs tag futures with their input and keep weak maps of them.
        f = impl.Future()
        f.index = 7
        ref = weakref.ref(f)
        assert f.index == 7 and ref() is f
        del f
        gc.collect()
        assert ref() is None

    def test_methods_called_through_the_class(self, impl):
        f = impl.Future()
        impl.Future.set_running_or_notify_cancel(f)
        impl.Future.set_result(f, 5)
        assert impl.Future.result(f, timeout=0) == 5 and impl.Future.done(f)


class TestSnapshot:
    """_get_snapshot(): 3.15's one-read state that asyncio copies from."""

    @pytest.fixture(autouse=True)
    def needs_snapshot(self, impl):
        if not hasattr(impl.Future, "_get_snapshot"):
            pytest.skip("this Python's stdlib Future has no _get_snapshot")

    def test_pending_and_running(self, impl):
        f = impl.Future()
        assert f._get_snapshot() == (False, False, None, None)
        f.set_running_or_notify_cancel()
        assert f._get_snapshot() == (False, False, None, None)

    def test_result(self, impl):
        assert done_future(impl, 42)._get_snapshot() == (True, False, 42, None)

    def test_exception(self, impl):
        error = ValueError("boom")
        snapshot = done_future(impl, exception=error)._get_snapshot()
        assert snapshot == (True, False, None, error)
        assert snapshot[3] is error

    @pytest.mark.parametrize("notified", [False, True])
    def test_cancelled(self, impl, notified):
        f = cancelled_future(impl, notified)
        assert f._get_snapshot() == (True, True, None, None)


class TestAsyncioCopiesState:
    """asyncio.wrap_future and run_in_executor copy a future's outcome."""

    @pytest.mark.parametrize("outcome", ["result", "exception", "cancel"])
    def test_wrap_future(self, impl, outcome):
        import asyncio

        async def main():
            f = impl.Future()
            wrapped = asyncio.wrap_future(f)
            if outcome == "result":
                f.set_result(7)
                return await asyncio.wait_for(wrapped, LONG)
            if outcome == "exception":
                f.set_exception(KeyError("k"))
                with pytest.raises(KeyError):
                    await asyncio.wait_for(wrapped, LONG)
                return "raised"
            f.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(wrapped, LONG)
            return "cancelled"

        expected = {"result": 7, "exception": "raised", "cancel": "cancelled"}
        assert asyncio.run(main()) == expected[outcome]

    def test_wrap_future_of_a_done_future(self, impl):
        import asyncio

        async def main():
            return await asyncio.wait_for(
                asyncio.wrap_future(done_future(impl, "done")), LONG)

        assert asyncio.run(main()) == "done"

    def test_run_in_executor(self, impl):
        import asyncio

        async def main():
            loop = asyncio.get_running_loop()
            with impl.ThreadPoolExecutor(2) as pool:
                results = await asyncio.wait_for(asyncio.gather(
                    *[loop.run_in_executor(pool, abs, -i) for i in range(200)]),
                    LONG)
            return results

        assert asyncio.run(main()) == list(range(200))
