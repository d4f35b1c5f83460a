"""executor.statistics() (cfutures only; the stdlib has none): counts of
what each pool did and does, exact when read, and with
time_statistics=True the calls' waits and run times. Both pools."""
import dataclasses
import os
import tempfile
import threading

import pytest

import children
from support import LONG, non_fork_context, wait_until

pytestmark = pytest.mark.timeout(120)


def gate(kind):
    """(task, args, release): a call that waits until release()."""
    if kind == "thread":
        event = threading.Event()
        return event.wait, (LONG,), event.set
    path = os.path.join(tempfile.mkdtemp(), "open")

    def release():
        with open(path, "w") as f:
            f.write("1")
    return children.wait_for_file, (path,), release


def test_counts_of_a_finished_workload(make_pool):
    with make_pool(2) as pool:
        futures = [pool.submit(children.fail_at, i, 3) for i in range(10)]
        for future in futures:
            future.exception(LONG)
        stats = pool.statistics()
        assert (stats.submitted, stats.started, stats.completed, stats.failed,
                stats.cancelled, stats.queued, stats.running) == (10, 10, 9, 1, 0, 0, 0)
        assert stats.workers_alive == stats.workers_started >= 1
        assert stats.busy_seconds is None and stats.mean_queue_wait is None
        assert list(pool.map(children.double, range(100))) == list(range(0, 200, 2))
        stats = pool.statistics()
        assert (stats.submitted, stats.completed, stats.failed) == (110, 109, 1)


def test_map_items_that_raise_count_as_failed(make_pool):
    with make_pool(2) as pool:
        results = pool.map(children.fail_at, range(50), [10] * 50)
        with pytest.raises(children.CustomError):
            list(results)
        wait_until(lambda: pool.statistics().running == 0
                   and pool.statistics().queued == 0)
        stats = pool.statistics()
        assert stats.failed == 1
        assert stats.submitted == stats.completed + stats.failed + stats.cancelled


@pytest.mark.timeout(LONG * 2)
def test_a_map_item_raised_before_its_run_ends_counts_as_failed(make_pool,
                                                                tmp_path):
    # One worker: item 140 raises, item 150 of the same run (cfutures)
    # holds it until the iterator has raised item 140's exception (from a
    # part of the run, in cfutures): it still counts as failed once the
    # run ends.
    release = str(tmp_path / "release")
    n = 200
    with make_pool(1) as pool:
        results = pool.map(children.fail_or_hold, range(n), [140] * n,
                           [150] * n, [release] * n)
        with pytest.raises(children.CustomError):
            list(results)
        open(release, "a").close()
        wait_until(lambda: pool.statistics().running == 0
                   and pool.statistics().queued == 0)
        stats = pool.statistics()
        assert stats.failed == 1
        assert stats.submitted == stats.completed + stats.failed + stats.cancelled


@pytest.mark.timeout(LONG * 2)
def test_map_items_given_back_after_a_slow_one_count_once(make_pool,
                                                          tmp_path):
    # Items 64 and 65, in one run of cfutures' map, wait until both run,
    # each in its own worker: the run's worker gives back the items after
    # 64 (FRAME_RUN_REST), which another worker then starts. Every item
    # counts as started and completed once.
    if make_pool.kind == "thread":
        pytest.skip("the items meet in two worker processes")
    n = 400
    with make_pool(2) as pool:
        # Warm workers: a first call's imports would cut runs to one item.
        assert list(pool.map(children.double, range(8))) == list(range(0, 16, 2))
        results = list(pool.map(children.meet_in, range(n),
                                [str(tmp_path)] * n, [64] * n, [65] * n))
        assert results[64:66] == [True, True]
        wait_until(lambda: pool.statistics().running == 0
                   and pool.statistics().queued == 0)
        stats = pool.statistics()
        assert (stats.submitted, stats.started, stats.completed, stats.failed,
                stats.cancelled) == (n + 8, n + 8, n + 8, 0, 0)


def test_queued_running_and_cancelled_while_blocked(make_pool):
    task, args, release = gate(make_pool.kind)
    pool = make_pool(1)
    try:
        running = pool.submit(task, *args)
        queued = [pool.submit(children.double, i) for i in range(5)]
        wait_until(lambda: pool.statistics().running >= 1)
        stats = pool.statistics()
        assert stats.submitted == 6
        if make_pool.kind == "thread":
            assert stats.queued == 5 and stats.started == 1
        pool.shutdown(wait=False, cancel_futures=True)
    finally:
        release()
        pool.shutdown(wait=True)
    running.result(LONG)
    stats = pool.statistics()
    cancelled = sum(f.cancelled() for f in queued)
    assert stats.cancelled == cancelled
    assert stats.completed == 6 - cancelled
    assert stats.running == 0


def test_a_result_seen_is_a_result_counted(make_pool):
    with make_pool(2) as pool:
        for i in range(1, 101):
            pool.submit(children.double, i).result(LONG)
            assert pool.statistics().completed == i


def test_times_with_time_statistics(make_pool):
    with make_pool(2, time_statistics=True) as pool:
        assert pool.statistics().mean_run_time is None   # nothing timed yet
        futures = [pool.submit(children.run_for, 0.02) for _ in range(6)]
        for future in futures:
            future.result(LONG)
        stats = pool.statistics()
        assert stats.busy_seconds >= 6 * 0.02 * 0.9
        assert stats.mean_run_time >= 0.02 * 0.9
        assert 0 <= stats.mean_queue_wait <= stats.max_queue_wait
        assert stats.max_queue_wait >= 0.015   # four waited for a worker


def test_statistics_are_a_frozen_value(accel):
    import cfutures
    with accel.ThreadPoolExecutor(1) as pool:
        stats = pool.statistics()
    assert isinstance(stats, cfutures.PoolStatistics)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.submitted = 5
    assert stats.workers_started == 0 and stats.submitted == 0
