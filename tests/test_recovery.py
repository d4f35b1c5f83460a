"""The process pool's recovery options (cfutures only; the stdlib has none):
on_worker_death="replace", task_timeout / submit_with, max_worker_memory.

Every test checks that nothing is lost (each future ends) and nothing runs
twice (calls count their runs in shared memory, children.run_and_record),
and that the pool stays usable. Which calls a dying worker had started is
made certain by running it alone (max_workers=1) behind a gate file.
"""
import multiprocessing
import os
import time

import pytest

import children
from support import LONG, non_fork_context, wait_until

pytestmark = pytest.mark.timeout(120)

FAULTS = ["sigkill", "exit", "segfault"]


def context():
    return non_fork_context()


def recording_pool(accel, runs, max_workers=2, **options):
    return accel.ProcessPoolExecutor(
        max_workers, mp_context=context(), initializer=children.record_into,
        initargs=(runs,), **options)


def broken_classes(accel):
    import cfutures
    return cfutures.process.BrokenProcessPool, cfutures.WorkerProcessDied


# -- on_worker_death="replace" --------------------------------------------------

@pytest.mark.parametrize("fault", FAULTS)
def test_a_death_fails_only_the_call_it_ran(accel, fault):
    import cfutures.process
    runs = context().RawArray("i", 40)
    with recording_pool(accel, runs, on_worker_death="replace") as pool:
        pool.submit(children.getpid).result(LONG)
        before = [pool.submit(children.run_and_record, i) for i in range(10)]
        dying = pool.submit(children.run_and_record, 10, fault)
        after = [pool.submit(children.run_and_record, i) for i in range(11, 30)]
        with pytest.raises(cfutures.WorkerProcessDied) as caught:
            dying.result(LONG)
        assert isinstance(caught.value, cfutures.process.BrokenProcessPool)
        assert caught.value.pid is not None and caught.value.exitcode != 0
        assert str(caught.value.pid) in str(caught.value)
        assert [f.result(LONG) for f in before + after] == [
            i for i in range(30) if i != 10]
        # Usable afterwards, on a replacement, with map too.
        assert list(pool.map(children.double, range(20), timeout=LONG)) == [
            2 * i for i in range(20)]
        assert caught.value.pid != pool.submit(children.getpid).result(LONG)
        assert caught.value.pid not in pool._processes
    assert list(runs[:30]) == [1] * 30


def test_calls_queued_behind_a_dying_call_run_elsewhere(accel, tmp_path):
    """One worker gets [die, 19 calls] in its queue; the 19 never started
    there and must each run exactly once on the replacement."""
    import cfutures
    runs = context().RawArray("i", 20)
    gate = tmp_path / "gate"
    with recording_pool(accel, runs, max_workers=1, on_worker_death="replace") as pool:
        pool.submit(children.getpid).result(LONG)   # the worker is up
        holder = pool.submit(children.wait_for_file, str(gate))
        dying = pool.submit(children.run_and_record, 0, "sigkill")
        queued = [pool.submit(children.run_and_record, i) for i in range(1, 20)]
        gate.write_text("go")
        assert holder.result(LONG) is None
        with pytest.raises(cfutures.WorkerProcessDied):
            dying.result(LONG)
        assert [f.result(LONG) for f in queued] == list(range(1, 20))
    assert list(runs) == [1] * 20


def test_an_idle_worker_that_dies_is_replaced(accel):
    import signal
    runs = context().RawArray("i", 4)
    with recording_pool(accel, runs, max_workers=1, on_worker_death="replace") as pool:
        pid = pool.submit(children.getpid).result(LONG)
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: pid not in pool._processes)
        assert pool.submit(children.run_and_record, 0).result(LONG) == 0
        assert pool.submit(children.getpid).result(LONG) != pid


def test_a_crash_loop_breaks_the_pool(accel):
    import cfutures.process
    pool = accel.ProcessPoolExecutor(2, mp_context=context(),
                                     initializer=children.exit_at_start,
                                     on_worker_death="replace")
    try:
        future = pool.submit(children.double, 1)
        with pytest.raises(cfutures.process.BrokenProcessPool) as caught:
            future.result(LONG)
        assert not isinstance(caught.value, cfutures.WorkerProcessDied)
        assert "crash loop" in str(caught.value)
        with pytest.raises(cfutures.process.BrokenProcessPool, match="crash loop"):
            pool.submit(children.double, 1)
    finally:
        pool.shutdown(wait=True)


def test_break_stays_the_default(accel):
    import cfutures
    runs = context().RawArray("i", 2)
    with recording_pool(accel, runs) as pool:
        future = pool.submit(children.run_and_record, 0, "exit")
        with pytest.raises(cfutures.process.BrokenProcessPool) as caught:
            future.result(LONG)
        assert not isinstance(caught.value, cfutures.WorkerProcessDied)
        with pytest.raises(cfutures.process.BrokenProcessPool):
            pool.submit(children.double, 1)


def test_terminate_workers_replaces_nothing(accel, tmp_path):
    import cfutures.process
    pool = accel.ProcessPoolExecutor(2, mp_context=context(), on_worker_death="replace")
    running = pool.submit(children.wait_for_file, str(tmp_path / "never"))
    wait_until(lambda: running.running())
    pids = list(pool._processes)
    pool.terminate_workers()
    with pytest.raises(cfutures.process.BrokenProcessPool):
        running.result(LONG)
    pool.shutdown(wait=True)
    assert all(children_gone(pid) for pid in pids)


def children_gone(pid):
    from support import process_gone
    return process_gone(pid)


def test_random_deaths_lose_nothing_and_run_nothing_twice(accel):
    """400 calls, one in 20 killing its worker (every kind of death): each
    future ends, the deaths fail only their own call, the others succeed,
    and no call runs twice."""
    import cfutures
    n = 400
    runs = context().RawArray("i", n)
    faults = {i: FAULTS[(i // 20) % 3] for i in range(7, n, 20)}
    with recording_pool(accel, runs, max_workers=2, on_worker_death="replace") as pool:
        futures = [pool.submit(children.run_and_record, i, faults.get(i))
                   for i in range(n)]
        for i, future in enumerate(futures):
            if i in faults:
                with pytest.raises(cfutures.WorkerProcessDied):
                    future.result(LONG)
            else:
                assert future.result(LONG) == i
    assert max(runs) == 1
    assert all(runs[i] == 1 for i in range(n) if i not in faults)


# -- task_timeout and submit_with -----------------------------------------------

@pytest.mark.parametrize("how", ["sleep", "spin", "c"])
def test_a_call_past_its_time_limit_fails_and_the_rest_carry_on(accel, how):
    import cfutures
    with accel.ProcessPoolExecutor(1, mp_context=context(), task_timeout=1.0) as pool:
        pool.submit(children.getpid).result(LONG)
        done_before = [pool.submit(children.run_for, 0.01) for _ in range(5)]
        started = time.monotonic()
        too_long = pool.submit(children.run_for, 60, how)
        behind = [pool.submit(children.run_for, 0.01) for _ in range(5)]
        with pytest.raises(cfutures.TimeoutError) as caught:
            too_long.result(LONG)
        assert time.monotonic() - started < 20
        assert "time limit" in str(caught.value)
        assert [f.result(LONG) for f in done_before + behind] == [0.01] * 10
        assert pool.submit(children.double, 4).result(LONG) == 8


def test_a_call_holding_the_gil_in_c_times_out_and_loses_nothing(accel):
    """The worker's flusher cannot send results while a call holds the GIL:
    calls of its batch answered before it may fail with WorkerProcessDied,
    but every future ends and none runs twice."""
    import cfutures
    with accel.ProcessPoolExecutor(1, mp_context=context(), task_timeout=1.0) as pool:
        pool.submit(children.getpid).result(LONG)
        mixed = [pool.submit(children.run_for, 0.01) for _ in range(3)]
        too_long = pool.submit(children.run_for, 60, "c-gil")
        behind = [pool.submit(children.run_for, 0.01) for _ in range(3)]
        with pytest.raises(cfutures.TimeoutError):
            too_long.result(LONG)
        for future in mixed:
            try:
                assert future.result(LONG) == 0.01
            except cfutures.WorkerProcessDied:
                pass
        assert [f.result(LONG) for f in behind] == [0.01] * 3


def test_submit_with_sets_one_calls_limit(accel):
    import cfutures
    with accel.ProcessPoolExecutor(2, mp_context=context()) as pool:
        limited = pool.submit_with(children.run_for, 30, task_timeout=0.5)
        free = pool.submit_with(children.run_for, 1.0)   # no limit: the pool's (none)
        with pytest.raises(cfutures.TimeoutError):
            limited.result(LONG)
        assert free.result(LONG) == 1.0
        assert pool.submit_with(children.add, 1, 2, c=3, task_timeout=10).result(LONG) == 6


def test_a_per_call_limit_overrides_the_pools(accel):
    with accel.ProcessPoolExecutor(1, mp_context=context(), task_timeout=0.3) as pool:
        assert pool.submit_with(children.run_for, 1.0, task_timeout=20).result(LONG) == 1.0


def test_map_items_time_out_one_by_one(accel):
    import cfutures
    with accel.ProcessPoolExecutor(2, mp_context=context(), task_timeout=1.0) as pool:
        results = pool.map(children.run_for, [0.01, 0.01, 60, 0.01])
        assert next(results) == 0.01
        assert next(results) == 0.01
        with pytest.raises(cfutures.TimeoutError):
            next(results)


@pytest.mark.parametrize("how", ["sleep", "spin", "c"])
def test_a_map_item_past_its_limit_fails_alone(accel, how):
    """Deep inside a long map (where cfutures sends items in runs of many):
    the items before it come, it raises TimeoutError when reached, the
    items after it run elsewhere, each once."""
    import cfutures
    n, hang = 3000, 2000
    runs = context().RawArray("i", n)
    with recording_pool(accel, runs, max_workers=1, task_timeout=1.0) as pool:
        started = time.monotonic()
        results = pool.map(children.record_or_hang, range(n), [hang] * n, [how] * n)
        # Not reading yet: the items after the one killed go on meanwhile.
        wait_until(lambda: all(runs[i] == 1 for i in range(n) if i != hang))
        assert [next(results) for _ in range(hang)] == list(range(hang))
        with pytest.raises(cfutures.TimeoutError) as caught:
            next(results)
        assert "time limit" in str(caught.value)
        assert time.monotonic() - started < 30
        assert list(results) == []   # finished at the error, as the stdlib's
        assert list(runs) == [1] * n
        assert list(pool.map(children.double, range(5))) == [0, 2, 4, 6, 8]


def test_a_map_item_holding_the_gil_past_its_limit_loses_nothing_else(accel):
    """An item that holds the GIL keeps its worker from sending the items
    finished before it: those may fail with WorkerProcessDied, but every
    other item runs once and the iterator ends."""
    import cfutures
    n, hang = 3000, 2000
    runs = context().RawArray("i", n)
    with recording_pool(accel, runs, max_workers=1, task_timeout=1.0) as pool:
        results = pool.map(children.record_or_hang, range(n), [hang] * n,
                           ["c-gil"] * n)
        wait_until(lambda: all(runs[i] == 1 for i in range(n) if i != hang))
        got = []
        with pytest.raises((cfutures.TimeoutError, cfutures.WorkerProcessDied)):
            for value in results:
                got.append(value)
        assert got == list(range(len(got))) and len(got) <= hang
        assert list(runs) == [1] * n


def test_slow_map_items_within_their_limit_all_come(accel):
    """Items each well within the limit but long enough that the worker
    sends its runs in parts: every result comes once, in order."""
    n = 60
    runs = context().RawArray("i", n)
    with recording_pool(accel, runs, max_workers=2, task_timeout=30) as pool:
        sleeps = [0.012 if i % 3 == 0 else 0 for i in range(n)]
        assert list(pool.map(children.record_or_sleep, range(n), sleeps)) == list(range(n))
        assert list(runs) == [1] * n


@pytest.mark.parametrize("value, error", [
    (0, ValueError), (-1, ValueError), (float("nan"), ValueError),
    (True, TypeError), ("1", TypeError)])
def test_bad_time_limits_are_refused(accel, value, error):
    with pytest.raises(error):
        accel.ProcessPoolExecutor(1, task_timeout=value)
    with accel.ProcessPoolExecutor(1, mp_context=context()) as pool:
        with pytest.raises(error):
            pool.submit_with(children.double, 1, task_timeout=value)


@pytest.mark.parametrize("options, error", [
    ({"on_worker_death": "restart"}, ValueError),
    ({"on_worker_death": None}, TypeError),
    ({"max_worker_memory": 0}, ValueError),
    ({"max_worker_memory": 1.5}, TypeError),
    ({"max_worker_memory": True}, TypeError)])
def test_bad_options_are_refused(accel, options, error):
    with pytest.raises(error):
        accel.ProcessPoolExecutor(1, **options)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="no fork start method here")
@pytest.mark.parametrize("options", [{"task_timeout": 1}, {"on_worker_death": "replace"},
                                     {"max_worker_memory": 10**9}])
def test_the_options_refuse_fork(accel, options):
    with pytest.raises(ValueError, match="fork"):
        accel.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), **options)
    with accel.ProcessPoolExecutor(1, **options) as pool:   # defaults to a safe one
        assert pool._mp_context.get_start_method() != "fork"


# -- max_worker_memory ----------------------------------------------------------

def test_a_worker_above_its_memory_bound_retires_losing_nothing(accel):
    runs = context().RawArray("i", 50)
    with recording_pool(accel, runs, max_workers=2, max_worker_memory=1) as pool:
        futures = [pool.submit(children.run_and_record, i) for i in range(50)]
        assert [f.result(LONG) for f in futures] == list(range(50))
        pids = {pool.submit(children.getpid).result(LONG) for _ in range(3)}
        assert len(pids) == 3   # each call retired its worker
        assert sum(pool.map(children.double, range(100), timeout=LONG)) == 9900
    assert list(runs) == [1] * 50


def test_retiring_workers_are_not_taken_for_dead_while_children_are_polled(accel):
    """Another thread polling the children (multiprocessing.active_children(),
    which every Process.start() also does) can read a forkserver child's exit
    code as 255: the pool learns a retirement from the worker itself."""
    import threading
    stop = threading.Event()

    def poll_children():
        while not stop.is_set():
            multiprocessing.active_children()

    poller = threading.Thread(target=poll_children)
    poller.start()
    try:
        with accel.ProcessPoolExecutor(2, mp_context=context(),
                                       max_worker_memory=1) as pool:
            for _ in range(3):
                assert sum(pool.map(children.double, range(60), timeout=LONG)) == 3540
                futures = [pool.submit(children.double, i) for i in range(30)]
                assert [f.result(LONG) for f in futures] == [2 * i for i in range(30)]
    finally:
        stop.set()
        poller.join(LONG)


def test_only_workers_above_the_bound_retire(accel):
    with accel.ProcessPoolExecutor(1, mp_context=context(),
                                   max_worker_memory=2 * 1024 ** 3) as pool:
        pids = {pool.submit(children.getpid).result(LONG) for _ in range(5)}
        assert len(pids) == 1
    with accel.ProcessPoolExecutor(1, mp_context=context(),
                                   max_worker_memory=200 * 1024 ** 2) as pool:
        holder = pool.submit(children.hold_memory, 300).result(LONG)
        assert pool.submit(children.getpid).result(LONG) != holder


def test_memory_bound_beside_max_tasks_per_child(accel):
    with accel.ProcessPoolExecutor(1, mp_context=context(), max_tasks_per_child=3,
                                   max_worker_memory=2 * 1024 ** 3) as pool:
        pids = [pool.submit(children.getpid).result(LONG) for _ in range(6)]
        assert len(set(pids)) == 2


# -- idle_timeout and get_reusable_executor ---------------------------------------

def test_idle_workers_stop_and_start_again_on_demand(accel):
    with accel.ProcessPoolExecutor(2, mp_context=context(), idle_timeout=0.2) as pool:
        first = pool.submit(children.getpid).result(LONG)
        wait_until(lambda: first not in pool._processes)
        assert children_gone(first)
        assert pool.submit(children.double, 21).result(LONG) == 42
        assert pool.submit(children.getpid).result(LONG) != first


def test_busy_workers_are_not_stopped_as_idle(accel):
    with accel.ProcessPoolExecutor(1, mp_context=context(), idle_timeout=0.2) as pool:
        pid = pool.submit(children.getpid).result(LONG)
        assert pool.submit(children.run_for, 0.6).result(LONG) == 0.6
        futures = [pool.submit(children.getpid) for _ in range(50)]
        assert {f.result(LONG) for f in futures} <= {pid} | set(pool._processes)


def test_the_reusable_executor_is_shared_and_replaced(accel):
    import cfutures
    first = cfutures.get_reusable_executor(2, mp_context=context())
    try:
        assert cfutures.get_reusable_executor(2, mp_context=context()) is first
        assert first.submit(children.double, 2).result(LONG) == 4
        running = first.submit(children.run_for, 0.3)
        other = cfutures.get_reusable_executor(1, mp_context=context())
        assert other is not first
        assert running.result(LONG) == 0.3   # the old pool finished its work
        with pytest.raises(RuntimeError):
            first.submit(children.double, 1)
        other.shutdown(wait=True)
        again = cfutures.get_reusable_executor(1, mp_context=context())
        assert again is not other and again.submit(children.double, 3).result(LONG) == 6
    finally:
        cfutures.get_reusable_executor(1, mp_context=context()).shutdown(wait=True)


def test_a_broken_reusable_executor_is_replaced(accel):
    import cfutures
    pool = cfutures.get_reusable_executor(1, mp_context=context())
    try:
        with pytest.raises(cfutures.process.BrokenProcessPool):
            pool.submit(children.die, "exit").result(LONG)
        fresh = cfutures.get_reusable_executor(1, mp_context=context())
        assert fresh is not pool
        assert fresh.submit(children.double, 5).result(LONG) == 10
    finally:
        cfutures.get_reusable_executor(1, mp_context=context()).shutdown(wait=True)
