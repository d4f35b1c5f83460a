"""cfutures.progress(): a bar that follows work as it finishes, over thread
and process pools of both implementations (progress() itself is the same
Python code for both; what differs is the futures and map iterators)."""
import io
import threading

import pytest

import cfutures
import children
from cfutures import _progress_bar
from support import LONG, wait_until

pytestmark = pytest.mark.timeout(120)


def quiet(**options):
    """tqdm options that keep the bar out of the test's output."""
    return {"file": io.StringIO(), **options}


@pytest.fixture(params=["tqdm", "line"])
def bar_kind(request, monkeypatch, capsys):
    if request.param == "tqdm":
        pytest.importorskip("tqdm")
        return {"file": io.StringIO()}
    monkeypatch.setattr(_progress_bar, "_tqdm", None)
    return {}


def test_futures_advance_as_they_finish_not_as_iterated(impl, bar_kind):
    events = [threading.Event() for _ in range(3)]
    with impl.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(event.wait, LONG) for event in events]
        bar = cfutures.progress(futures, **bar_kind)
        assert bar.total == 3 and bar.done == 0
        events[2].set()           # the last one first
        wait_until(lambda: bar.done == 1)
        for event in events:
            event.set()
        assert list(bar) == futures   # the collection's own order
        wait_until(lambda: bar.done == 3)


@pytest.mark.parametrize("pool_kind", ["thread", "process"])
def test_map_iterator_yields_its_results_and_counts_every_item(impl, bar_kind, pool_kind):
    pool_class = impl.ThreadPoolExecutor if pool_kind == "thread" else impl.ProcessPoolExecutor
    with pool_class(2) as pool:
        bar = cfutures.progress(pool.map(children.double, range(200)), **bar_kind)
        # The stdlib's process map goes in chunks, which do not say their size.
        assert bar.total == (None if (impl.name, pool_kind) == ("stdlib", "process") else 200)
        assert list(bar) == [2 * i for i in range(200)]
        wait_until(lambda: bar.done == 200)


def test_map_with_buffersize_counts_items_as_yielded(impl, bar_kind):
    with impl.ThreadPoolExecutor(2) as pool:
        bar = cfutures.progress(pool.map(children.double, range(50), buffersize=4),
                                total=50, **bar_kind)
        assert list(bar) == [2 * i for i in range(50)]
        assert bar.done == 50


def test_as_completed_counts_each_future_it_yields(impl, bar_kind):
    with impl.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(children.double, i) for i in range(20)]
        bar = cfutures.progress(impl.as_completed(futures, timeout=LONG),
                                total=len(futures), **bar_kind)
        assert sorted(f.result() for f in bar) == [2 * i for i in range(20)]
        assert bar.done == 20


@pytest.mark.parametrize("collection", [list, dict.fromkeys])
def test_as_completed_over_futures_advances_as_they_finish(impl, bar_kind, collection):
    events = [threading.Event() for _ in range(3)]
    with impl.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(event.wait, LONG) for event in events]
        futures.append(futures[0])   # as_completed yields it once
        bar = cfutures.progress(impl.as_completed(collection(futures), timeout=LONG),
                                **bar_kind)
        assert bar.total == 3 and bar.done == 0
        events[2].set()           # counted as it finishes, before any iteration
        wait_until(lambda: bar.done == 1)
        for event in events:
            event.set()
        assert set(bar) == set(futures)
        wait_until(lambda: bar.done == 3)
        assert bar._bar_closed


def test_as_completed_over_an_iterator_counts_what_it_yields(impl, bar_kind):
    with impl.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(children.double, i) for i in range(5)]
        bar = cfutures.progress(impl.as_completed(iter(futures), timeout=LONG),
                                **bar_kind)
        assert bar.total is None   # reading the iterator would use it up
        assert set(bar) == set(futures)
        assert bar.done == 5


def test_an_early_break_closes_the_bar_and_the_map(impl, bar_kind):
    gate = threading.Event()
    with impl.ThreadPoolExecutor(1) as pool:
        results = pool.map(lambda x: gate.wait(LONG) and x, range(100))
        bar = cfutures.progress(results, **bar_kind)
        gate.set()
        for value in bar:
            break
        bar.close()
        assert bar._bar_closed
        with pytest.raises(StopIteration):
            next(results)   # the map is closed: what had not started is cancelled


def test_an_exception_in_the_work_reaches_the_caller_and_closes_the_bar(impl, bar_kind):
    with impl.ThreadPoolExecutor(2) as pool:
        bar = cfutures.progress(pool.map(children.fail_at, range(10), [5] * 10),
                                **bar_kind)
        got = []
        with pytest.raises(children.CustomError):
            for value in bar:
                got.append(value)
        assert got == [0, 1, 2, 3, 4]
        assert bar._bar_closed


def test_with_block_closes_the_bar(impl, bar_kind):
    with impl.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(children.double, i) for i in range(5)]
        with cfutures.progress(futures, **bar_kind) as bar:
            impl.wait(futures, timeout=LONG)
        assert bar._bar_closed


def test_the_fallback_line_shows_count_and_total(monkeypatch, capsys):
    monkeypatch.setattr(_progress_bar, "_tqdm", None)
    futures = [cfutures.Future() for _ in range(4)]
    bar = cfutures.progress(futures, desc="jobs")
    for future in futures:
        future.set_result(None)
    assert bar.done == 4
    err = capsys.readouterr().err
    assert "jobs: 4/4 (100%)" in err and err.endswith("\n")


def test_tqdm_gets_desc_and_options():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    futures = [cfutures.Future() for _ in range(3)]
    bar = cfutures.progress(futures, desc="crunching", file=out, ascii=True)
    for future in futures:
        future.set_result(1)
    assert "crunching" in out.getvalue() and "3/3" in out.getvalue()
    assert bar.done == 3
