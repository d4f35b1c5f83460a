"""The Executor base class: Python 3.14's ``Executor`` on every supported Python.

``map`` is the 3.14 one (lazy ``buffersize``); everything else is inherited
from the stdlib class, so ``isinstance(x, concurrent.futures.Executor)`` holds.
``map_in_chunks`` is the process pools' ``map``, whose ``chunksize`` groups
items into one task.
"""
import collections
import functools
import itertools
import time
import weakref

from ._core.shared._stdlib import StdlibExecutor


def _validate_buffersize(buffersize):
    if buffersize is None:
        return
    if not isinstance(buffersize, int):
        raise TypeError("buffersize must be an integer or None")
    if buffersize < 1:
        raise ValueError("buffersize must be None or > 0")


def _take_result(future, timeout=None):
    # Cancel on the way out so that a generator closed early, or a timeout,
    # leaves nothing running; the local reference is dropped so a yielded
    # result (or a raised exception's traceback) is not kept alive here.
    try:
        try:
            return future.result(timeout)
        finally:
            future.cancel()
    finally:
        del future


class Executor(StdlibExecutor):
    """Base class of the cfutures executors."""

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        """Return an iterator equivalent to ``map(fn, *iterables)``.

        The calls run in the executor. With ``buffersize``, at most that many
        results are pending at once and the inputs are consumed lazily, so an
        endless iterable is fine. Closing the iterator cancels what has not
        started. ``timeout`` bounds the whole iteration (``TimeoutError``).
        """
        _validate_buffersize(buffersize)
        if buffersize is None:
            # Under max_pending the inputs are read lazily, as the bound allows.
            limit = getattr(self, "_pending_limit", None)
            if limit is not None:
                buffersize = limit.bound
        deadline = None if timeout is None else time.monotonic() + timeout
        argument_rows = zip(*iterables)
        if buffersize:
            pending = collections.deque(
                self.submit(fn, *row)
                for row in itertools.islice(argument_rows, buffersize))
        else:
            pending = collections.deque(
                [self.submit(fn, *row) for row in argument_rows])
        # Weak, so the executor can be collected while a map is half-read.
        executor_ref = weakref.ref(self)
        return _map_results(pending, fn, argument_rows, executor_ref,
                            buffersize, deadline)


def _map_results(pending, fn, argument_rows, executor_ref, buffersize,
                 deadline):
    try:
        while pending:
            if buffersize:
                executor = executor_ref()
                row = next(argument_rows, None) if executor is not None else None
                if row is not None:
                    pending.append(executor.submit(fn, *row))
                del executor
            if deadline is None:
                yield _take_result(pending.popleft())
            else:
                yield _take_result(pending.popleft(),
                                   deadline - time.monotonic())
    finally:
        for future in pending:
            future.cancel()


def map_in_chunks(plain_map, fn, iterables, *, timeout, chunksize, buffersize):
    """A process pool's ``map``: ``plain_map`` (an Executor.map) over
    chunks of ``chunksize`` argument rows, one task each, flattened again.
    With ``chunksize`` 1 it is ``plain_map`` itself."""
    if chunksize < 1:
        raise ValueError("chunksize must be >= 1.")
    if chunksize == 1:
        return plain_map(fn, *iterables, timeout=timeout,
                         buffersize=buffersize)
    results = plain_map(functools.partial(_process_chunk, fn),
                        _batched(zip(*iterables), chunksize),
                        timeout=timeout, buffersize=buffersize)
    return _chain_from_iterable_of_lists(results)


def _process_chunk(fn, chunk):
    """Run ``fn`` on every argument tuple of a chunk (in the worker)."""
    return [fn(*args) for args in chunk]


def _batched(iterable, n):
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, n)):
        yield batch


def _chain_from_iterable_of_lists(iterable):
    # Like itertools.chain.from_iterable, but drops each item as it goes.
    for element in iterable:
        element.reverse()
        while element:
            yield element.pop()
