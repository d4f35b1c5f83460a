"""A process pool's map() with the default chunksize: items travel in runs.

The stdlib gives every item its own future and its own call. Here the items
(read eagerly, as the stdlib does) are cut into runs, each one call of
``_core.worker._worker.run_items`` with its own future, sized by
``_core.parent._batching.map_run_size``: the first runs carry one item, so slow
calls are not held back; sizes double up to thousands of tiny items (or
about a megabyte of arguments), and shrink again towards the end, so the
workers finish together.
What the caller sees is the stdlib's ``chunksize=1``:

* results come in input order, one per item (a ``range`` is cut into
  ranges, so its ints are made in the worker, not pickled);
* an item's exception (with its remote traceback as ``__cause__``) is
  raised when that item is reached, and the iterator ends there;
* a result that cannot be pickled fails only its item (the worker encodes
  that item's pickling error); an argument that cannot be pickled fails
  the run's call, whose items are then sent again one per call, so that
  only the bad item fails;
* ``timeout`` bounds the whole iteration from the call of map();
* a long run's results are yielded as its worker sends them in parts
  (every few milliseconds), not only when the run ends;
* closing the iterator (or an exception) cancels every run not started.

With ``buffersize`` the per-item map of cfutures._executor is used (it reads
the inputs exactly as lazily as the stdlib's), and so it is with
``max_tasks_per_child``, which counts every item as a task.
"""
import collections
import weakref

from ._core.parent._batching import map_run_size
from ._core.parent._map_results import RunResults
from ._core.shared._codec import out_of_band_items
from ._core.worker._worker import run_items


def map_in_runs(executor, fn, iterables, timeout):
    """The iterator of ``executor.map(fn, *iterables, timeout=timeout)``."""
    runs = collections.deque()
    executor_ref = weakref.ref(executor)
    # Made first: the timeout counts from the call of map(), as the stdlib's.
    results = RunResults(
        runs, lambda batch: _one_per_call(executor_ref, fn, batch, rows),
        timeout)
    # One iterable: its items are the arguments (no tuple per item).
    rows = len(iterables) != 1
    # A range travels as ranges: its runs pickle to a few bytes each, and
    # reading it has no effects to keep in order.
    ranged = not rows and type(iterables[0]) is range
    if ranged:
        items = iterables[0]
    else:
        items = list(zip(*iterables)) if rows else list(iterables[0])
    workers = executor._max_workers
    start = 0
    try:
        while start < len(items):
            size = map_run_size(len(runs), items, start, workers, rows)
            batch = items[start:start + size]
            if not ranged:
                batch = out_of_band_items(batch, rows)
            runs.append((executor._submit_run(size, run_items, fn, batch, rows),
                         batch))
            start += size
    except BaseException:
        for item, _ in runs:
            item.future.cancel()
        raise
    return results


def _one_per_call(executor_ref, fn, batch, rows):
    executor = executor_ref()
    if executor is None:
        raise RuntimeError("the executor was collected while its map ran")
    return [(executor._submit_run(1, run_items, fn, [item], rows), [item])
            for item in batch]
