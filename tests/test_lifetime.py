"""What the implementations keep alive, and for how long; tracebacks;
re-entrant calls from callbacks and tasks; subclassing; signals while
blocked; timeouts of the wrong type."""
import gc
import signal
import threading
import traceback
import weakref

import pytest

import concurrent.futures as STDLIB
from support import LONG, is_waited_on, wait_until


class Blob:
    pass


class TestReferences:
    def test_arguments_released_after_run(self, impl):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            arg, kwarg = Blob(), Blob()
            refs = [weakref.ref(arg), weakref.ref(kwarg)]
            f = ex.submit(lambda a, b: None, arg, b=kwarg)
            del arg, kwarg
            f.result(LONG)
            # The single worker has moved on once a later task has run.
            ex.submit(int).result(LONG)
            gc.collect()
            assert [r() for r in refs] == [None, None]

    def test_fn_released_after_run(self, impl):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            class Callable:
                def __call__(self):
                    return 1
            fn = Callable()
            ref = weakref.ref(fn)
            f = ex.submit(fn)
            del fn
            assert f.result(LONG) == 1
            ex.submit(int).result(LONG)
            gc.collect()
            assert ref() is None

    def test_result_lives_only_as_long_as_its_future(self, impl):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            f = ex.submit(Blob)
            ref = weakref.ref(f.result(LONG))
            ex.submit(int).result(LONG)
            gc.collect()
            assert ref() is not None
            del f
            gc.collect()
            assert ref() is None

    def test_cancelled_work_released(self, impl, gate):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            ex.submit(gate.task)
            assert gate.started.wait(LONG)
            arg = Blob()
            ref = weakref.ref(arg)
            f = ex.submit(id, arg)
            del arg
            ex.shutdown(wait=False, cancel_futures=True)
            assert f.cancelled()
            gate.open()
        gc.collect()
        assert ref() is None

    def test_future_supports_weakref_and_attributes(self, impl):
        f = impl.Future()
        f.tag = "mine"
        assert f.tag == "mine" and weakref.ref(f)() is f


class TestTracebacks:
    def test_traceback_includes_the_task(self, executor):
        def failing_task():
            raise LookupError("x")
        error = executor.submit(failing_task).exception(LONG)
        names = [frame.name for frame in
                 traceback.extract_tb(error.__traceback__)]
        assert "failing_task" in names

    def test_result_reraises_same_object(self, executor):
        def failing_task():
            raise LookupError("x")
        f = executor.submit(failing_task)
        with pytest.raises(LookupError) as first:
            f.result(LONG)
        with pytest.raises(LookupError) as second:
            f.result(LONG)
        assert first.value is second.value is f.exception()


class TestReentrancy:
    def test_callback_calls_result_and_wait(self, impl):
        f = impl.Future()
        seen = []

        def callback(fut):
            seen.append(fut.result(timeout=0))
            seen.append(impl.wait([fut], timeout=0).done == {fut})
            seen.append(STDLIB.wait([fut], timeout=0).done == {fut})
            seen.append(fut.cancel())
        f.add_done_callback(callback)
        f.set_result("r")
        assert seen == ["r", True, True, False]

    def test_callback_submits_work(self, impl):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            chained = []
            done = threading.Event()

            def callback(fut):
                chained.append(ex.submit(pow, fut.result(), 2))
                done.set()
            ex.submit(int, "7").add_done_callback(callback)
            assert done.wait(LONG)
            assert chained[0].result(LONG) == 49

    def test_task_waits_on_another_task(self, impl):
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            first = ex.submit(pow, 3, 3)
            second = ex.submit(lambda: first.result(LONG) + 1)
            assert second.result(LONG) == 28


class TestSubclassing:
    def test_thread_pool_subclass_submit_override(self, impl):
        class Counting(impl.ThreadPoolExecutor):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.submitted = 0

            def submit(self, fn, /, *args, **kwargs):
                self.submitted += 1
                return super().submit(fn, *args, **kwargs)
        with Counting(max_workers=2) as ex:
            assert list(ex.map(str, range(5))) == ["0", "1", "2", "3", "4"]
            assert ex.submitted == 5
            assert ex.submit(int, "3").result(LONG) == 3
            assert ex.submitted == 6

    def test_thread_pool_subclass_attributes(self, impl):
        class Tagged(impl.ThreadPoolExecutor):
            pass
        with Tagged(max_workers=1) as ex:
            ex.tag = "x"
            assert ex.tag == "x"
            assert ex.submit(int).result(LONG) == 0

    def test_custom_executor_gets_map_and_context_manager(self, impl):
        class Inline(impl.Executor):
            def __init__(self):
                self.calls = 0
                self.closed = False

            def submit(self, fn, /, *args, **kwargs):
                self.calls += 1
                f = impl.Future()
                f.set_running_or_notify_cancel()
                try:
                    f.set_result(fn(*args, **kwargs))
                except BaseException as exc:
                    f.set_exception(exc)
                return f

            def shutdown(self, wait=True, *, cancel_futures=False):
                self.closed = True
        with Inline() as ex:
            results = ex.map(pow, range(100), [2] * 100, buffersize=3)
            assert [next(results) for _ in range(4)] == [0, 1, 4, 9]
            assert ex.calls <= 4 + 3
            results.close()
        assert ex.closed

    def test_base_executor_submit_not_implemented(self, impl):
        with pytest.raises(NotImplementedError):
            impl.Executor().submit(int)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"),
                    reason="needs pthread_kill")
class TestSignals:
    """A blocked main thread runs signal handlers; an exception raised by
    one ends the blocking call, as with the stdlib."""

    class Interrupted(Exception):
        pass

    @pytest.fixture
    def interrupt_when_waiting(self):
        def handler(signum, frame):
            raise self.Interrupted
        previous = signal.signal(signal.SIGUSR1, handler)
        threads = []

        def arm(future):
            main = threading.main_thread().ident

            def send():
                wait_until(lambda: is_waited_on(future))
                signal.pthread_kill(main, signal.SIGUSR1)
            t = threading.Thread(target=send)
            t.start()
            threads.append(t)
        yield arm
        for t in threads:
            t.join(LONG)
        signal.signal(signal.SIGUSR1, previous)

    @pytest.mark.parametrize("timeout", [None, LONG])
    def test_result(self, impl, interrupt_when_waiting, timeout):
        assert threading.current_thread() is threading.main_thread()
        f = impl.Future()
        interrupt_when_waiting(f)
        with pytest.raises(self.Interrupted):
            f.result(timeout)
        assert not f._waiters
        f.set_result(5)
        assert f.result(0) == 5

    def test_wait(self, impl, interrupt_when_waiting):
        f = impl.Future()
        interrupt_when_waiting(f)
        with pytest.raises(self.Interrupted):
            impl.wait([f])
        # (The stdlib's wait() leaves its waiter behind here, so whether
        # it is removed is not checked.)
        f.set_result(1)
        assert impl.wait([f], timeout=LONG).done == {f}

    def test_as_completed(self, impl, interrupt_when_waiting):
        f = impl.Future()
        interrupt_when_waiting(f)
        with pytest.raises(self.Interrupted):
            next(impl.as_completed([f]))
        gc.collect()
        assert not f._waiters

    def test_handler_without_exception_keeps_waiting(self, impl):
        calls = []
        previous = signal.signal(signal.SIGUSR1,
                                 lambda *args: calls.append(1))
        try:
            f = impl.Future()
            main = threading.main_thread().ident

            def send_then_complete():
                wait_until(lambda: is_waited_on(f))
                signal.pthread_kill(main, signal.SIGUSR1)
                wait_until(lambda: calls)
                f.set_result("after signal")
            t = threading.Thread(target=send_then_complete)
            t.start()
            assert f.result(LONG) == "after signal"
            t.join(LONG)
            assert calls == [1]
        finally:
            signal.signal(signal.SIGUSR1, previous)


class TestTimeoutArgument:
    @pytest.mark.parametrize("method", ["result", "exception"])
    def test_bad_timeout_type(self, impl, method):
        f = impl.Future()
        with pytest.raises(TypeError):
            getattr(f, method)(timeout="1")
