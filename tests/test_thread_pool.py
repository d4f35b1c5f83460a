"""ThreadPoolExecutor: submit(), cancelling work, constructor checks, the
initializer, shutdown() and what a collected pool leaves behind."""
import gc
import threading
import weakref

import pytest

import concurrent.futures as STDLIB
from concurrent.futures.thread import BrokenThreadPool
from support import LONG


class CustomBaseException(BaseException):
    """A BaseException that is neither SystemExit nor KeyboardInterrupt."""


def fail(exc):
    raise exc


def assert_broken(pool, futures):
    """Each of ``futures`` failed with BrokenThreadPool, and ``pool``
    refuses new work."""
    for f in futures:
        with pytest.raises(BrokenThreadPool):
            f.result(LONG)
    with pytest.raises(BrokenThreadPool):
        pool.submit(int)


class TestSubmit:
    def test_result(self, executor):
        assert executor.submit(pow, 2, 10).result(LONG) == 1024

    def test_many(self, executor):
        fs = [executor.submit(pow, i, 2) for i in range(200)]
        assert [f.result(LONG) for f in fs] == [i * i for i in range(200)]

    def test_returns_impl_future(self, impl, executor):
        f = executor.submit(int)
        assert isinstance(f, impl.Future)
        assert isinstance(f, STDLIB.Future)
        f.result(LONG)

    def test_kwargs(self, executor):
        def collect(*args, **kwargs):
            return args, kwargs
        f = executor.submit(collect, 1, 2, a=3, b=4)
        assert f.result(LONG) == ((1, 2), {"a": 3, "b": 4})

    def test_kwargs_named_like_parameters(self, executor):
        # submit's own parameters are positional-only: these pass through.
        def collect(**kwargs):
            return kwargs
        f = executor.submit(collect, fn=1, self=2, args=3, kwargs=4)
        assert f.result(LONG) == {"fn": 1, "self": 2, "args": 3, "kwargs": 4}

    def test_fn_as_keyword_is_rejected(self, executor):
        with pytest.raises(TypeError):
            executor.submit(fn=int)

    def test_no_args_is_rejected(self, executor):
        with pytest.raises(TypeError):
            executor.submit()

    def test_exception_propagates(self, executor):
        error = ValueError("task failed")
        f = executor.submit(fail, error)
        with pytest.raises(ValueError) as info:
            f.result(LONG)
        assert info.value is error
        assert f.exception() is error
        assert info.value.__traceback__ is not None

    def test_base_exception_propagates(self, executor):
        f = executor.submit(fail, CustomBaseException("base"))
        with pytest.raises(CustomBaseException):
            f.result(LONG)
        assert isinstance(f.exception(), CustomBaseException)
        # The worker survives it.
        assert executor.submit(pow, 3, 2).result(LONG) == 9

    def test_worker_survives_many_exceptions(self, impl):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            fs = [ex.submit(fail, KeyError(i)) for i in range(20)]
            for i, f in enumerate(fs):
                assert f.exception(LONG).args == (i,)
            assert ex.submit(str, 5).result(LONG) == "5"

    def test_non_callable_fails_the_future(self, executor):
        # Like the stdlib: submit accepts it; calling it fails.
        f = executor.submit(42)
        with pytest.raises(TypeError):
            f.result(LONG)

    def test_submit_from_a_task(self, executor):
        def outer():
            return executor.submit(pow, 5, 2)
        inner = executor.submit(outer).result(LONG)
        assert inner.result(LONG) == 25

    def test_submit_from_many_threads(self, impl):
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            barrier = threading.Barrier(4, timeout=LONG)
            results = [None] * 4

            def producer(k):
                barrier.wait()
                fs = [ex.submit(pow, k, i) for i in range(100)]
                results[k] = [f.result(LONG) for f in fs]
            threads = [threading.Thread(target=producer, args=(k,))
                       for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(LONG)
        assert results == [[k ** i for i in range(100)] for k in range(4)]

    def test_runs_concurrently_up_to_max_workers(self, impl):
        with impl.ThreadPoolExecutor(max_workers=3) as ex:
            barrier = threading.Barrier(3, timeout=LONG)
            fs = [ex.submit(barrier.wait) for _ in range(3)]
            assert sorted(f.result(LONG) for f in fs) == [0, 1, 2]

    def test_thread_count_bounded(self, impl):
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            names = {f.result(LONG) for f in [
                ex.submit(lambda: threading.current_thread().name)
                for _ in range(50)]}
        assert 1 <= len(names) <= 2

    def test_reuses_idle_worker(self, impl):
        # Sequential work on a big pool does not start a thread per task.
        with impl.ThreadPoolExecutor(max_workers=8) as ex:
            for _ in range(20):
                ex.submit(int).result(LONG)
            assert len(ex._threads) < 8


class TestCancel:
    def test_cancel_queued_and_running(self, impl, gate):
        with impl.ThreadPoolExecutor(max_workers=1) as ex:
            running = ex.submit(gate.task, "running")
            queued = ex.submit(gate.task, "queued")
            assert gate.started.wait(LONG)
            assert running.running()
            assert running.cancel() is False
            assert queued.cancel() is True
            assert queued.cancelled()
            with pytest.raises(STDLIB.CancelledError):
                queued.result(0)
            gate.open()
            assert running.result(LONG) == "running"
        assert gate.ran == ["running"]


class TestValidation:
    @pytest.mark.parametrize("max_workers", [0, -1])
    def test_max_workers(self, impl, max_workers):
        with pytest.raises(ValueError):
            impl.ThreadPoolExecutor(max_workers=max_workers)

    def test_float_max_workers(self, impl):
        # The stdlib accepts e.g. os.cpu_count() / 2 (a float).
        with impl.ThreadPoolExecutor(max_workers=4 / 2) as ex:
            barrier = threading.Barrier(2, timeout=LONG)
            fs = [ex.submit(barrier.wait) for _ in range(2)]
            assert sorted(f.result(LONG) for f in fs) == [0, 1]

    @pytest.mark.parametrize("max_workers", ["3", [1]])
    def test_max_workers_wrong_type(self, impl, max_workers):
        with pytest.raises(TypeError):
            impl.ThreadPoolExecutor(max_workers=max_workers)

    @pytest.mark.parametrize("initializer", [42, "not callable"])
    def test_initializer_not_callable(self, impl, initializer):
        with pytest.raises(TypeError):
            impl.ThreadPoolExecutor(max_workers=1, initializer=initializer)


class TestInitializer:
    def test_initializer_runs_once_per_thread(self, impl):
        calls = []
        local = threading.local()

        def init(tag):
            local.tag = tag
            calls.append(threading.current_thread().name)
        with impl.ThreadPoolExecutor(max_workers=2, initializer=init,
                                     initargs=("tagged",)) as ex:
            barrier = threading.Barrier(2, timeout=LONG)

            def task():
                barrier.wait()
                return local.tag
            fs = [ex.submit(task) for _ in range(2)]
            assert [f.result(LONG) for f in fs] == ["tagged", "tagged"]
            more = [ex.submit(lambda: local.tag) for _ in range(10)]
            assert all(f.result(LONG) == "tagged" for f in more)
        assert len(calls) == 2 and len(set(calls)) == 2

    def test_initargs_list(self, impl):
        seen = []
        with impl.ThreadPoolExecutor(max_workers=1, initializer=seen.extend,
                                     initargs=([1, 2],)) as ex:
            ex.submit(int).result(LONG)
        assert seen == [1, 2]

    def test_failing_initializer_breaks_the_pool(self, impl, caplog):
        started = threading.Event()
        release = threading.Event()

        def init():
            started.set()
            release.wait(LONG)
            raise OSError("init failed")
        ex = impl.ThreadPoolExecutor(max_workers=1, initializer=init)
        try:
            fs = [ex.submit(pow, i, 2) for i in range(5)]
            assert started.wait(LONG)
            release.set()
            assert_broken(ex, fs)
        finally:
            ex.shutdown(wait=True)
        assert any(r.name == "concurrent.futures" and r.levelname == "CRITICAL"
                   for r in caplog.records)

    def test_immediately_failing_initializer(self, impl):
        # Fails before submit() has returned, possibly: the future must
        # still fail (not hang), or submit must raise BrokenThreadPool.
        def init():
            raise OSError("init failed")
        for _ in range(20):
            ex = impl.ThreadPoolExecutor(max_workers=1, initializer=init)
            try:
                try:
                    f = ex.submit(int)
                except BrokenThreadPool:
                    continue
                assert_broken(ex, [f])
            finally:
                ex.shutdown(wait=True)

    def test_initializer_failing_in_second_thread(self, impl, gate):
        # Any failing initializer breaks the pool; work already running
        # elsewhere still completes.
        calls = []
        lock = threading.Lock()

        def init():
            with lock:
                calls.append(None)
                if len(calls) == 2:
                    raise OSError("second initializer failed")
        ex = impl.ThreadPoolExecutor(max_workers=2, initializer=init)
        try:
            running = ex.submit(gate.task, "first")
            assert gate.started.wait(LONG)
            # The only thread is busy: this starts the second one.
            doomed = ex.submit(int)
            assert_broken(ex, [doomed])
            gate.open()
            assert running.result(LONG) == "first"
        finally:
            gate.open()
            ex.shutdown(wait=True)

    def test_broken_message(self, impl):
        def init():
            raise OSError("init failed")
        ex = impl.ThreadPoolExecutor(max_workers=1, initializer=init)
        try:
            f = ex.submit(int)
            with pytest.raises(BrokenThreadPool) as info:
                f.result(LONG)
            assert "initializer failed" in str(info.value)
        finally:
            ex.shutdown()


class TestShutdown:
    def test_submit_after_shutdown(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        ex.submit(int).result(LONG)
        ex.shutdown()
        with pytest.raises(RuntimeError, match="after shutdown"):
            ex.submit(int)

    def test_submit_after_shutdown_unused_pool(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        ex.shutdown()
        with pytest.raises(RuntimeError):
            ex.submit(int)

    def test_shutdown_twice(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        ex.submit(int)
        ex.shutdown()
        ex.shutdown()
        ex.shutdown(wait=False, cancel_futures=True)

    def test_shutdown_waits_for_queued_work(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=2)
        fs = [ex.submit(pow, i, 2) for i in range(100)]
        ex.shutdown(wait=True)
        assert all(f.done() for f in fs)
        assert [f.result() for f in fs] == [i * i for i in range(100)]

    def test_shutdown_joins_threads(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=2)
        barrier = threading.Barrier(2, timeout=LONG)
        for _ in range(2):
            ex.submit(barrier.wait)
        threads = list(ex._threads)
        ex.shutdown(wait=True)
        assert threads and not any(t.is_alive() for t in threads)

    def test_cancel_futures(self, impl, gate):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        try:
            running = ex.submit(gate.task, "first")
            assert gate.started.wait(LONG)
            queued = [ex.submit(gate.task, i) for i in range(10)]
            ex.shutdown(wait=False, cancel_futures=True)
            assert all(f.cancelled() for f in queued)
            assert not running.cancelled()
            gate.open()
            assert running.result(LONG) == "first"
        finally:
            gate.open()
            ex.shutdown(wait=True)
        assert gate.ran == ["first"]
        for f in queued:
            with pytest.raises(STDLIB.CancelledError):
                f.result(0)

    def test_cancel_futures_and_wait(self, impl, gate):
        # As in the stdlib, shutdown(cancel_futures=True) cancels without
        # notifying: wait() only counts a cancelled future once the worker
        # has seen it, which never happens to these.
        ex = impl.ThreadPoolExecutor(max_workers=1)
        try:
            ex.submit(gate.task)
            assert gate.started.wait(LONG)
            queued = [ex.submit(int) for _ in range(3)]
            ex.shutdown(wait=False, cancel_futures=True)
            gate.open()
            done, not_done = impl.wait(queued, timeout=0.01)
            assert not done and not_done == set(queued)
            assert all(f.cancelled() and f.done() for f in queued)
        finally:
            gate.open()
            ex.shutdown()

    def test_cancel_futures_wakes_result_waiters(self, impl, gate):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        try:
            ex.submit(gate.task)
            assert gate.started.wait(LONG)
            queued = ex.submit(int)
            waiting = threading.Event()
            outcome = []

            def waiter():
                waiting.set()
                try:
                    queued.result(LONG)
                except BaseException as exc:
                    outcome.append(type(exc))
            thread = threading.Thread(target=waiter)
            thread.start()
            assert waiting.wait(LONG)
            ex.shutdown(wait=False, cancel_futures=True)
            thread.join(LONG)
            assert outcome == [STDLIB.CancelledError]
        finally:
            gate.open()
            ex.shutdown()

    def test_shutdown_no_wait_returns_and_work_finishes(self, impl, gate):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        running = ex.submit(gate.task, "a")
        queued = [ex.submit(pow, i, 2) for i in range(5)]
        assert gate.started.wait(LONG)
        # Returns although the only worker is blocked (a hang here would
        # be caught by the test's timeout).
        ex.shutdown(wait=False)
        assert not running.done()
        with pytest.raises(RuntimeError):
            ex.submit(int)
        gate.open()
        assert running.result(LONG) == "a"
        assert [f.result(LONG) for f in queued] == [i * i for i in range(5)]
        ex.shutdown(wait=True)

    def test_context_manager(self, impl):
        with impl.ThreadPoolExecutor(max_workers=2) as ex:
            assert isinstance(ex, impl.ThreadPoolExecutor)
            fs = [ex.submit(pow, i, 3) for i in range(20)]
        assert all(f.done() for f in fs)
        assert [f.result() for f in fs] == [i ** 3 for i in range(20)]
        with pytest.raises(RuntimeError):
            ex.submit(int)

    def test_context_manager_does_not_swallow(self, impl):
        with pytest.raises(KeyError):
            with impl.ThreadPoolExecutor(max_workers=1) as ex:
                f = ex.submit(int, "3")
                raise KeyError
        assert f.result(0) == 3

    def test_shutdown_from_a_task_with_wait_false(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        try:
            f = ex.submit(ex.shutdown, wait=False)
            assert f.result(LONG) is None
            with pytest.raises(RuntimeError):
                ex.submit(int)
        finally:
            ex.shutdown()

    def test_collected_executor_lets_workers_exit(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=2)
        fs = [ex.submit(pow, i, 2) for i in range(10)]
        threads = list(ex._threads)
        ref = weakref.ref(ex)
        del ex
        gc.collect()
        assert ref() is None
        assert [f.result(LONG) for f in fs] == [i * i for i in range(10)]
        for t in threads:
            t.join(LONG)
            assert not t.is_alive()
