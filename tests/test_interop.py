"""cfutures and the stdlib together: isinstance, asyncio, mixed waiting."""
import asyncio
import concurrent.futures
import threading

import pytest

from support import LONG, complete_later

STDLIB = concurrent.futures
RETURN_WHEN = [STDLIB.FIRST_COMPLETED, STDLIB.FIRST_EXCEPTION,
               STDLIB.ALL_COMPLETED]


def assert_yields_then_times_out(as_completed, fs, done):
    """``as_completed(fs)`` with a short timeout yields ``done``, the only
    finished future of ``fs``, then times out counting the rest as
    unfinished."""
    iterator = as_completed(fs, timeout=0.01)
    assert next(iterator) is done
    unfinished = rf"^{len(fs) - 1} \(of {len(fs)}\) futures unfinished$"
    with pytest.raises(STDLIB.TimeoutError, match=unfinished):
        next(iterator)


class TestIsinstance:
    def test_future(self, impl):
        assert isinstance(impl.Future(), STDLIB.Future)

    def test_executor(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        try:
            assert isinstance(ex, STDLIB.Executor)
            assert isinstance(ex.submit(int), STDLIB.Future)
        finally:
            ex.shutdown()

    @pytest.mark.parametrize("kind", ["ThreadPoolExecutor",
                                      "ProcessPoolExecutor"])
    def test_pool_is_a_stdlib_pool(self, impl, kind):
        # asyncio's loop.set_default_executor() insists on it for thread
        # pools (TypeError on 3.11+, DeprecationWarning on 3.10); code that
        # checks isinstance(x, ProcessPoolExecutor) keeps working.
        ex = getattr(impl, kind)(max_workers=1)
        try:
            assert isinstance(ex, getattr(STDLIB, kind))
        finally:
            ex.shutdown()


class TestAsyncio:
    def test_wrap_future_result_from_thread(self, impl):
        future = impl.Future()

        async def main():
            wrapped = asyncio.wrap_future(future)
            threading.Thread(target=future.set_result, args=(42,)).start()
            return await asyncio.wait_for(wrapped, LONG)
        assert asyncio.run(main()) == 42

    def test_wrap_future_exception(self, impl):
        future = impl.Future()

        async def main():
            wrapped = asyncio.wrap_future(future)
            threading.Thread(target=future.set_exception,
                             args=(KeyError("k"),)).start()
            return await asyncio.wait_for(wrapped, LONG)
        with pytest.raises(KeyError):
            asyncio.run(main())

    def test_wrap_future_already_done(self, impl):
        future = impl.Future()
        future.set_result("done")

        async def main():
            return await asyncio.wrap_future(future)
        assert asyncio.run(main()) == "done"

    def test_cancelling_the_asyncio_future_cancels_the_future(self, impl):
        future = impl.Future()

        async def main():
            wrapped = asyncio.wrap_future(future)
            wrapped.cancel()
            with pytest.raises(asyncio.CancelledError):
                await wrapped
        asyncio.run(main())
        assert future.cancelled()

    def test_cancelled_future_cancels_the_asyncio_future(self, impl):
        future = impl.Future()

        async def main():
            wrapped = asyncio.wrap_future(future)
            threading.Thread(target=future.cancel).start()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(wrapped, LONG)
        asyncio.run(main())

    def test_run_in_executor(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=2)

        async def main():
            loop = asyncio.get_running_loop()
            results = await asyncio.wait_for(asyncio.gather(
                *(loop.run_in_executor(ex, pow, i, 2) for i in range(10))),
                LONG)
            return results
        try:
            assert asyncio.run(main()) == [i * i for i in range(10)]
        finally:
            ex.shutdown()

    def test_run_in_executor_exception(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=1)

        async def main():
            loop = asyncio.get_running_loop()
            await asyncio.wait_for(loop.run_in_executor(ex, int, "x"), LONG)
        try:
            with pytest.raises(ValueError):
                asyncio.run(main())
        finally:
            ex.shutdown()

    # 3.10 only warns (DeprecationWarning) where 3.11+ raises TypeError.
    @pytest.mark.filterwarnings("error::DeprecationWarning")
    def test_default_executor(self, impl):
        ex = impl.ThreadPoolExecutor(max_workers=2,
                                     thread_name_prefix="default-exec")

        async def main():
            loop = asyncio.get_running_loop()
            loop.set_default_executor(ex)
            return await asyncio.wait_for(loop.run_in_executor(
                None, lambda: threading.current_thread().name), LONG)
        try:
            name = asyncio.run(main())
        finally:
            ex.shutdown()
        assert name.startswith("default-exec_")


class TestStdlibWaitingOnCfutures:
    """The stdlib's wait()/as_completed() over impl's futures."""

    def test_wait_all_done(self, impl):
        fs = [impl.Future() for _ in range(3)]
        for i, f in enumerate(fs):
            f.set_result(i)
        done, not_done = STDLIB.wait(fs, timeout=LONG)
        assert done == set(fs) and not not_done

    @pytest.mark.parametrize("return_when", RETURN_WHEN)
    def test_wait_timeout(self, impl, return_when):
        fs = [impl.Future(), impl.Future()]
        done, not_done = STDLIB.wait(fs, timeout=0.01, return_when=return_when)
        assert not done and not_done == set(fs)

    def test_wait_completing_from_thread(self, impl):
        fs = [impl.Future() for _ in range(3)]
        thread = complete_later([lambda f=f: f.set_result(1) for f in fs], fs)
        done, not_done = STDLIB.wait(fs, timeout=LONG)
        thread.join(LONG)
        assert done == set(fs) and not not_done

    def test_wait_first_exception(self, impl):
        fs = [impl.Future() for _ in range(3)]
        thread = complete_later(
            [lambda: fs[1].set_exception(ValueError())], fs)
        done, not_done = STDLIB.wait(fs, timeout=LONG,
                                     return_when=STDLIB.FIRST_EXCEPTION)
        thread.join(LONG)
        assert done == {fs[1]} and not_done == {fs[0], fs[2]}

    def test_wait_sees_executor_cancellation(self, impl, gate):
        ex = impl.ThreadPoolExecutor(max_workers=1)
        try:
            running = ex.submit(gate.task)
            queued = ex.submit(int)
            assert gate.started.wait(LONG)
            assert queued.cancel()
            gate.open()
            done, not_done = STDLIB.wait([running, queued], timeout=LONG)
            assert done == {running, queued} and not not_done
        finally:
            ex.shutdown()

    def test_as_completed(self, impl):
        fs = [impl.Future() for _ in range(4)]
        fs[0].set_result(0)
        thread = complete_later(
            [lambda f=f: f.set_result(1) for f in fs[1:]], fs[1:])
        seen = list(STDLIB.as_completed(fs + [fs[0]], timeout=LONG))
        thread.join(LONG)
        assert sorted(map(id, seen)) == sorted(map(id, fs))

    def test_as_completed_timeout(self, impl):
        fs = [impl.Future(), impl.Future()]
        fs[0].set_result(None)
        assert_yields_then_times_out(STDLIB.as_completed, fs, fs[0])

    def test_wait_beside_impl_as_completed(self, impl):
        # impl's as_completed() waits on the future first, then the stdlib's
        # wait() joins it through _waiters: both are told, and both leave.
        done, pending = impl.Future(), impl.Future()
        done.set_result(None)
        iterator = impl.as_completed([pending, done], timeout=LONG)
        assert next(iterator) is done
        assert len(pending._waiters) == 1
        thread = complete_later([lambda: pending.set_result(1)], [pending])
        assert STDLIB.wait([pending], timeout=LONG).done == {pending}
        thread.join(LONG)
        assert list(iterator) == [pending]
        assert pending._waiters == []


@pytest.mark.parametrize("waiter_kind", ["stdlib_waits", "impl_waits"])
class TestMixedSets:
    """Sets mixing stdlib futures with impl's, some completed up front and
    some later from another thread, waited on by the stdlib's wait() and
    as_completed() (``stdlib_waits``) or by impl's (``impl_waits``).

    With impl = stdlib every variant is all-stdlib: the reference."""

    @staticmethod
    def waiting(waiter_kind, impl):
        return STDLIB if waiter_kind == "stdlib_waits" else impl

    @pytest.mark.parametrize("return_when", RETURN_WHEN)
    def test_wait_modes(self, impl, waiter_kind, return_when):
        module = self.waiting(waiter_kind, impl)
        a, b = STDLIB.Future(), impl.Future()
        c, d = STDLIB.Future(), impl.Future()
        a.set_result(1)
        fs = [a, b, c, d]
        if return_when == STDLIB.FIRST_COMPLETED:
            done, not_done = module.wait(fs, timeout=LONG,
                                         return_when=return_when)
            assert a in done and not_done <= {b, c, d}
            return
        if return_when == STDLIB.FIRST_EXCEPTION:
            thread = complete_later([lambda: b.set_result(2),
                                     lambda: d.set_exception(OSError())],
                                    [b, c, d])
            done, not_done = module.wait(fs, timeout=LONG,
                                         return_when=return_when)
            thread.join(LONG)
            assert done == {a, b, d} and not_done == {c}
            return
        thread = complete_later([lambda: b.set_result(2),
                                 lambda: c.set_exception(OSError()),
                                 lambda: d.set_result(4)], [b, c, d])
        done, not_done = module.wait(fs, timeout=LONG, return_when=return_when)
        thread.join(LONG)
        assert done == set(fs) and not not_done

    def test_first_completed_waits_for_one(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        a, b = STDLIB.Future(), impl.Future()
        thread = complete_later([lambda: b.set_result(2)], [a, b])
        done, not_done = module.wait([a, b], timeout=LONG,
                                     return_when=STDLIB.FIRST_COMPLETED)
        thread.join(LONG)
        assert done == {b} and not_done == {a}
        thread = complete_later([lambda: a.set_exception(OSError())], [a])
        done, not_done = module.wait([a], timeout=LONG,
                                     return_when=STDLIB.FIRST_COMPLETED)
        thread.join(LONG)
        assert done == {a}

    def test_first_exception_already_raised(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        a, b, c = STDLIB.Future(), impl.Future(), impl.Future()
        b.set_exception(ValueError())
        done, not_done = module.wait([a, b, c], timeout=LONG,
                                     return_when=STDLIB.FIRST_EXCEPTION)
        assert done == {b} and not_done == {a, c}

    def test_wait_timeout_mixed(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        a, b, c = STDLIB.Future(), impl.Future(), impl.Future()
        c.set_result(None)
        done, not_done = module.wait([a, b, c], timeout=0.01)
        assert done == {c} and not_done == {a, b}
        # The waiters it installed are gone again.
        assert not a._waiters and not b._waiters

    def test_cancelled_and_notified_counts_as_done(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        a, b = STDLIB.Future(), impl.Future()
        for f in (a, b):
            assert f.cancel()
        thread = complete_later([a.set_running_or_notify_cancel,
                                 b.set_running_or_notify_cancel], [a, b])
        done, not_done = module.wait([a, b], timeout=LONG)
        thread.join(LONG)
        assert done == {a, b} and not not_done

    def test_as_completed_mixed(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        early = [STDLIB.Future(), impl.Future()]
        late = [STDLIB.Future(), impl.Future(), STDLIB.Future(),
                impl.Future()]
        for f in early:
            f.set_result("early")
        iterator = module.as_completed(early + late + early, timeout=LONG)
        first = {next(iterator), next(iterator)}
        assert first == set(early)
        thread = complete_later(
            [lambda f=f: f.set_result("late") for f in late], late)
        rest = list(iterator)
        thread.join(LONG)
        assert len(rest) == len(late) and set(rest) == set(late)

    def test_as_completed_mixed_timeout(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        fs = [STDLIB.Future(), impl.Future(), impl.Future()]
        fs[2].set_result(None)
        assert_yields_then_times_out(module.as_completed, fs, fs[2])
        assert not fs[0]._waiters and not fs[1]._waiters

    def test_executor_futures_of_both(self, impl, waiter_kind):
        module = self.waiting(waiter_kind, impl)
        with impl.ThreadPoolExecutor(2) as ours, \
                STDLIB.ThreadPoolExecutor(2) as theirs:
            fs = [ours.submit(pow, i, 2) for i in range(20)]
            fs += [theirs.submit(pow, i, 3) for i in range(20)]
            done, not_done = module.wait(fs, timeout=LONG)
            assert done == set(fs) and not not_done
            results = sorted(f.result() for f in
                             module.as_completed(fs, timeout=LONG))
        assert results == sorted([i ** 2 for i in range(20)]
                                 + [i ** 3 for i in range(20)])
