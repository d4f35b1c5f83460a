"""A process pool's map() with the default chunksize: items travel in runs.

The stdlib gives every item its own future and its own call. Here the items
(read eagerly, as the stdlib does) are cut into runs, each one call of
``_core._worker.run_items`` with its own future, sized by
``_core._batching.map_run_size``: the first runs carry one item, so slow
calls are not held back, and the size ramps up to hundreds of tiny items.
What the caller sees is the stdlib's ``chunksize=1``:

* results come in input order, one per item;
* an item's exception (with its remote traceback as ``__cause__``) is
  raised when that item is reached, and the iterator ends there;
* a result that cannot be pickled fails only its item (the worker encodes
  that item's pickling error); an argument that cannot be pickled fails
  the run's call, whose items are then sent again one per call, so that
  only the bad item fails;
* ``timeout`` bounds the whole iteration from the call of map();
* closing the iterator (or an exception) cancels every run not started.

With ``buffersize`` the per-item map of cfutures._executor is used (it reads
the inputs exactly as lazily as the stdlib's), and so it is with
``max_tasks_per_child``, which counts every item as a task.
"""
import collections
import time
import weakref

from ._core._batching import map_run_size
from ._core._wire import decode_exception, out_of_band_items
from ._core._worker import run_items
from ._stdlib import BrokenExecutor, CancelledError, TimeoutError


def map_in_runs(executor, fn, iterables, timeout):
    """The iterator of ``executor.map(fn, *iterables, timeout=timeout)``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    # One iterable: its items are the arguments (no tuple per item).
    rows = len(iterables) != 1
    items = list(zip(*iterables)) if rows else list(iterables[0])
    workers = executor._max_workers
    runs = collections.deque()
    start = 0
    try:
        while start < len(items):
            size = map_run_size(len(runs), len(items) - start, workers)
            batch = out_of_band_items(items[start:start + size], rows)
            runs.append((executor.submit_run(run_items, fn, batch, rows),
                         batch))
            start += size
    except BaseException:
        for future, _ in runs:
            future.cancel()
        raise
    del items
    return _run_results(runs, fn, rows, weakref.ref(executor), deadline)


def _run_results(runs, fn, rows, executor_ref, deadline):
    try:
        while runs:
            future, batch = runs[0]
            try:
                run = future.result(
                    None if deadline is None else deadline - time.monotonic())
            except (BrokenExecutor, CancelledError, TimeoutError):
                raise
            except BaseException:
                if len(batch) == 1:
                    raise
                # The call itself failed (an argument that cannot be
                # pickled): send its items one per call, so only the bad
                # one fails, where it stands.
                runs.popleft()
                runs.extendleft(
                    reversed(_one_per_call(executor_ref, fn, batch, rows)))
                continue
            finally:
                del future
            runs.popleft()
            del batch
            values, errors = run.values, run.errors
            del run
            # Popped as yielded: nothing here keeps a result alive once the
            # caller dropped it (the stdlib's map does not either).
            values.reverse()
            for i in range(len(values)):
                if errors is not None and i in errors:
                    raise decode_exception(errors.pop(i))
                yield values.pop()
    finally:
        for future, _ in runs:
            future.cancel()


def _one_per_call(executor_ref, fn, batch, rows):
    executor = executor_ref()
    if executor is None:
        raise RuntimeError("the executor was collected while its map ran")
    return [(executor.submit_run(run_items, fn, [item], rows), [item])
            for item in batch]
