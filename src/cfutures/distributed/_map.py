"""DaskExecutor.map: items in chunks, one dask task per chunk, read lazily.

A ``MapStream`` reads the argument rows, cuts them into chunks (an explicit
``chunksize``, or ``_sizing.map_chunk``: small first chunks, then as many
items as make about 20 ms of work, two chunks per worker thread over what
are in the input) and sends each as a dask task running ``_remote.run_rows``. Each
chunk has a future of its own holding ``(values, errors)``.

* Without ``buffersize`` a reader thread sends the chunks, with at most
  ``_sizing.tasks_in_flight`` of them in flight: everything is read and run even
  if the results are never asked for, as the stdlib's map (which submits
  all at once) does, and ``shutdown(wait=True)`` waits for the reader.
* With ``buffersize`` the caller's thread reads, as it takes results:
  at most ``buffersize`` items are sent and not yet yielded, and after
  shutdown the iterator raises the stdlib's RuntimeError when it needs to
  send more.

What the caller sees is the stdlib's: results in input order; an item's
exception (remote traceback as ``__cause__``) raised when that item is
reached, ending the iterator; ``timeout`` over the whole iteration;
closing the iterator cancels the chunks not done. A chunk whose arguments
don't serialize is sent again one item per task, so only the bad item fails.
"""
import collections
import itertools
import threading
import time

from .._implementation import implementation
from .._core.shared._stdlib import CancelledError, InvalidStateError, TimeoutError
from ._outcomes import decode_answer, decode_error
from ._remote import run_rows
from ._sizing import CallCost, map_chunk, tasks_in_flight

Future = implementation.Future


class _Chunk:
    """One dask task of map items (the InFlight protocol)."""
    __slots__ = ("stream", "rows", "future", "dask_future")

    def __init__(self, stream, rows, future):
        self.stream = stream
        self.rows = rows
        self.future = future
        self.dask_future = None

    def deliver(self, answer):
        seconds, values, errors = decode_answer(answer)
        self.stream.cost.measured(seconds, len(values))
        self._settle(self.future.set_result, (values, errors))

    def fail(self, exc):
        self._settle(self.future.set_exception, exc)

    def _settle(self, setter, outcome):
        self.rows = None
        try:
            setter(outcome)
        except InvalidStateError:
            pass   # cancelled when the iterator was closed
        self.stream.chunk_settled()


def _known_length(iterables):
    try:
        return min(len(iterable) for iterable in iterables)
    except TypeError:
        return None


class MapStream:
    """The chunks of one map() call, and the reading of its input."""

    def __init__(self, executor, fn, iterables, chunksize, buffersize,
                 deadline):
        self.executor = executor
        self.fn = fn
        self.rows = zip(*iterables)
        self.length = _known_length(iterables)
        self.chunksize = chunksize
        self.buffersize = buffersize
        self.deadline = deadline
        self.cost = CallCost()
        self.chunks = collections.deque()   # sent, in input order
        self.changed = threading.Condition()
        self.in_flight = 0
        self.chunks_sent = 0
        self.unyielded = 0       # items sent and not yet yielded
        self.read_all = False
        self.read_error = None
        self.closed = False
        self.cancelled = False   # shutdown(cancel_futures=True)
        executor._maps.add(self)
        if buffersize is None:
            executor._start_feeder(self._read_all)
        else:
            self._read_while_allowed()

    # -- reading and sending ------------------------------------------------

    def _next_size(self):
        if self.chunksize > 1:
            return self.chunksize
        return map_chunk(self.cost, self.length,
                         self.executor._worker_threads(), self.chunks_sent)

    def _read_chunk(self, size):
        """Read up to ``size`` rows and send them; False at the end."""
        try:
            rows = list(itertools.islice(self.rows, size))
        except BaseException as exc:
            self.read_error = exc
            rows = []
        if rows:
            self._send(rows)
        if len(rows) == size:
            return True
        with self.changed:
            self.read_all = True
            self.changed.notify_all()
        return False

    def _send(self, rows):
        chunk = _Chunk(self, rows, Future())
        try:
            self.executor._send_task(chunk, run_rows, (self.fn, rows))
        except BaseException as exc:
            if len(rows) > 1:
                for row in rows:   # only the item that did not serialize fails
                    self._send([row])
                return
            chunk.future.set_exception(exc)
            with self.changed:
                self.chunks.append(chunk)
                self.unyielded += 1
                self.changed.notify_all()
            return
        with self.changed:
            self.chunks_sent += 1
            self.in_flight += 1
            self.unyielded += len(rows)
            self.chunks.append(chunk)
            self.changed.notify_all()
        if self.closed:
            self._cancel_chunks()

    def _flight_bound(self):
        return tasks_in_flight(self.executor._worker_threads())

    def _read_all(self):
        # The reader thread of a map without buffersize.
        while True:
            with self.changed:
                while (self.in_flight >= self._flight_bound()
                       and not self.closed and not self.cancelled):
                    self.changed.wait()
                if self.closed or self.cancelled:
                    self.read_all = True
                    self.changed.notify_all()
                    return
            if not self._read_chunk(self._next_size()):
                return

    def _read_while_allowed(self):
        # buffersize: called by the consumer as items are yielded.
        while not self.read_all and self.unyielded < self.buffersize:
            if not self.executor._accepts_work():
                raise RuntimeError("cannot schedule new futures after shutdown")
            size = min(self._next_size(), self.buffersize - self.unyielded)
            if not self._read_chunk(size):
                return

    def chunk_settled(self):
        with self.changed:
            self.in_flight -= 1
            self.changed.notify_all()

    # -- results ------------------------------------------------------------

    def _time_left(self):
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        return left

    def _next_chunk(self):
        with self.changed:
            while not self.chunks and not self.read_all:
                left = self._time_left()
                self.changed.wait(left)
            if self.chunks:
                return self.chunks.popleft()
        if self.read_error is not None:
            raise self.read_error
        if self.cancelled:
            raise CancelledError()
        return None

    def results(self):
        """The generator map() returns."""
        try:
            while True:
                chunk = self._next_chunk()
                if chunk is None:
                    return
                values, errors = chunk.future.result(self._time_left())
                del chunk
                for index, value in enumerate(values):
                    if errors and index in errors:
                        raise decode_error(errors[index])
                    values[index] = None
                    if self.buffersize is not None:
                        self.unyielded -= 1
                        self._read_while_allowed()
                    yield value
                    del value
        finally:
            self.close()

    # -- ending -------------------------------------------------------------

    def close(self):
        """Stop reading and cancel every chunk not yet taken."""
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        self._cancel_chunks()
        self.executor._maps.discard(self)

    def cancel_unsent(self):
        """shutdown(cancel_futures=True): send nothing more."""
        with self.changed:
            self.cancelled = True
            self.changed.notify_all()

    def _cancel_chunks(self):
        with self.changed:
            chunks = list(self.chunks)
            self.chunks.clear()
        running = [c.dask_future for c in chunks
                   if c.future.cancel() and c.dask_future is not None]
        if running:
            try:
                self.executor.client.cancel(running)
            except Exception:
                pass   # the client is closing; the tasks end with it
