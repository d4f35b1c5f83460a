"""One behavioural suite over every executor: the stdlib's and cfutures'
thread and process pools, and cfutures.distributed.DaskExecutor on a
session-wide loopback LocalCluster (2 workers of 1 thread).

The stdlib pools show what is right; each test asserts only what the
stdlib's own executors do too (a kind that can't, a thread pool losing a
worker say, is skipped with the reason). Cross-process synchronisation uses
a multiprocessing Manager's Events and Queues, which pickle to every worker.

Without ``distributed`` installed the Dask variant is skipped, unless
CFUTURES_REQUIRE_DASK=1 (CI sets it where it installs distributed), where
it fails.
"""
import asyncio
import concurrent.futures as std
import multiprocessing
import os
import queue
import threading

import pytest

import suite_tasks as tasks
from conftest import load_impl
from support import LONG, non_fork_context, wait_until

KINDS = ["stdlib-thread", "cfutures-thread", "stdlib-process",
         "cfutures-process", "dask"]
WORKERS = 2


def _need_distributed():
    try:
        import distributed   # noqa: F401
    except ImportError as exc:
        if os.environ.get("CFUTURES_REQUIRE_DASK", "") not in ("", "0"):
            pytest.fail(f"CFUTURES_REQUIRE_DASK is set but distributed "
                        f"does not import: {exc}")
        pytest.skip(f"distributed is not installed ({exc}); "
                    f"pip install cfutures[dask]")


@pytest.fixture(scope="session")
def dask_client():
    """A loopback LocalCluster for the whole session; a dead worker fails
    its task at once (allowed-failures 0), as DaskExecutor() sets up."""
    _need_distributed()
    import dask
    import distributed
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=WORKERS, threads_per_worker=1, host="127.0.0.1",
            dashboard_address=None, processes=True)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def manager():
    with multiprocessing.Manager() as m:
        yield m


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def make_executor(request, kind):
    """``make_executor()``: a new executor of ``kind`` with 2 workers, shut
    down (cancelling what waits) at teardown."""
    made = []

    def make():
        if kind == "dask":
            _need_distributed()
            from cfutures.distributed import DaskExecutor
            executor = DaskExecutor(request.getfixturevalue("dask_client"))
        else:
            impl = load_impl(kind.split("-")[0])
            if kind.endswith("thread"):
                executor = impl.ThreadPoolExecutor(WORKERS)
            else:
                executor = impl.ProcessPoolExecutor(
                    WORKERS, mp_context=non_fork_context())
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def release(manager):
    """An Event that held calls wait for, set at teardown."""
    event = manager.Event()
    yield event
    event.set()


def hold_workers(executor, manager, release):
    """Occupy every worker with a call that waits for ``release``; returns
    their futures once all of them run."""
    arrived = manager.Queue()
    held = [executor.submit(tasks.hold_and_count, arrived, release, LONG)
            for _ in range(WORKERS)]
    for _ in range(WORKERS):
        arrived.get(timeout=LONG)
    return held


def is_remote(kind):
    return not kind.endswith("thread")


# -- submit and results -------------------------------------------------------

def test_submit_result_with_args_and_kwargs(make_executor):
    with make_executor() as executor:
        assert executor.submit(tasks.add, 1, 2, z=3).result(LONG) == 6
        futures = [executor.submit(tasks.square, i) for i in range(200)]
        assert [f.result(LONG) for f in futures] == [i * i for i in range(200)]


def test_futures_are_concurrent_futures(make_executor):
    with make_executor() as executor:
        assert isinstance(executor, std.Executor)
        future = executor.submit(tasks.square, 3)
        assert isinstance(future, std.Future)
        done, not_done = std.wait([future], timeout=LONG)
        assert done == {future} and not not_done
        assert list(std.as_completed([future], timeout=LONG)) == [future]


def test_every_call_runs_no_merging(make_executor):
    with make_executor() as executor:
        ids = [f.result(LONG) for f in
               [executor.submit(tasks.fresh_id) for _ in range(20)]]
        assert len(set(ids)) == 20


def test_exception_keeps_type_and_remote_traceback(make_executor, kind):
    with make_executor() as executor:
        future = executor.submit(tasks.raise_value_error, "bad input")
        with pytest.raises(ValueError, match="bad input") as caught:
            future.result(LONG)
        assert isinstance(future.exception(LONG), ValueError)
        if is_remote(kind):
            cause = caught.value.__cause__
            assert type(cause).__name__ == "_RemoteTraceback"
            assert "raise_value_error" in str(cause)


def test_callbacks_run_once_with_the_future(make_executor):
    with make_executor() as executor:
        seen = queue.Queue()
        future = executor.submit(tasks.square, 4)
        future.add_done_callback(seen.put)
        assert seen.get(timeout=LONG) is future
        assert future.result(LONG) == 16
        assert seen.empty()


def test_asyncio_wraps_the_futures(make_executor):
    with make_executor() as executor:
        async def main():
            return await asyncio.wait_for(
                asyncio.wrap_future(executor.submit(tasks.square, 5)), LONG)
        assert asyncio.run(main()) == 25


# -- cancel ---------------------------------------------------------------------

def test_cancel_succeeds_only_for_work_not_started(make_executor, manager,
                                                   release):
    with make_executor() as executor:
        held = hold_workers(executor, manager, release)
        counter = manager.Queue()
        queued = [executor.submit(tasks.count_call, counter, i)
                  for i in range(100)]
        assert not held[0].cancel()   # running: not cancelled
        assert queued[-1].cancel()
        assert queued[-1].cancelled()
        release.set()
        assert all(f.result(LONG) for f in held)
        std.wait(queued, timeout=LONG)
        ran = set()
        while not counter.empty():
            ran.add(counter.get())
        assert 99 not in ran
        assert {i for i, f in enumerate(queued) if not f.cancelled()} <= ran


# -- map ----------------------------------------------------------------------

def test_map_results_in_order(make_executor):
    with make_executor() as executor:
        assert list(executor.map(tasks.square, range(3000))) == \
            [i * i for i in range(3000)]
        assert list(executor.map(tasks.add, range(50), range(50, 100))) == \
            [a + b for a, b in zip(range(50), range(50, 100))]
        assert list(executor.map(tasks.square, [])) == []


def test_map_explicit_chunksize(make_executor, kind):
    with make_executor() as executor:
        assert list(executor.map(tasks.square, range(101), chunksize=7)) == \
            [i * i for i in range(101)]
        if not is_remote(kind):
            return   # a thread pool takes any chunksize and ignores it
        with pytest.raises(ValueError):
            executor.map(tasks.square, range(3), chunksize=0)


def test_map_takes_a_generator(make_executor):
    with make_executor() as executor:
        rows = (i for i in range(500))
        assert list(executor.map(tasks.square, rows)) == \
            [i * i for i in range(500)]


def test_map_raises_an_items_exception_at_that_item(make_executor, kind):
    with make_executor() as executor:
        results = executor.map(tasks.fail_at, range(20), [7] * 20)
        assert [next(results) for _ in range(7)] == list(range(7))
        with pytest.raises(KeyError) as caught:
            next(results)
        if is_remote(kind):
            assert "fail_at" in str(caught.value.__cause__)


def test_map_buffersize_reads_lazily(make_executor, kind):
    import sys
    if sys.version_info < (3, 14) and kind.startswith("stdlib"):
        pytest.skip("the stdlib's map has buffersize from 3.14")
    import itertools
    with make_executor() as executor:
        read = []

        def endless():
            for i in itertools.count():
                read.append(i)
                yield i
        results = executor.map(tasks.square, endless(), buffersize=4)
        assert [next(results) for _ in range(10)] == [i * i for i in range(10)]
        # Ten yielded and at most buffersize more read.
        assert len(read) <= 10 + 4
        results.close()


def test_map_timeout_bounds_the_iteration(make_executor, manager, release):
    with make_executor() as executor:
        hold_workers(executor, manager, release)
        results = executor.map(tasks.square, range(10), timeout=0.2)
        with pytest.raises(std.TimeoutError):
            list(results)
        release.set()


def test_map_closed_early_leaves_the_executor_usable(make_executor, manager,
                                                     release):
    with make_executor() as executor:
        held = hold_workers(executor, manager, release)
        results = executor.map(tasks.square, range(1000))
        results.close()
        release.set()
        assert all(f.result(LONG) for f in held)
        assert executor.submit(tasks.square, 6).result(LONG) == 36


def test_map_unpicklable_result_fails_only_its_item(make_executor, kind):
    if not is_remote(kind):
        pytest.skip("a thread pool pickles nothing")
    with make_executor() as executor:
        results = executor.map(tasks.unpicklable_at, range(10), [5] * 10)
        assert [next(results) for _ in range(5)] == list(range(5))
        with pytest.raises(Exception):
            next(results)
        future = executor.submit(tasks.unpicklable_at, 1, 1)
        with pytest.raises(Exception):
            future.result(LONG)
        assert executor.submit(tasks.square, 3).result(LONG) == 9


# -- shutdown ---------------------------------------------------------------------

def test_submit_after_shutdown_raises_runtime_error(make_executor):
    executor = make_executor()
    executor.shutdown(wait=True)
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(tasks.square, 1)
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.map(tasks.square, range(3))


def test_shutdown_wait_runs_everything_submitted(make_executor):
    executor = make_executor()
    futures = [executor.submit(tasks.square, i) for i in range(300)]
    results = executor.map(tasks.square, range(300))
    executor.shutdown(wait=True)
    assert all(f.done() for f in futures)
    assert [f.result(0) for f in futures] == [i * i for i in range(300)]
    assert list(results) == [i * i for i in range(300)]


def test_shutdown_cancel_futures_cancels_only_queued(make_executor, manager,
                                                     release):
    executor = make_executor()
    held = hold_workers(executor, manager, release)
    queued = [executor.submit(tasks.square, i) for i in range(100)]
    executor.shutdown(wait=False, cancel_futures=True)
    # The stdlib's process pool cancels from its manager thread, soon after.
    wait_until(queued[-1].cancelled)
    release.set()
    assert all(f.result(LONG) for f in held)
    for future in queued:
        wait_until(future.done)
    for i, future in enumerate(queued):
        assert future.cancelled() or future.result(0) == i * i


def test_shutdown_wait_false_lets_running_work_finish(make_executor, manager,
                                                      release):
    executor = make_executor()
    held = hold_workers(executor, manager, release)
    executor.shutdown(wait=False)
    release.set()
    assert all(f.result(LONG) for f in held)


# -- worker death -----------------------------------------------------------------

def test_worker_death_fails_with_broken_executor(make_executor, kind):
    if not is_remote(kind):
        pytest.skip("a thread can't die alone")
    executor = make_executor()
    future = executor.submit(tasks.die)
    with pytest.raises(std.BrokenExecutor):
        future.result(LONG)
    executor.shutdown(wait=True)
