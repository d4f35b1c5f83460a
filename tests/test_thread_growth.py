"""ThreadPoolExecutor grows under bursts as the stdlib's does.

The stdlib's rule: each submit that finds no unclaimed idle worker starts a
thread while the pool is below max_workers, and an idle worker is claimed
by one submit only. So a burst of N calls that block runs on min(N,
max_workers) threads, whatever the pool did before: a little quick work
(which leaves a few threads idle), idle time, earlier bursts, or tasks that
wait for sub-tasks submitted to the same pool. Sequential submit/result
keeps reusing one thread.

Each burst's calls wait at a barrier that only opens once all of them run
at the same time, so a pool that does not grow enough fails the barrier
(bounded by LONG) instead of hanging.
"""
import threading

import pytest

from support import LONG, wait_until


def quick_work(pool, n=64):
    """A little quick work, leaving the threads it started idle."""
    assert list(pool.map(abs, range(-n, 0))) == list(range(n, 0, -1))


def burst(pool, n):
    """``n`` calls that all have to run at once; their results in order."""
    barrier = threading.Barrier(n, timeout=LONG)
    futures = [pool.submit(barrier.wait) for _ in range(n)]
    return sorted(f.result(LONG) for f in futures)


def assert_ran_on_enough_threads(pool, n, max_workers):
    threads = len(pool._threads)
    assert min(n, max_workers) <= threads <= max_workers


@pytest.mark.parametrize("n", [3, 20])
def test_warm_pool_with_idle_threads_grows_for_a_burst(impl, n):
    with impl.ThreadPoolExecutor(32) as pool:
        quick_work(pool)
        idle_before = len(pool._threads)
        assert burst(pool, n) == list(range(n))
        assert_ran_on_enough_threads(pool, n, 32)
        assert len(pool._threads) >= idle_before


def test_cold_burst_starts_a_thread_per_call(impl):
    with impl.ThreadPoolExecutor(32) as pool:
        assert burst(pool, 24) == list(range(24))
        assert_ran_on_enough_threads(pool, 24, 32)


def test_burst_larger_than_the_pool_uses_every_thread(impl):
    running = []
    all_running = threading.Event()
    release = threading.Event()
    lock = threading.Lock()

    def blocked(i):
        with lock:
            running.append(i)
            if len(running) == 8:
                all_running.set()
        assert release.wait(LONG)
        return i

    with impl.ThreadPoolExecutor(8) as pool:
        quick_work(pool)
        futures = [pool.submit(blocked, i) for i in range(40)]
        try:
            assert all_running.wait(LONG), f"only {len(running)} ran at once"
            assert len(pool._threads) == 8
        finally:
            release.set()
        assert [f.result(LONG) for f in futures] == list(range(40))
        assert len(pool._threads) == 8


def test_repeated_bursts_with_idle_gaps(impl):
    with impl.ThreadPoolExecutor(16) as pool:
        for n in (4, 10, 6, 16):
            quick_work(pool, 8)
            assert burst(pool, n) == list(range(n))
            assert_ran_on_enough_threads(pool, n, 16)


def test_tasks_that_wait_for_their_own_sub_tasks(impl):
    # 2 parents each wait for 3 children, and the 6 children must all run
    # at once: 8 threads, the pool's size, are needed.
    with impl.ThreadPoolExecutor(8) as pool:
        quick_work(pool)
        barrier = threading.Barrier(6, timeout=LONG)

        def parent(i):
            children = [pool.submit(barrier.wait) for _ in range(3)]
            return i, sorted(c.result(LONG) for c in children)

        parents = [pool.submit(parent, i) for i in range(2)]
        results = [p.result(LONG) for p in parents]
        assert [i for i, _ in results] == [0, 1]
        assert sorted(r for _, rs in results for r in rs) == list(range(6))
        assert len(pool._threads) == 8


def test_sequential_submit_and_result_reuses_one_thread(impl):
    with impl.ThreadPoolExecutor(8) as pool:
        for i in range(50):
            assert pool.submit(abs, -i).result(LONG) == i
        assert len(pool._threads) == 1


def test_pool_grows_after_its_threads_went_idle_in_a_burst(impl):
    # The case: quick work, a pause, then a burst of blocking calls.
    with impl.ThreadPoolExecutor(32) as pool:
        quick_work(pool)
        wait_until(lambda: len(pool._threads) >= 1)
        assert burst(pool, 32) == list(range(32))
        assert len(pool._threads) == 32
