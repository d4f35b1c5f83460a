"""ProcessPoolExecutor.map with the default chunksize, against the stdlib.

cfutures sends such a map's items in runs (several per call); nothing of
the stdlib's per-item map may show: results in order, an item's exception
raised when that item is reached (and the iterator ends there), a result
or an argument that cannot be pickled failing only its item, ``timeout``
over the whole iteration, and closing the iterator cancelling what has not
started. Every test runs on both implementations.
"""
import functools
import gc
import os
import threading
import weakref

import pytest

from concurrent.futures import TimeoutError as FuturesTimeoutError
from concurrent.futures.process import _RemoteTraceback

from children import (CustomError, double, fail_at, fail_if_negative,
                      identity, lock_at, make_dummy, meet_in, record_once_then,
                      record_then_wait, slow_at, spin, spin_then)
from support import LONG, pickling_error, wait_until


@pytest.fixture
def pool(impl, release):
    pool = impl.ProcessPoolExecutor(2)
    yield pool
    open(release, "a").close()
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def release(tmp_path):
    return str(tmp_path / "release")


def test_results_come_in_input_order(pool):
    assert list(pool.map(double, range(5000))) == [2 * i for i in range(5000)]


@pytest.mark.parametrize("items", [
    range(0), range(1), range(7, 10), range(10 ** 9, 10 ** 9 + 3000),
    range(5000, -5000, -3), range(-1, -200, -1)])
def test_ranges_give_every_item_in_order(pool, items):
    assert list(pool.map(double, items)) == [2 * i for i in items]


def test_a_list_of_ints_gives_every_item_in_order(pool):
    items = list(range(4999, -1, -1))
    assert list(pool.map(double, items)) == [2 * i for i in items]


def test_an_items_exception_in_a_range_is_raised_when_it_is_reached(pool):
    results = pool.map(fail_if_negative, range(2500, -10, -1))
    got = []
    with pytest.raises(CustomError) as caught:
        for value in results:
            got.append(value)
    assert got == list(range(2500, -1, -1))
    assert caught.value.args == ("item -1", -1)
    assert list(results) == []


def test_several_iterables_and_the_shortest_wins(pool):
    assert list(pool.map(pow, range(300), [2] * 1000)) == [
        i ** 2 for i in range(300)]


def test_empty_input(pool):
    assert list(pool.map(double, [])) == []


def test_items_of_uneven_cost_keep_their_order(pool):
    work = [(i * 7919) % 3000 for i in range(400)]
    assert list(pool.map(spin, work)) == work


@pytest.mark.parametrize("bad", [0, 1, 37, 999])
def test_an_items_exception_is_raised_when_it_is_reached(pool, bad):
    results = pool.map(fail_at, range(1000), [bad] * 1000)
    got = []
    with pytest.raises(CustomError) as caught:
        for value in results:
            got.append(value)
    assert got == list(range(bad))
    assert caught.value.args == (f"item {bad}", bad)
    assert isinstance(caught.value.__cause__, _RemoteTraceback)
    # The iterator ends there, as the stdlib's generator does.
    assert list(results) == []


def test_a_result_that_cannot_be_pickled_fails_only_its_item(pool):
    results = pool.map(lock_at, range(600), [300] * 600)
    got = [next(results) for _ in range(300)]
    assert got == list(range(300))
    with pytest.raises(Exception) as caught:
        next(results)
    assert "pickle" in str(caught.value).lower() or "lock" in str(caught.value)


def test_an_argument_that_cannot_be_pickled_fails_only_its_item(pool):
    args = list(range(700))
    args[500] = threading.Lock()
    results = pool.map(identity, args)
    assert [next(results) for _ in range(500)] == list(range(500))
    with pytest.raises(type(pickling_error(threading.Lock()))):
        next(results)


def test_timeout_bounds_the_whole_iteration(pool, release, tmp_path):
    folder = str(tmp_path)
    results = pool.map(record_then_wait, range(10), [folder] * 10,
                       [release] * 10, timeout=0.5)
    with pytest.raises(FuturesTimeoutError):
        list(results)


@pytest.mark.timeout(LONG * 2)
@pytest.mark.parametrize("options", [{}, {"task_timeout": 60}],
                         ids=["default", "task_timeout"])
@pytest.mark.parametrize("one_iterable", [True, False],
                         ids=["one-iterable", "rows"])
def test_results_before_a_running_item_come_while_it_runs(
        impl, release, options, one_iterable):
    # A worker holds item 150 until the caller has the 150 before it: in
    # the stdlib each item is its own call; cfutures' run holding items
    # 127-163 sends those it finished while item 150 runs. (Were they held
    # back, item 150 would wait out LONG and raise: a failure, not a hang.)
    if options and not impl.accelerated:
        pytest.skip("cfutures' options")
    n, held = 200, 150
    with impl.ProcessPoolExecutor(1, **options) as pool:
        if one_iterable:
            results = pool.map(
                functools.partial(slow_at, slow_i=held, release=release),
                range(n))
        else:
            results = pool.map(slow_at, range(n), [held] * n, [release] * n)
        got = [next(results) for _ in range(held)]
        open(release, "a").close()
        got += list(results)
    assert got == [2 * i for i in range(n)]


def test_results_streamed_in_parts_keep_order_and_errors(pool):
    # Items of ~20 us: a run lasts long enough to go in several parts;
    # every 97th raises, and the first error ends the iteration there, as
    # in the stdlib.
    n = 6000
    args = [(-i if i % 97 == 96 and i > 3000 else i) for i in range(n)]
    results = pool.map(spin_then, args, [200] * n)
    assert [next(results) for _ in range(3006)] == list(range(3006))
    with pytest.raises(CustomError) as caught:
        next(results)
    assert caught.value.args == ("item -3006", -3006)
    assert list(results) == []


@pytest.mark.timeout(LONG * 3)
def test_an_idle_worker_takes_the_items_behind_a_held_one(impl, release,
                                                          tmp_path):
    # Items of ~1 ms, one held until the test lets it go: the other worker
    # runs every item behind it meanwhile, bar a few. In the stdlib each
    # item is its own call; cfutures, having measured them, sends a run of
    # them in pieces of ~5 ms, each to a worker that is free.
    n, held = 300, 150
    with impl.ProcessPoolExecutor(2) as pool:
        results = pool.map(record_once_then, range(n), [str(tmp_path)] * n,
                           [0.001] * n, [held] * n, [release] * n)
        try:
            wait_until(lambda: all(os.path.exists(tmp_path / str(i))
                                   for i in range(held + 20, n)))
        finally:
            open(release, "a").close()
        assert list(results) == list(range(n))


def assert_items_meet(pool, folder, n, first, last):
    """map meet_in over range(n): items ``first`` to ``last`` each wait
    until items of two workers have started (children.meet_in); all must
    have, and the others come back as they went. The workers are warm
    first: a first call's imports, measured, would make cfutures cut the
    burst into one-item runs."""
    assert list(pool.map(meet_in, range(8), [str(folder)] * 8, [n] * 8,
                         [n] * 8)) == list(range(8))
    results = list(pool.map(meet_in, range(n), [str(folder)] * n,
                            [first] * n, [last] * n))
    assert results[first:last + 1] == [True] * (last + 1 - first)
    assert results[:first] + results[last + 1:] == [
        i for i in range(n) if not first <= i <= last]


@pytest.mark.timeout(LONG * 2)
def test_slow_items_after_a_run_of_instant_ones_go_to_both_workers(
        pool, tmp_path):
    # The first 64 items return at once, and the 57 after them wait for
    # each other (each until items of both workers have started): the
    # stdlib sends each item alone; cfutures, having measured only instant
    # items, must not leave them all to one worker (the cost it measured
    # says nothing of items it has not seen: the worker that meets the
    # first slow one gives back the items of its run not started).
    assert_items_meet(pool, tmp_path, 400, 64, 120)


@pytest.mark.timeout(LONG * 2)
def test_the_item_after_a_slow_one_in_its_run_goes_to_the_idle_worker(
        pool, tmp_path):
    # Items 64 and 65 (in one run of cfutures' map: runs of 1, 2, 4, ... 64
    # items, of instant items that no cost cuts) wait until both have
    # started, each in its own worker: item 65 must not wait behind item 64
    # in the worker running it while the other worker has nothing to do.
    assert_items_meet(pool, tmp_path, 400, 64, 65)


@pytest.mark.timeout(LONG * 2)
def test_runs_sent_in_pieces_run_each_item_once_and_keep_failures_apart(
        pool, tmp_path):
    # Items of ~0.5 ms (so that runs go in pieces): an argument that cannot
    # be pickled fails only its item, and no item runs twice (a second run
    # of one would raise FileExistsError); an item's exception is raised
    # when it is reached, in a later piece.
    n = 400
    args = list(range(n))
    args[120] = threading.Lock()
    args[300] = -300
    results = pool.map(record_once_then, args, [str(tmp_path)] * n,
                       [0.0005] * n)
    assert [next(results) for _ in range(120)] == list(range(120))
    with pytest.raises(type(pickling_error(threading.Lock()))):
        next(results)
    assert list(pool.map(record_once_then, range(1000, 1400),
                         [str(tmp_path)] * 400, [0.0005] * 400)) == list(
        range(1000, 1400))
    results = pool.map(record_once_then, [-7 if i == 350 else 2000 + i
                                          for i in range(400)],
                       [str(tmp_path)] * 400, [0.0005] * 400)
    assert [next(results) for _ in range(350)] == [2000 + i
                                                   for i in range(350)]
    with pytest.raises(CustomError):
        next(results)


def _close(held):
    held[0].close()


def _drop(held):
    held.clear()   # the last reference
    gc.collect()


@pytest.mark.parametrize("stop", [_close, _drop], ids=["close", "drop"])
def test_stopping_the_iterator_cancels_what_has_not_started(
        pool, release, tmp_path, stop):
    folder = tmp_path / "ran"
    folder.mkdir()
    n = 2000
    results = pool.map(record_then_wait, range(n), [str(folder)] * n,
                       [release] * n, [1] * n)
    # Item 1 holds a worker until released; take item 0, then close the
    # iterator or drop it (a generator closed before it started cancels
    # nothing, in the stdlib too).
    assert next(results) == 0
    wait_until((folder / "1").exists)
    held = [results]
    del results
    stop(held)
    open(release, "a").close()
    pool.shutdown(wait=True)
    ran = len(os.listdir(folder))
    assert 2 <= ran < n


def test_closing_an_iterator_never_started_cancels_nothing(pool, tmp_path):
    folder = tmp_path / "ran"
    folder.mkdir()
    results = pool.map(record_then_wait, range(300), [str(folder)] * 300,
                       [None] * 300, [-1] * 300)
    results.close()
    pool.shutdown(wait=True)
    assert len(os.listdir(folder)) == 300


def test_map_after_shutdown_raises_at_the_call(impl):
    pool = impl.ProcessPoolExecutor(2)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.map(double, range(10))


def test_bad_iterable_raises_at_the_call(pool):
    def broken():
        yield 1
        raise KeyError("input")
    with pytest.raises(KeyError):
        pool.map(double, broken())


@pytest.mark.timeout(LONG * 2)
def test_map_mixed_with_submit(pool):
    futures = [pool.submit(double, i) for i in range(50)]
    assert list(pool.map(double, range(3000))) == [2 * i for i in range(3000)]
    assert [f.result(LONG) for f in futures] == [2 * i for i in range(50)]


def test_yielded_results_are_not_kept_alive(pool):
    # As CPython's test_free_reference: once the caller drops a result,
    # nothing in the iterator holds it.
    for obj in pool.map(make_dummy, range(200)):
        ref = weakref.ref(obj)
        del obj
        gc.collect()
        assert ref() is None


@pytest.mark.parametrize("n,workers", [(20_000, 2), (4_000, 2), (1_000, 8),
                                        (7, 3), (1, 1)])
def test_runs_cover_the_items_and_shrink_towards_the_end(n, workers):
    # The compiled core's plan (the stdlib has none): every item in exactly
    # one run, sizes doubling from 1, and no run more than a share of what
    # is left, so that no worker is left with a long run while others idle.
    batching = pytest.importorskip("cfutures._core.parent._batching")
    sizes, start = [], 0
    while start < n:
        size = batching.map_run_size(len(sizes), range(n), start, workers, False)
        left = n - start
        assert 1 <= size <= left
        assert size <= max(1, -(-left // (2 * workers)))
        if len(sizes) < 12:
            assert size <= 1 << len(sizes)
        sizes.append(size)
        start += size
    assert sum(sizes) == n
    assert sizes[0] == 1 and sizes[-1] == 1
