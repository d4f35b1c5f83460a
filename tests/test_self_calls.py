"""What the stdlib's code does through ``self``, cfutures' does too.

The stdlib's ``Executor.map`` makes every call with ``self.submit`` (the
process pool's, one per chunk), ``__exit__`` calls ``self.shutdown``, and
3.14's ``terminate_workers``/``kill_workers`` call ``self.shutdown`` first.
Code relies on it: tqdm's ``process_map`` counts its bar by replacing
``submit`` on the instance; subclasses override ``submit`` to trace, log or
rate-limit. So wherever ``submit`` (or ``shutdown``) is replaced on a
subclass or on the instance, cfutures calls it as the stdlib does, on every
path of ``map`` (default chunksize, ``chunksize``, ``buffersize`` and
cfutures' own options); where it is not, cfutures keeps its fast path.
"""
import io
import math

import pytest

import children
from support import LONG

ITEMS = list(range(23))
EXPECTED = [children.double(x) for x in ITEMS]


def counting_subclass(base):
    class Counting(base):
        def submit(self, fn, /, *args, **kwargs):
            self.calls = getattr(self, "calls", 0) + 1
            return super().submit(fn, *args, **kwargs)
    return Counting


def count_on_instance(pool):
    """Replace ``pool.submit`` on the instance, as tqdm's process_map does."""
    own = pool.submit
    pool.calls = 0

    def counting(*args, **kwargs):
        pool.calls += 1
        return own(*args, **kwargs)
    pool.submit = counting
    return pool


def pools(impl, kind):
    return impl.ThreadPoolExecutor if kind == "thread" else impl.ProcessPoolExecutor


def expected_calls(kind, chunksize):
    # The thread pool ignores chunksize; the process pool submits each chunk.
    return len(ITEMS) if kind == "thread" else math.ceil(len(ITEMS) / chunksize)


MAP_ARGS = {
    "default": {},
    "chunksize": {"chunksize": 4},
    "buffersize": {"buffersize": 3},
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("how", ["subclass", "instance"])
@pytest.mark.parametrize("path", sorted(MAP_ARGS))
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_map_calls_a_replaced_submit_once_per_call(impl, kind, path, how):
    base = pools(impl, kind)
    cls = counting_subclass(base) if how == "subclass" else base
    with cls(2) as pool:
        if how == "instance":
            count_on_instance(pool)
        results = list(pool.map(children.double, ITEMS, timeout=LONG,
                                **MAP_ARGS[path]))
        assert results == EXPECTED
        assert pool.calls == expected_calls(
            kind, MAP_ARGS[path].get("chunksize", 1))


# cfutures' own options, each of which picks another path through map.
OPTIONS = {
    ("thread", "max_pending"): {"max_pending": 5},
    ("process", "max_pending"): {"max_pending": 5},
    ("process", "task_timeout"): {"task_timeout": 60},
    ("process", "replace"): {"on_worker_death": "replace"},
    ("process", "memory"): {"max_worker_memory": 1 << 40},
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("how", ["subclass", "instance"])
@pytest.mark.parametrize("kind,option", sorted(OPTIONS))
def test_map_with_cfutures_options_calls_a_replaced_submit(impl, kind, option,
                                                           how):
    if not impl.accelerated:
        pytest.skip("an option of cfutures' pools")
    base = pools(impl, kind)
    cls = counting_subclass(base) if how == "subclass" else base
    with cls(2, **OPTIONS[kind, option]) as pool:
        if how == "instance":
            count_on_instance(pool)
        assert list(pool.map(children.double, ITEMS, timeout=LONG)) == EXPECTED
        assert pool.calls == len(ITEMS)


@pytest.mark.timeout(120)
def test_map_without_a_replaced_submit_never_calls_submit_per_item(impl):
    # The fast path stays where submit is the pool's own: a subclass that
    # overrides something else sees map's runs, not a submit() per item.
    class Plain(impl.ProcessPoolExecutor):
        pass
    with Plain(2) as pool:
        assert list(pool.map(children.double, ITEMS, timeout=LONG)) == EXPECTED
        assert "submit" not in vars(pool)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_exit_calls_a_replaced_shutdown(impl, kind):
    class Recording(pools(impl, kind)):
        def shutdown(self, wait=True, *, cancel_futures=False):
            self.shutdowns = getattr(self, "shutdowns", []) + [
                (wait, cancel_futures)]
            super().shutdown(wait, cancel_futures=cancel_futures)

    with Recording(1) as pool:
        assert pool.submit(children.double, 2).result(LONG) == 4
    assert pool.shutdowns == [(True, False)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("method", ["terminate_workers", "kill_workers"])
def test_terminate_and_kill_call_a_replaced_shutdown(impl, method):
    if not hasattr(impl.ProcessPoolExecutor, method):
        pytest.skip(f"the stdlib has {method} from 3.14 on")

    class Recording(impl.ProcessPoolExecutor):
        def shutdown(self, wait=True, *, cancel_futures=False):
            self.shutdowns = getattr(self, "shutdowns", []) + [
                (wait, cancel_futures)]
            super().shutdown(wait, cancel_futures=cancel_futures)

    pool = Recording(1)
    assert pool.submit(children.double, 2).result(LONG) == 4
    getattr(pool, method)()
    assert pool.shutdowns[0] == (False, True)
    pool.shutdown(wait=True)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("chunksize", [1, 5])
@pytest.mark.parametrize("function", ["thread_map", "process_map"])
def test_tqdm_bars_count_every_item(impl, function, chunksize, monkeypatch):
    concurrent = pytest.importorskip("tqdm.contrib.concurrent")
    from counting_bar import CountingBar
    pool_class = (impl.ThreadPoolExecutor if function == "thread_map"
                  else impl.ProcessPoolExecutor)
    CountingBar.finals = []
    # tqdm looks its executor classes up in concurrent.futures at call time.
    import concurrent.futures as stdlib
    monkeypatch.setattr(stdlib, pool_class.__name__, pool_class)
    results = getattr(concurrent, function)(
        children.double, ITEMS, max_workers=2, chunksize=chunksize,
        tqdm_class=CountingBar, file=io.StringIO(), miniters=1)
    assert results == EXPECTED
    # One step per submit: per item, or (process pool) per chunk, as on
    # the stdlib; never the 0 of a map that skips submit.
    per_call = function == "process_map" and chunksize > 1
    assert CountingBar.finals == [
        math.ceil(len(ITEMS) / chunksize) if per_call else len(ITEMS)]
