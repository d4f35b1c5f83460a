"""DaskExecutor: the concurrent.futures API on a Dask cluster.

Each ``submit`` gets a cfutures Future at once and queues its call here; a
sender thread takes what is queued in batches (``_sizing.burst_batch``: one
call alone while the cost of a call is unknown, then as many as make about
20 ms of work, split over the cluster's threads) and sends each batch as one
dask task running ``_remote.run_calls``, with ``pure=False`` so that equal
calls are never merged. A call is marked running when its batch is sent, so
``cancel()`` succeeds exactly for calls not sent yet. At most a few batches
per worker thread are in flight; the rest wait here, where they can still be
cancelled. ``_tasks.InFlight`` settles the futures (see there); ``_map``
does ``map``.
"""
import collections
import threading
import time
import weakref

import cloudpickle  # type: ignore[import-untyped,import-not-found,unused-ignore]

from .._executor import Executor, _validate_buffersize
from .._implementation import implementation
from .._core.shared._stdlib import register_atexit
from ._map import MapStream
from ._outcomes import decode_answer, decode_error
from ._remote import run_calls
from ._sizing import CallCost, burst_batch, tasks_in_flight
from ._tasks import InFlight

Future = implementation.Future
_live_executors: "weakref.WeakSet[DaskExecutor]" = weakref.WeakSet()
_interpreter_exiting = False
# Seconds between looks at how many threads the cluster has.
_THREADS_REFRESH = 1.0


def _shutdown_at_exit():
    # As the stdlib's pools: work already submitted still runs at exit.
    global _interpreter_exiting
    _interpreter_exiting = True
    for executor in list(_live_executors):
        executor.shutdown(wait=True)


register_atexit(_shutdown_at_exit)


class _CallBatch:
    """One dask task of submitted calls (the InFlight protocol)."""
    __slots__ = ("futures", "cost", "dask_future")

    def __init__(self, futures, cost):
        self.futures = futures
        self.cost = cost
        self.dask_future = None

    def deliver(self, answer):
        seconds, values, errors = decode_answer(answer)
        self.cost.measured(seconds, len(values))
        for index, future in enumerate(self.futures):
            if errors and index in errors:
                future.set_exception(decode_error(errors[index]))
            else:
                future.set_result(values[index])

    def fail(self, exc):
        for future in self.futures:
            future.set_exception(exc)


class DaskExecutor(Executor):
    """An Executor whose calls run on a Dask cluster.

    ``address_or_client``: None starts a ``LocalCluster`` on 127.0.0.1 with
    no dashboard (``options`` go to it) that the executor closes at
    shutdown; a scheduler address connects a ``Client`` to it (``options``
    go to the Client, and only the Client is closed at shutdown); a
    ``distributed.Client`` is used as it is and left open.
    """

    def __init__(self, address_or_client=None, **options):
        import dask  # type: ignore[import-not-found,unused-ignore]
        import distributed  # type: ignore[import-not-found,unused-ignore]
        self._owned = []   # closed at shutdown, in this order
        if address_or_client is None:
            options.setdefault("host", "127.0.0.1")
            options.setdefault("dashboard_address", None)
            # A dead worker fails its calls (DaskWorkerDied) rather than
            # having dask run them again elsewhere, as a process pool does.
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                cluster = distributed.LocalCluster(**options)
            try:
                client = distributed.Client(cluster, set_as_default=False)
            except BaseException:
                cluster.close()
                raise
            self._owned = [client, cluster]
        elif isinstance(address_or_client, distributed.Client):
            if options:
                raise TypeError("DaskExecutor() takes no options with a Client")
            client = address_or_client
        else:
            client = distributed.Client(address_or_client,
                                        set_as_default=False, **options)
            self._owned = [client]
        self.client = client
        self._calls = collections.deque()   # (future, fn, args, kwargs)
        self._calls_changed = threading.Condition()
        self._shutdown = False
        self._cost = CallCost()
        self._sent_unmeasured = 0
        self._threads_seen = (1, float("-inf"))
        self._in_flight = InFlight(client)
        self._feeders = set()   # threads of maps still reading their input
        self._maps = weakref.WeakSet()   # MapStreams not yet closed
        self._finish_lock = threading.Lock()
        self._finished = False
        self._sender = threading.Thread(
            target=self._send_calls, name="cfutures-dask-sender", daemon=True)
        self._sender.start()
        _live_executors.add(self)

    # -- the cluster -----------------------------------------------------

    def _worker_threads(self):
        """How many threads the cluster's workers have (looked up at most
        once a second)."""
        count, seen_at = self._threads_seen
        now = time.monotonic()
        if now - seen_at > _THREADS_REFRESH:
            try:
                count = max(1, sum(self.client.nthreads().values()))
            except Exception:
                pass   # keep the last count; a send will report the problem
            self._threads_seen = (count, now)
        return count

    def _send_task(self, task, function, work):
        """Send ``task`` as the dask task ``function(pickle of work)``;
        raises what pickling or ``Client.submit`` raises."""
        payload = cloudpickle.dumps(work, protocol=5)
        task.dask_future = self.client.submit(function, payload, pure=False)
        self._in_flight.add(task)

    # -- submit ----------------------------------------------------------

    def submit(self, fn, /, *args, **kwargs):
        with self._calls_changed:
            self._check_open()
            future = Future()
            self._calls.append((future, fn, args, kwargs))
            self._calls_changed.notify()
        return future

    submit.__doc__ = Executor.submit.__doc__

    def _check_open(self):
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        if _interpreter_exiting:
            raise RuntimeError(
                "cannot schedule new futures after interpreter shutdown")

    def _send_calls(self):
        while True:
            with self._calls_changed:
                while not self._calls and not self._shutdown:
                    self._calls_changed.wait()
                if not self._calls:
                    return
            threads = self._worker_threads()
            self._in_flight.wait_below(tasks_in_flight(threads, self._cost))
            with self._calls_changed:
                size = burst_batch(self._cost, len(self._calls), threads,
                                   self._sent_unmeasured)
                taken = [self._calls.popleft()
                         for _ in range(min(size, len(self._calls)))]
            futures, calls = [], []
            for future, fn, args, kwargs in taken:
                if future.set_running_or_notify_cancel():
                    futures.append(future)
                    calls.append((fn, args, kwargs))
            del taken
            if futures:
                if self._cost.seconds is None:
                    self._sent_unmeasured += 1
                self._send_batch(futures, calls)

    def _send_batch(self, futures, calls):
        batch = _CallBatch(futures, self._cost)
        try:
            self._send_task(batch, run_calls, calls)
        except BaseException as exc:
            if len(calls) == 1:
                futures[0].set_exception(exc)
                return
            # One call did not serialize: send each alone, so only it fails.
            for future, call in zip(futures, calls):
                self._send_batch([future], [call])

    # -- map ---------------------------------------------------------------

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        """Return an iterator equivalent to ``map(fn, *iterables)``.

        The items travel many to a dask task; the input is read lazily,
        with a few tasks per worker thread in flight (all of it is still
        read and run if the results are never asked for, as the stdlib's).
        With ``buffersize``, at most that many items are sent and not yet
        yielded. ``chunksize`` > 1 puts exactly that many items in a task.
        """
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        _validate_buffersize(buffersize)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._calls_changed:
            self._check_open()
        stream = MapStream(self, fn, iterables, chunksize, buffersize, deadline)
        return stream.results()

    def _start_feeder(self, target):
        """Run a map's reader thread; shutdown(wait=True) waits for it."""
        thread = threading.Thread(target=self._run_feeder, args=(target,),
                                  name="cfutures-dask-map", daemon=True)
        with self._calls_changed:
            self._feeders.add(thread)
        thread.start()

    def _run_feeder(self, target):
        try:
            target()
        finally:
            with self._calls_changed:
                self._feeders.discard(threading.current_thread())
                self._calls_changed.notify_all()

    def _accepts_work(self):
        return not self._shutdown

    # -- shutdown ------------------------------------------------------------

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._calls_changed:
            self._shutdown = True
            if cancel_futures:
                while self._calls:
                    future = self._calls.popleft()[0]
                    future.cancel()
                    future.set_running_or_notify_cancel()
            self._calls_changed.notify_all()
        if cancel_futures:
            for stream in list(self._maps):
                stream.cancel_unsent()
        if wait and threading.current_thread() not in self._own_threads():
            self._finish()
        else:
            threading.Thread(target=self._finish,
                             name="cfutures-dask-shutdown").start()

    shutdown.__doc__ = Executor.shutdown.__doc__

    def _own_threads(self):
        return (self._sender, self._in_flight.thread, *self._feeders)

    def _finish(self):
        # Every queued call sent, every map's input read, every task settled,
        # then what this executor started is closed.
        with self._finish_lock:
            if self._finished:
                return
            self._sender.join()
            with self._calls_changed:
                while self._feeders:
                    self._calls_changed.wait()
            self._in_flight.wait_empty()
            self._in_flight.stop()
            for resource in self._owned:
                try:
                    resource.close()
                except Exception:
                    pass
            self._finished = True
            _live_executors.discard(self)
