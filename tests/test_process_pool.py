"""ProcessPoolExecutor: API, failure semantics and start methods.

Most tests run against both implementations (the ``impl`` fixture), the
stdlib showing what is right. Features the running stdlib lacks
(``buffersize``, ``terminate_workers``/``kill_workers``, 3.14 API;
``max_tasks_per_child`` before 3.11) and what cfutures does better (a worker
exit names its pid and exit code; an exception that cannot be rebuilt in the
parent fails only its own future) are cfutures-only (the ``accel`` fixture).

Everything a worker runs comes from ``children``, so that spawn and
forkserver workers can import it. Tests synchronize through files and
futures; a worker that has to hold still waits for a file to appear.
"""
import gc
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref

import pytest

import concurrent.futures as stdlib_futures
from concurrent.futures.process import _RemoteTraceback

import cfutures
from children import (CustomError, FailingStartContext, FailingStartProcess,
                      add, die, double, failing_initializer, first_starts_others_wait,
                      getpid, identity, init_worker, raise_base, raise_custom,
                      raise_not_rebuildable, read_initialized, return_lock,
                      sizes, slow_at, touch_and_wait, types_of, wait_for_file)
from support import (LONG, callbacks_seen, non_fork_context, pickling_error,
                     process_gone, run_script, wait_until)

PY = sys.version_info[:2]

START_METHODS = [m for m in ("fork", "spawn", "forkserver")
                 if m in mp.get_all_start_methods()]


@pytest.fixture
def release(tmp_path):
    """A file that tasks waiting on it (wait_for_file) need to return."""
    return str(tmp_path / "release")


@pytest.fixture
def pools(release):
    """Make pools; at teardown create ``release``, then shut each down
    (cancelling what waits)."""
    made = []

    def make(impl, *args, **kwargs):
        pool = impl.ProcessPoolExecutor(*args, **kwargs)
        made.append(pool)
        return pool
    yield make
    open(release, "a").close()
    for pool in made:
        pool.shutdown(wait=True, cancel_futures=True)


def worker_pids(pool):
    """The pids of the worker processes the pool holds now."""
    return set(pool._processes)


# -- basics, on every start method -----------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("method", START_METHODS)
def test_basic_calls(impl, pools, method):
    pool = pools(impl, 2, mp_context=mp.get_context(method))
    assert pool.submit(double, 21).result(LONG) == 42
    assert pool.submit(add, 1, 2, c=3).result(LONG) == 6
    assert list(pool.map(double, range(50), timeout=LONG)) == [2 * i for i in range(50)]
    assert list(pool.map(add, range(20), range(20), chunksize=6)) == [2 * i for i in range(20)]
    with pytest.raises(CustomError) as info:
        pool.submit(raise_custom, 5).result(LONG)
    assert info.value.code == 5
    assert isinstance(info.value.__cause__, _RemoteTraceback)
    assert "raise_custom" in str(info.value.__cause__)
    pids = {pool.submit(getpid).result(LONG) for _ in range(4)}
    assert os.getpid() not in pids
    pool.shutdown(wait=True)
    assert all(process_gone(pid) for pid in pids)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "fork"][:1])
def test_workers_start_on_demand(impl, pools, tmp_path, release, method):
    # Two calls that block: a second worker must start and take one.
    pool = pools(impl, 2, mp_context=mp.get_context(method))
    started = [str(tmp_path / f"started{i}") for i in range(2)]
    futures = [pool.submit(touch_and_wait, s, release, i) for i, s in enumerate(started)]
    wait_until(lambda: all(os.path.exists(s) for s in started))
    open(release, "w").close()
    assert [f.result(LONG) for f in futures] == [0, 1]


@pytest.mark.timeout(60)
def test_short_calls_do_not_wait_behind_a_slow_one(impl, pools, tmp_path,
                                                   release):
    pool = pools(impl, 2)
    assert list(pool.map(double, range(200))) == [2 * i for i in range(200)]
    started = str(tmp_path / "started")
    slow = pool.submit(touch_and_wait, started, release, "slow")
    wait_until(lambda: os.path.exists(started))
    # The other worker runs all of these while the slow call holds its own.
    for _ in range(3):
        assert list(pool.map(double, range(500), timeout=LONG)) == [
            2 * i for i in range(500)]
    assert not slow.done()
    open(release, "w").close()
    assert slow.result(LONG) == "slow"


@pytest.mark.timeout(90)
def test_results_do_not_wait_for_a_batch_mate_turned_slow(impl, pools,
                                                          release):
    # Calls measured short travel in batches; one that turns slow must not
    # hold back the results of the calls before it in its batch.
    pool = pools(impl, 1)
    assert list(pool.map(double, range(1000))) == [2 * i for i in range(1000)]
    futures = [pool.submit(slow_at, i, 1500, release) for i in range(2000)]
    early = [f.result(LONG / 3) for f in futures[:1500]]
    assert early == [2 * i for i in range(1500)]
    assert not futures[1500].done()
    open(release, "w").close()
    assert [f.result(LONG) for f in futures] == [2 * i for i in range(2000)]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("from_end", [1, 2, 4])
def test_a_slow_call_at_a_burst_end_holds_no_other(impl, pools, release,
                                                   from_end):
    # Towards a burst's end calls travel one per frame and none queues
    # behind a running one: a call there that turns slow keeps no other
    # waiting while the other worker could run it.
    pool = pools(impl, 2)
    assert list(pool.map(double, range(200))) == [2 * i for i in range(200)]
    n = 400
    slow_i = n - from_end
    futures = [pool.submit(slow_at, i, slow_i, release) for i in range(n)]
    others = futures[:slow_i] + futures[slow_i + 1:]
    done, not_done = impl.wait(others, timeout=LONG)
    assert not not_done
    assert [f.result() for f in others] == [2 * i for i in range(n) if i != slow_i]
    assert not futures[slow_i].done()
    open(release, "w").close()
    assert futures[slow_i].result(LONG) == 2 * slow_i


@pytest.mark.timeout(90)
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_no_call_waits_for_a_worker_still_starting(impl, tmp_path, method):
    # One worker is up, the other still in its initializer: every call
    # runs on the one that is up (a call is sent to a worker only once it
    # said it started), as with the stdlib's shared queue.
    release = str(tmp_path / "release")
    pool = impl.ProcessPoolExecutor(
        2, mp_context=mp.get_context(method),
        initializer=first_starts_others_wait,
        initargs=(str(tmp_path / "first"), release))
    try:
        futures = [pool.submit(double, i) for i in range(20)]
        done, not_done = impl.wait(futures, timeout=LONG)
        assert not not_done
        assert [f.result() for f in futures] == [2 * i for i in range(20)]
    finally:
        open(release, "w").close()
        pool.shutdown(wait=True)


@pytest.mark.timeout(120)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
@pytest.mark.skipif("fork" not in mp.get_all_start_methods(),
                    reason="needs the fork start method")
def test_forked_workers_survive_pools_winding_down_beside_them(accel):
    # cfutures only: the stdlib's pool forks beside its own feeder and
    # manager threads, and on 3.14 this churn deadlocks it (the reason fork
    # with threads is deprecated). A forked worker closes the descriptors
    # of every other pool. Pools
    # that wind down in another thread close theirs meanwhile, and the
    # numbers go to the next fork's own pipes: a list of them made before
    # the fork had the new worker close its own sentinel, and the pool
    # killed it as dead ("terminated abruptly", SIGKILL) at its first call.
    context = mp.get_context("fork")
    deadline = time.monotonic() + 4.0
    failures = []

    def churn():
        try:
            while time.monotonic() < deadline:
                pool = accel.ProcessPoolExecutor(2, mp_context=context)
                assert list(pool.map(abs, range(-20, 0), timeout=LONG)) == list(
                    range(20, 0, -1))
                pool.shutdown(wait=False)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        while time.monotonic() < deadline:
            with accel.ProcessPoolExecutor(1, mp_context=context) as pool:
                assert pool.submit(abs, -1).result(LONG) == 1
    finally:
        thread.join(LONG * 2)
    assert not thread.is_alive()
    assert failures == []


@pytest.mark.timeout(60)
def test_futures_are_cfutures_futures(accel, pools):
    pool = pools(accel, 1)
    future = pool.submit(double, 1)
    assert isinstance(future, cfutures.Future)
    assert isinstance(future, stdlib_futures.Future)
    assert future.result(LONG) == 2
    assert isinstance(pool, stdlib_futures.Executor)


@pytest.mark.timeout(60)
def test_many_small_tasks_keep_order(impl, pools):
    pool = pools(impl, 2)
    n = 3000
    assert list(pool.map(double, range(n))) == [2 * i for i in range(n)]
    futures = [pool.submit(double, i) for i in range(n)]
    done = set(impl.as_completed(futures, timeout=LONG))
    assert done == set(futures)
    assert [f.result() for f in futures] == [2 * i for i in range(n)]


@pytest.mark.timeout(60)
def test_submit_from_many_threads(impl, pools):
    pool = pools(impl, 2)
    pool.submit(double, 0).result(LONG)   # start (fork) before the threads
    big = os.urandom(200_000)
    results = {}

    def submitter(t):
        futures = []
        for i in range(300):
            if i % 50 == 0:
                futures.append((big, pool.submit(identity, big)))
            elif i % 37 == 0:
                futures.append((None, pool.submit(raise_custom, i)))
            else:
                futures.append((t * 1000 + i, pool.submit(double, t * 1000 + i)))
        results[t] = futures
    threads = [threading.Thread(target=submitter, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG)
    assert len(results) == 4
    for futures in results.values():
        for value, future in futures:
            if value is None:
                assert type(future.exception(LONG)) is CustomError
            elif value is big:
                assert future.result(LONG) == big
            else:
                assert future.result(LONG) == 2 * value


@pytest.mark.timeout(60)
def test_callbacks_submit_more_work(impl, pools):
    # Callbacks run in the pool's own thread; submitting from there is fine.
    pool = pools(impl, 2)
    done = threading.Event()
    chain = []

    def next_step(future):
        chain.append(future.result())
        if len(chain) < 30:
            pool.submit(double, chain[-1] % 1000 + 1).add_done_callback(next_step)
        else:
            done.set()
    pool.submit(double, 1).add_done_callback(next_step)
    assert done.wait(LONG)
    assert len(chain) == 30


@pytest.mark.timeout(60)
def test_callbacks_and_wait(impl, pools):
    pool = pools(impl, 2)
    seen = callbacks_seen([pool.submit(double, i) for i in range(10)],
                          lambda future: future.result())
    assert sorted(seen) == [2 * i for i in range(10)]
    futures = [pool.submit(double, i) for i in range(5)]
    done, not_done = impl.wait(futures, timeout=LONG)
    assert done == set(futures) and not not_done


@pytest.mark.timeout(60)
def test_large_payloads(impl, pools):
    pool = pools(impl, 2)
    big = os.urandom(1 << 20)
    assert pool.submit(identity, big).result(LONG) == big
    results = list(pool.map(identity, [big] * 6))
    assert all(r == big for r in results)
    assert all(type(r) is bytes for r in results)
    # Bigger than any pipe, every argument kind, types kept.
    huge = b"h" * (5 << 20)
    assert pool.submit(sizes, huge, bytearray(huge), named=huge).result(LONG) == [
        len(huge), len(huge), ("named", len(huge))]
    assert pool.submit(types_of, big, bytearray(big), "s" * (1 << 20)).result(LONG) == [
        "bytes", "bytearray", "str"]
    back = pool.submit(identity, bytearray(big)).result(LONG)
    assert type(back) is bytearray and back == big
    back[0:1] = b"x"   # writable, as the stdlib's
    assert pool.submit(identity, "s" * (3 << 20)).result(LONG) == "s" * (3 << 20)


# -- failures: exceptions, pickling ---------------------------------------------------

@pytest.mark.timeout(60)
def test_worker_exception_carries_remote_traceback(impl, pools):
    pool = pools(impl, 1)
    future = pool.submit(raise_custom, 7)
    exc = future.exception(LONG)
    assert type(exc) is CustomError
    assert exc.args == ("worker failed", 7) and exc.code == 7
    cause = exc.__cause__
    assert type(cause) is _RemoteTraceback
    text = str(cause)
    assert text.startswith('\n"""\nTraceback (most recent call last):')
    assert 'in raise_custom' in text and 'in inner' in text
    assert 'CustomError' in text and text.endswith('"""')
    with pytest.raises(CustomError):
        future.result()
    assert pool.submit(double, 2).result(LONG) == 4


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind, exc_type", [("exit", SystemExit),
                                            ("interrupt", KeyboardInterrupt)])
def test_worker_base_exception_is_the_result(impl, pools, kind, exc_type):
    pool = pools(impl, 1)
    future = pool.submit(raise_base, kind)
    assert type(future.exception(LONG)) is exc_type
    assert pool.submit(double, 3).result(LONG) == 6


@pytest.mark.timeout(60)
def test_unpicklable_argument_fails_only_its_future(impl, pools):
    pool = pools(impl, 2)
    expected = type(pickling_error(threading.Lock()))
    before = [pool.submit(double, i) for i in range(5)]
    bad = pool.submit(identity, threading.Lock())
    after = [pool.submit(double, i) for i in range(5)]
    assert type(bad.exception(LONG)) is expected
    assert [f.result(LONG) for f in before + after] == [2 * i for i in range(5)] * 2
    assert list(pool.map(double, range(100))) == [2 * i for i in range(100)]


@pytest.mark.timeout(60)
def test_unpicklable_function_fails_only_its_future(impl, pools):
    pool = pools(impl, 2)
    local = lambda x: x   # noqa: E731
    expected = type(pickling_error(local))
    bad = pool.submit(local, 1)
    good = pool.submit(double, 4)
    assert type(bad.exception(LONG)) is expected
    assert good.result(LONG) == 8
    assert pool.submit(double, 5).result(LONG) == 10


@pytest.mark.timeout(60)
def test_unpicklable_result_fails_only_its_future(impl, pools):
    pool = pools(impl, 1)
    expected = type(pickling_error(threading.Lock()))
    futures = [pool.submit(double, 1), pool.submit(return_lock), pool.submit(double, 2)]
    exc = futures[1].exception(LONG)
    assert type(exc) is expected
    assert isinstance(exc.__cause__, _RemoteTraceback)
    assert futures[0].result(LONG) == 2 and futures[2].result(LONG) == 4
    assert pool.submit(double, 3).result(LONG) == 6


@pytest.mark.timeout(60)
def test_exception_that_cannot_be_rebuilt_fails_only_its_future(accel, pools):
    # The stdlib breaks the whole pool here; cfutures fails just this call.
    # Not forked: once the suite has imported distributed, its tblib makes
    # every exception class rebuildable in this process (and a fork of it).
    pool = pools(accel, 1, mp_context=non_fork_context())
    future = pool.submit(raise_not_rebuildable)
    exc = future.exception(LONG)
    assert isinstance(exc, TypeError)
    assert "NotRebuildable" in str(exc.__cause__)
    assert pool.submit(double, 3).result(LONG) == 6


# -- failures: dead workers ----------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("how, code", [("sigkill", -signal.SIGKILL), ("exit", 7)])
def test_dead_worker_breaks_the_pool(impl, pools, tmp_path, release,
                                     how, code):
    BrokenProcessPool = stdlib_futures.process.BrokenProcessPool
    pool = pools(impl, 2)
    assert pool.submit(double, 1).result(LONG) == 2   # the workers run
    pids = worker_pids(pool)
    flag = str(tmp_path / "die")
    dying = pool.submit(die, how, flag)
    waiting = [pool.submit(wait_for_file, release, i) for i in range(6)]
    start = time.monotonic()
    open(flag, "w").close()
    errors = []
    for future in [dying] + waiting:
        with pytest.raises(BrokenProcessPool) as info:
            future.result(LONG)
        errors.append(info.value)
    elapsed = time.monotonic() - start
    assert elapsed < 5.0, elapsed
    if impl.accelerated or sys.version_info >= (3, 14):
        # One exception per future, so raising one grows no other's
        # traceback (gh-101267; the stdlib's since 3.14).
        assert len({id(error) for error in errors}) == len(errors)
    if impl.accelerated or sys.version_info >= (3, 15):
        # 3.15's cause names each dead worker and its exit code.
        for error in errors:
            assert isinstance(error.__cause__, _RemoteTraceback)
            assert (f"terminated abruptly with exit code {code}"
                    in error.__cause__.tb)
    with pytest.raises(BrokenProcessPool):
        pool.submit(double, 1)
    if impl.accelerated:
        message = str(info.value)
        assert "terminated abruptly" in message
        assert f"exit code {code}" in message
        assert "pid " in message
        assert "exit code" in str(pool._broken)
    pool.shutdown(wait=True)
    # Every worker is gone, none orphaned.
    wait_until(lambda: all(process_gone(pid) for pid in pids), timeout=10)


@pytest.mark.timeout(60)
def test_dead_worker_message_names_its_pid(accel, pools):
    BrokenProcessPool = stdlib_futures.process.BrokenProcessPool
    pool = pools(accel, 1)
    pid = pool.submit(getpid).result(LONG)
    with pytest.raises(BrokenProcessPool, match=rf"pid {pid}, exit code -9"):
        pool.submit(die, "sigkill").result(LONG)
    assert process_gone(pid)


@pytest.mark.timeout(60)
def test_failing_initializer_breaks_the_pool(impl, pools, caplog):
    BrokenExecutor = stdlib_futures.BrokenExecutor
    pool = pools(impl, 2, initializer=failing_initializer)
    futures = [pool.submit(double, 0)]
    for i in range(1, 5):
        try:
            futures.append(pool.submit(double, i))
        except BrokenExecutor:   # it may break this fast
            break
    for future in futures:
        with pytest.raises(BrokenExecutor):
            future.result(LONG)
    with pytest.raises(BrokenExecutor):
        pool.submit(double, 1)
    pool.shutdown(wait=True)
    if impl.accelerated:
        exc = futures[0].exception()
        assert "initializer failed" in str(exc.__cause__)


@pytest.mark.timeout(60)
def test_initializer_runs_in_every_worker(impl, pools):
    pool = pools(impl, 2, initializer=init_worker, initargs=("ready",))
    assert set(pool.map(read_initialized, range(20))) == {"ready"}


# -- max_tasks_per_child ---------------------------------------------------------

def needs_max_tasks(impl, replacing=False):
    """Skip where ``impl`` lacks max_tasks_per_child, or (``replacing``)
    cannot be trusted to replace its workers."""
    if not impl.accelerated and PY < (3, 11):
        pytest.skip("max_tasks_per_child is 3.11+ in the stdlib")
    if replacing and not impl.accelerated and PY < (3, 14):
        # https://github.com/python/cpython/issues/115634
        pytest.skip("the stdlib can hang replacing workers before 3.14")


@pytest.mark.timeout(90)
def test_max_tasks_per_child_replaces_workers(impl, pools):
    needs_max_tasks(impl, replacing=True)
    method = "forkserver" if "forkserver" in START_METHODS else "spawn"
    pool = pools(impl, 2, mp_context=mp.get_context(method),
                 max_tasks_per_child=3)
    futures = [pool.submit(getpid, i) for i in range(20)]
    pids = [f.result(LONG) for f in futures]
    counts = {pid: pids.count(pid) for pid in set(pids)}
    assert max(counts.values()) <= 3
    assert len(counts) >= 7
    assert list(pool.map(double, range(10))) == [2 * i for i in range(10)]


@pytest.mark.timeout(90)
def test_max_tasks_per_child_then_shutdown(impl):
    # Workers are still replaced after shutdown() to finish what waits.
    needs_max_tasks(impl, replacing=True)
    method = "forkserver" if "forkserver" in START_METHODS else "spawn"
    pool = impl.ProcessPoolExecutor(
        2, mp_context=mp.get_context(method), max_tasks_per_child=1)
    futures = [pool.submit(double, i) for i in range(5)]
    pool.shutdown(wait=True)
    assert [f.result(0) for f in futures] == [2 * i for i in range(5)]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("shut_down_first", [False, True])
def test_collected_executor_cannot_replace_a_retiring_worker(
        impl, tmp_path, shut_down_first):
    # Nothing starts a worker for an executor that was garbage collected:
    # once its last worker retires (max_tasks_per_child), what waits fails
    # with BrokenProcessPool instead of never ending (gh-152967).
    needs_max_tasks(impl)
    if not impl.accelerated and PY < (3, 14):
        pytest.skip("the stdlib leaves such futures pending before 3.14")
    BrokenProcessPool = stdlib_futures.process.BrokenProcessPool
    method = "forkserver" if "forkserver" in START_METHODS else "spawn"
    started, release = str(tmp_path / "started"), str(tmp_path / "release")
    pool = impl.ProcessPoolExecutor(1, mp_context=mp.get_context(method),
                                    max_tasks_per_child=1)
    futures = [pool.submit(touch_and_wait, started, release, i)
               for i in range(3)]
    wait_until(lambda: os.path.exists(started), timeout=LONG)
    if shut_down_first:
        pool.shutdown(wait=False)
    collected = weakref.ref(pool)
    del pool
    wait_until(lambda: gc.collect() is not None and collected() is None,
               timeout=LONG)
    open(release, "w").close()
    assert futures[0].result(LONG) == 0
    for future in futures[1:]:
        with pytest.raises(BrokenProcessPool, match="garbage collected"):
            future.result(LONG)


@pytest.mark.timeout(90)
def test_a_worker_that_cannot_be_replaced_breaks_the_pool(impl):
    # The only worker retires (max_tasks_per_child) and its replacement
    # cannot start: what waits fails with BrokenProcessPool, not forever.
    needs_max_tasks(impl)
    if not impl.accelerated and PY < (3, 14):
        pytest.skip("the stdlib leaves such futures pending before 3.14")
    BrokenProcessPool = stdlib_futures.process.BrokenProcessPool
    FailingStartProcess.starts_left = 1
    pool = impl.ProcessPoolExecutor(1, mp_context=FailingStartContext(),
                                    max_tasks_per_child=1)
    try:
        futures = [pool.submit(double, i) for i in range(3)]
        assert futures[0].result(LONG) == 0
        for future in futures[1:]:
            with pytest.raises(BrokenProcessPool, match="could not be started"):
                future.result(LONG)
        with pytest.raises(BrokenProcessPool):
            pool.submit(double, 1)
    finally:
        pool.shutdown(wait=True)


def test_max_tasks_per_child_defaults_to_spawn(impl):
    needs_max_tasks(impl)
    pool = impl.ProcessPoolExecutor(1, max_tasks_per_child=2)
    try:
        assert pool._mp_context.get_start_method() == "spawn"
    finally:
        pool.shutdown()


def test_max_tasks_per_child_refuses_fork(impl):
    needs_max_tasks(impl)
    if "fork" not in START_METHODS:
        pytest.skip("no fork here")
    with pytest.raises(ValueError, match="fork"):
        impl.ProcessPoolExecutor(1, mp_context=mp.get_context("fork"),
                                      max_tasks_per_child=2)


@pytest.mark.parametrize("kwargs, error", [
    (dict(max_workers=0), ValueError),
    (dict(max_workers=-1), ValueError),
    (dict(initializer=3), TypeError),
    (dict(max_tasks_per_child=0, mp_context=mp.get_context("spawn")), ValueError),
    (dict(max_tasks_per_child="2", mp_context=mp.get_context("spawn")), TypeError),
])
def test_constructor_validation(impl, kwargs, error):
    if "max_tasks_per_child" in kwargs:
        needs_max_tasks(impl)
    with pytest.raises(error):
        impl.ProcessPoolExecutor(**kwargs)


def test_defaults_follow_the_running_python(accel):
    reference = stdlib_futures.ProcessPoolExecutor()
    pool = accel.ProcessPoolExecutor()
    try:
        assert pool._max_workers == reference._max_workers
        assert (pool._mp_context.get_start_method()
                == reference._mp_context.get_start_method())
    finally:
        pool.shutdown()
        reference.shutdown()


# -- shutdown, cancel, exit -------------------------------------------------------

@pytest.mark.timeout(60)
def test_submit_after_shutdown_raises(impl):
    pool = impl.ProcessPoolExecutor(1)
    assert pool.submit(double, 1).result(LONG) == 2
    pool.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(double, 1)


@pytest.mark.timeout(60)
def test_shutdown_cancel_futures(impl, tmp_path):
    pool = impl.ProcessPoolExecutor(1)
    started, release = str(tmp_path / "started"), str(tmp_path / "release")
    running = pool.submit(touch_and_wait, started, release, "done")
    wait_until(lambda: os.path.exists(started))
    waiting = [pool.submit(double, i) for i in range(50)]
    pool.shutdown(wait=False, cancel_futures=True)
    open(release, "w").close()
    assert running.result(LONG) == "done"
    # (wait() would not count these: as in the stdlib, shutdown cancels
    # them without notifying waiters.)
    cancelled = [f for f in waiting if f.cancelled()]
    assert len(cancelled) >= 45
    assert all(f.result(LONG) == 2 * i
               for i, f in enumerate(waiting) if not f.cancelled())
    pool.shutdown(wait=True)


@pytest.mark.timeout(60)
def test_cancel_pending_future(impl, pools, tmp_path, release):
    pool = pools(impl, 1)
    started = str(tmp_path / "started")
    running = pool.submit(touch_and_wait, started, release, 1)
    wait_until(lambda: os.path.exists(started))
    later = [pool.submit(double, i) for i in range(20)]
    assert later[-1].cancel()
    assert not running.cancel()
    open(release, "w").close()
    assert running.result(LONG) == 1
    assert later[0].result(LONG) == 0
    assert later[-1].cancelled()


@pytest.mark.timeout(60)
def test_map_timeout(impl, pools, release):
    pool = pools(impl, 1)
    results = pool.map(wait_for_file, [release] * 2, timeout=0.2)
    with pytest.raises(stdlib_futures.TimeoutError):
        list(results)
    open(release, "w").close()


@pytest.mark.timeout(60)
def test_map_buffersize(accel, pools):
    pool = pools(accel, 2)
    consumed = []

    def endless():
        i = 0
        while True:
            consumed.append(i)
            yield i
            i += 1
    results = pool.map(double, endless(), buffersize=4)
    assert [next(results) for _ in range(50)] == [2 * i for i in range(50)]
    assert len(consumed) <= 50 + 4 + 1
    results.close()
    chunked = pool.map(add, range(30), range(30), chunksize=4, buffersize=2)
    assert list(chunked) == [2 * i for i in range(30)]
    with pytest.raises(ValueError):
        pool.map(double, range(3), buffersize=0)
    with pytest.raises(ValueError):
        pool.map(double, range(3), chunksize=0)


@pytest.mark.timeout(60)
def test_collected_executor_stops_its_workers(impl):
    pool = impl.ProcessPoolExecutor(2)
    futures = [pool.submit(getpid, i) for i in range(4)]
    pids = worker_pids(pool) | {f.result(LONG) for f in futures}
    del pool, futures
    gc.collect()
    wait_until(lambda: all(process_gone(pid) for pid in pids))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("operation", ["terminate_workers", "kill_workers"])
def test_terminate_and_kill_workers(accel, tmp_path, operation):
    BrokenProcessPool = stdlib_futures.process.BrokenProcessPool
    pool = accel.ProcessPoolExecutor(2)
    started = [str(tmp_path / f"started{i}") for i in range(2)]
    release = str(tmp_path / "never")
    running = [pool.submit(touch_and_wait, s, release) for s in started]
    wait_until(lambda: all(os.path.exists(s) for s in started))
    pending = [pool.submit(double, i) for i in range(10)]
    processes = list(pool._processes.values())
    getattr(pool, operation)()
    for future in running:
        with pytest.raises(BrokenProcessPool):
            future.result(LONG)
    for future in pending:
        assert future.cancelled() or isinstance(future.exception(LONG), BrokenProcessPool)
    with pytest.raises((RuntimeError, BrokenProcessPool)):
        pool.submit(double, 1)
    # The pool's manager joins the workers; read their exit codes after it
    # has (two threads polling one forkserver child can lose its status).
    pool.shutdown(wait=True)
    signum = signal.SIGTERM if operation == "terminate_workers" else signal.SIGKILL
    for process in processes:
        process.join(LONG)
        assert process.exitcode == -signum


@pytest.mark.timeout(60)
def test_terminate_idle_pool(accel):
    pool = accel.ProcessPoolExecutor(2)
    assert pool.submit(double, 1).result(LONG) == 2
    processes = list(pool._processes.values())
    pool.terminate_workers()
    pool.shutdown(wait=True)
    for process in processes:
        process.join(LONG)
        wait_until(lambda: process.exitcode is not None)
    pool.terminate_workers()   # nothing left to do: no error
    pool.kill_workers()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("method", START_METHODS)
def test_manager_thread_that_cannot_start(accel, monkeypatch, method):
    # During interpreter finalization starting a thread raises RuntimeError
    # (gh-109047). cfutures' pool starts one thread, its manager: submit()
    # raises that error, as the stdlib's does, and leaves no worker behind.
    # (The stdlib leaves its workers running and its shutdown() then fails.)
    starter = ("_start_joinable_thread"
               if hasattr(threading, "_start_joinable_thread")
               else "_start_new_thread")

    def refuse(*args, **kwargs):
        raise RuntimeError("can't create new thread at interpreter shutdown")

    pool = accel.ProcessPoolExecutor(2, mp_context=mp.get_context(method))
    with monkeypatch.context() as patch:
        patch.setattr(threading, starter, refuse)
        with pytest.raises(RuntimeError, match="interpreter shutdown"):
            pool.submit(double, 1)
    processes = list(pool._processes.values())
    for process in processes:
        process.join(LONG)
        assert process.exitcode is not None
    # Nothing was queued, so nothing waits; the pool starts normally now.
    assert pool.submit(double, 2).result(LONG) == 4
    pool.shutdown(wait=True)


EXIT_SCRIPT = """
from children import getpid, wait_for_file
pool = cfutures.ProcessPoolExecutor(2)
# Submitted together, so both workers start (sequential calls may all
# reuse one idle worker, as 3.14's stdlib does under forkserver).
started = [pool.submit(getpid, i) for i in range(4)]
pids = {{f.result(30) for f in started}} | set(pool._processes)
print(" ".join(map(str, sorted(pids))), flush=True)
futures = [pool.submit(wait_for_file, {flag!r}, i) for i in range(6)]
futures[-1].add_done_callback(lambda f: print('last', f.result(), flush=True))
{action}
open({flag!r}, "w").close()
"""


@pytest.mark.timeout(90)
@pytest.mark.parametrize("action", ["pool.shutdown(wait=False)", "pass"],
                         ids=["shutdown-nowait", "no-shutdown"])
def test_exit_with_pending_work(impl, tmp_path, action):
    flag = str(tmp_path / "flag")
    body = EXIT_SCRIPT.format(flag=flag, action=action)
    start = time.monotonic()
    proc = run_script(impl, body)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 30
    lines = proc.stdout.split("\n")
    pids = [int(p) for p in lines[0].split()]
    assert len(pids) >= 2
    # The pending work still ran to completion before the interpreter left.
    assert "last 5" in proc.stdout, proc.stdout + proc.stderr
    wait_until(lambda: all(process_gone(pid) for pid in pids), timeout=10)
    assert "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.timeout(90)
def test_exit_after_broken_pool(impl, tmp_path):
    body = """
        from children import die, double
        pool = cfutures.ProcessPoolExecutor(2)
        pool.submit(double, 1).result(30)
        pids = set(pool._processes)
        print(" ".join(map(str, sorted(pids))), flush=True)
        future = pool.submit(die, "exit")
        print(type(future.exception(30)).__name__, flush=True)
    """
    proc = run_script(impl, body)
    assert proc.returncode == 0, proc.stderr
    pids = [int(p) for p in proc.stdout.split("\n")[0].split()]
    assert "BrokenProcessPool" in proc.stdout
    wait_until(lambda: all(process_gone(pid) for pid in pids), timeout=10)


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # fork with threads
def test_forked_child_cannot_use_the_parents_pool(accel, pools):
    BrokenProcessPool = stdlib_futures.process.BrokenProcessPool
    pool = pools(accel, 1)
    assert pool.submit(double, 1).result(LONG) == 2
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            pool.submit(double, 2)
            code = 1
        except BrokenProcessPool:
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.submit(double, 3).result(LONG) == 6


@pytest.mark.timeout(90)
@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "spawn"])
def test_workers_exit_when_the_parent_dies(accel, tmp_path, method):
    # A parent killed outright cannot stop its workers: they see their call
    # pipe close and leave (the stdlib's can block forever).
    started = str(tmp_path / "started")
    body = f"""
        import os, signal, multiprocessing as mp
        from children import double, touch_and_wait
        other = cfutures.ProcessPoolExecutor(
            1, mp_context=mp.get_context({method!r}))
        other.submit(double, 1).result(30)   # its pipes must not keep ours open
        pool = cfutures.ProcessPoolExecutor(
            2, mp_context=mp.get_context({method!r}))
        pool.submit(double, 1).result(30)
        pool.submit(touch_and_wait, {started!r}, {str(tmp_path / "never")!r})
        futures = [pool.submit(double, i) for i in range(100)]
        [f.result(30) for f in futures]
        print(" ".join(map(str, sorted(pool._processes) + sorted(other._processes))),
              flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    proc = run_script(accel, body)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 3
    # Two workers were idle, one busy in a call that returns within LONG.
    idle_gone = lambda: sum(process_gone(pid) for pid in pids) >= 2  # noqa: E731
    wait_until(idle_gone, timeout=10)
    open(str(tmp_path / "never"), "w").close()
    wait_until(lambda: all(process_gone(pid) for pid in pids), timeout=10)


def test_a_frame_that_grows_its_pipe_is_not_overtaken(accel, pools, release,
                                                      tmp_path, monkeypatch):
    # Growing a call pipe (fcntl) releases the GIL. A call submitted then
    # (here from inside that fcntl() call, while the manager thread runs)
    # must not reach the pipe before the large call being queued, or
    # results would reach the wrong futures.
    import fcntl
    pool = pools(accel, 2)
    started = str(tmp_path / "started")
    blocker = pool.submit(touch_and_wait, started, release, "blocker")
    wait_until(lambda: os.path.exists(started))
    # The other worker runs calls measured short: it may take a second
    # frame while one is in flight.
    assert [pool.submit(identity, i).result(LONG) for i in range(50)] == \
        list(range(50))
    real_fcntl = fcntl.fcntl
    overtaker = []

    def grow_and_let_another_call_in(fd, cmd, *args):
        if cmd == getattr(fcntl, "F_SETPIPE_SZ", None) and not overtaker:
            small = pool.submit(identity, "small")
            overtaker.append(small)
            # Let the manager dispatch it meanwhile, if it would: it must
            # not, to this worker, before the large frame is queued.
            try:
                wait_until(small.running, timeout=0.5)
            except AssertionError:
                pass
        return real_fcntl(fd, cmd, *args)
    monkeypatch.setattr(fcntl, "fcntl", grow_and_let_another_call_in)
    large = pool.submit(sizes, b"x" * 300_000)
    monkeypatch.setattr(fcntl, "fcntl", real_fcntl)
    if not overtaker:
        pytest.skip("this platform does not grow pipes")
    assert large.result(LONG) == [300_000]
    assert overtaker[0].result(LONG) == "small"
    open(release, "a").close()
    assert blocker.result(LONG) == "blocker"


@pytest.mark.timeout(120)
def test_forkserver_preload_keeps_the_programs_own(accel):
    # A pool on a forkserver not started yet adds the workers' module to
    # what the server preloads, keeping the program's own choices.
    if "forkserver" not in START_METHODS:
        pytest.skip("no forkserver here")
    result = run_script(accel, """
        import multiprocessing as mp
        from multiprocessing import forkserver
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["json"])
        with cfutures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
            assert pool.submit(abs, -3).result(30) == 3
        print(sorted(forkserver._forkserver._preload_modules))
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == str(
        sorted(["json", "cfutures._core.worker._worker"]))


@pytest.mark.timeout(120)
def test_forkserver_workers_run_the_main_module_with_the_pool_imported(
        accel, tmp_path):
    # Where each worker runs the program's main module again, as the
    # stdlib's do before 3.14 (its top-level code runs in every worker), the
    # server has imported what that run imports to make the pool, and
    # runpy's pkgutil, once. (From 3.14 the server runs it once itself.)
    if "forkserver" not in START_METHODS:
        pytest.skip("no forkserver here")
    main = tmp_path / "program.py"
    main.write_text(textwrap.dedent("""
        import os, sys
        LOADED = all(name in sys.modules
                     for name in ("pkgutil", "cfutures._process_pool"))
        RAN_IN = os.getpid()
        import cfutures

        def what_main_saw(_):
            return os.getpid(), RAN_IN, LOADED

        if __name__ == "__main__":
            assert cfutures.EXTENSIONS
            with cfutures.ProcessPoolExecutor(2, task_timeout=60) as pool:
                for pid, ran_in, loaded in pool.map(what_main_saw, range(2)):
                    assert ran_in != os.getpid()
                    print("worker" if ran_in == pid else "server", loaded)
        """))
    result = subprocess.run([sys.executable, str(main)], env=accel.env(),
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")[:-1]
    if sys.version_info < (3, 14):
        assert lines == 2 * ["worker True"]
    else:
        assert lines == 2 * ["server False"] or lines == 2 * ["worker True"]


@pytest.mark.timeout(120)
def test_shutdown_with_wait_leaves_no_pool_thread_running(impl):
    """shutdown(wait=True) returns only once the pool's own threads have
    ended, every time: a thread still on its way out when the next pool
    forks its workers could leave the children a lock it held."""
    before = set(threading.enumerate())
    for _ in range(30):
        pool = impl.ProcessPoolExecutor(2)
        assert list(pool.map(abs, range(-50, 0))) == list(range(50, 0, -1))
        pool.shutdown(wait=True)
        left = [t for t in threading.enumerate() if t not in before]
        assert not left, left


@pytest.mark.timeout(120)
@pytest.mark.parametrize("initializer", [False, True])
def test_shutdown_right_after_a_burst_loses_nothing_and_finishes_initializers(
        impl, tmp_path, initializer):
    # A burst answered by one worker while another is still starting, then
    # shutdown at once: every call answered, and every worker that was given
    # an initializer ran it to its end (cfutures ends a worker still booting
    # at shutdown only where it has no initializer and no work).
    import children
    options = {}
    if initializer:
        options = {"initializer": children.mark_initialized,
                   "initargs": (str(tmp_path),)}
    for _ in range(3):
        pool = impl.ProcessPoolExecutor(2, mp_context=non_fork_context(), **options)
        futures = [pool.submit(abs, -i) for i in range(10)]
        assert [f.result(LONG) for f in futures] == list(range(10))
        processes = list(pool._processes.values())
        pool.shutdown(wait=True)
        assert all(p.exitcode is not None for p in processes)
        if initializer:
            marked = set(os.listdir(tmp_path))
            assert {str(p.pid) for p in processes} <= marked
            assert all(p.exitcode == 0 for p in processes)
