"""The batch choice: which waiting calls go to which worker, in how big a
frame, and their pickling.

The manager (``dispatch``) sends what waits in rounds, a batch to each
worker that can take one, its size from BatchPolicy (_batching.pyx) and
shared evenly among the eligible workers; a map run (one call standing for
many items) travels alone, cut to pieces of the measured cost (``cut_run``).
submit() sends one call straight to an idle worker through ``idle_worker``
and ``send_calls`` (_dispatcher.pyx).

A call that does not pickle fails alone, its batch goes on; a batch pickled
for a worker that meanwhile stopped taking calls goes back to the front of
the queue.

Threading model: GIL held throughout; called by the manager thread and by
submit() threads. Pickling runs Python code, so other threads may run in
the middle of ``send_calls``: it holds a reservation (PoolState.reserved)
meanwhile, and books the calls on the worker only after pickling.
"""
cimport cython
from cfutures._core.parent._channel cimport LEAVING, RETIRING, TIMED_OUT
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.shared._codec cimport call_tuple, dumps, local_failure
from cfutures._core.shared._frames cimport FRAME_CALLS, frame_parts, payload_size
from cfutures._core.parent._work_item cimport ProcessWorkItem
from libc.stdint cimport uint32_t

from cfutures._core.shared._stdlib import BrokenProcessPool


@cython.final
cdef class BatchSender:

    def __init__(self, PoolState state):
        self.state = state

    cdef int dispatch(self) except -1:
        """Send what waits to the workers that can take it, in rounds."""
        while self.state.pending and self.dispatch_round():
            pass
        return 0

    cdef bint dispatch_round(self) except -1:
        """One batch to each worker that can take one; False if none could."""
        cdef PoolState state = self.state
        cdef object pending = state.pending
        cdef list workers = state.supervisor.channels
        cdef Py_ssize_t n = len(workers), i, k, eligible, share, left, depth
        cdef double now = cf_monotonic()
        cdef WorkerChannel w
        if n == 0:
            return False
        k = state.batching.batch_size(len(pending), n)
        # A map run travels alone: what waits is then counted in frames.
        depth = state.batching.depth(
            len(pending), n,
            1 if (<ProcessWorkItem>pending[0]).run_length else k)
        eligible = 0
        for w in workers:
            if w.can_take(state.max_tasks, depth, now):
                eligible += 1
        if eligible == 0:
            return False
        for i in range(n):
            if not pending or eligible == 0:
                break
            w = workers[(self.next_worker + i) % n]
            if not w.can_take(state.max_tasks, depth, now):
                continue
            # Share what waits evenly among the workers that can take it.
            share = (len(pending) + eligible - 1) // eligible
            eligible -= 1
            left = k if k < share else share
            if state.max_tasks and left > state.max_tasks - w.sent:
                left = state.max_tasks - w.sent
            self.send_batch(w, left)
        self.next_worker = (self.next_worker + 1) % n
        return True

    cdef int send_batch(self, WorkerChannel w, Py_ssize_t k) except -1:
        """Take up to ``k`` waiting calls (or one map run) for ``w``."""
        cdef PoolState state = self.state
        cdef object pending = state.pending
        cdef list calls = []
        cdef list items = []
        cdef ProcessWorkItem item
        while len(calls) < k and pending:
            # A run of map items is sized already: it travels alone, so
            # that frames of measured calls are not mixed with runs.
            if calls and (<ProcessWorkItem>pending[0]).run_length:
                break
            item = pending.popleft()
            # A call back from a worker that ended before starting it is
            # running already.
            if not item.requeued:
                if not item.future.start_or_notify_cancel():
                    state.counts.cancelled += item.weight()
                    continue
                if item.run_length:
                    self.cut_run(item)
                state.count_start(item, 0.0)
            calls.append(call_tuple(item.fn, item.args, item.kwargs))
            items.append(item)
            if item.run_length:
                self.send_calls(w, calls, items, item.run_length)
                return 0
        if calls:
            self.send_calls(w, calls, items, 1)
        return 0

    cdef int cut_run(self, ProcessWorkItem run) except -1:
        """Send a map run that the measured cost makes long in pieces: this
        one keeps the first, the rest waits at the front of the queue for
        the next worker that is free (_batching.run_piece)."""
        cdef Py_ssize_t first = self.state.batching.run_piece(run.run_length)
        if first < run.run_length:
            self.state.pending.appendleft(run.split_run(first))
        return 0

    cdef int send_calls(self, WorkerChannel w, list calls, list items,
                        Py_ssize_t weight) except -1:
        """Pickle ``calls`` (of ``items``, whose futures run already) and queue them
        for ``w``; ``weight``: the items each call stands for (1, or a map
        run's length: the batch policy measures items). May run in the
        manager or, for an idle worker, in submit().
        """
        cdef PoolState state = self.state
        cdef BufferCollector collector = BufferCollector()
        cdef Py_ssize_t n, frame_bytes
        cdef ProcessWorkItem item
        cdef list views
        collector.serializer = state.serializer
        # Pickling runs Python code that may let other threads in: the
        # manager must not stop while these calls are in nobody's books.
        state.reserved += 1
        try:
            try:
                body = dumps(calls, collector)
            except Exception:
                body = None
            if body is None:
                # Outside the handler: the failures must not chain to this
                # thread's frames (through __context__), which would keep
                # them, and the caller's locals, alive.
                body = self.pickle_each(calls, items, collector)
        finally:
            state.release_reservation()
        if body is None:
            return 0
        if w.state in (RETIRING, LEAVING, TIMED_OUT) and not state.broken:
            # It stopped taking calls while these were pickled (stopped as
            # idle, retired, over its memory bound, killed for time): they
            # go to another worker; the reservation kept them counted.
            for item in reversed(items):
                item.requeued = True
                state.pending.appendleft(item)
            state.wake(look_again=True)
            return 0
        if state.broken or not w.takes_calls():
            exc = BrokenProcessPool(state.broken or
                                    f"worker {w.pid} exited before the call was sent")
            for item in items:
                state.fail(item, exc)
            return 0
        views = collector.views
        n = len(calls)
        frame_bytes = payload_size(body, views)
        state.batching.measured_frame(frame_bytes, n * weight)
        parts = frame_parts(FRAME_CALLS, <uint32_t>n, body, views)
        # The futures join the worker's books in the order their frames go
        # out: nothing between the booking and the queueing can let another
        # thread in (enqueue queues the frame before anything else).
        # A run travels alone (send_batch).
        w.record_sent(items, state.batching.frame_is_short(
                          (<ProcessWorkItem>items[0]).run_length), weight,
                      state.max_tasks)
        state.inflight_total += n
        w.enqueue(parts, frame_bytes)
        return 0

    cdef object pickle_each(self, list calls, list items, BufferCollector collector):
        """Fail the calls that do not pickle; the rest's pickle, or None."""
        cdef PoolState state = self.state
        cdef Py_ssize_t i
        cdef ProcessWorkItem item
        good_calls = []
        good_items = []
        for i in range(len(calls)):
            try:
                dumps(calls[i], collector)
            except Exception as exc:
                item = items[i]
                state.local_failures += 1
                state.counts.failed += item.weight()
                item.future.finish(local_failure(exc), True)
            else:
                good_calls.append(calls[i])
                good_items.append(items[i])
        calls[:] = good_calls
        items[:] = good_items
        if not calls:
            return None
        return dumps(calls, collector)

    cdef WorkerChannel idle_worker(self):
        """A worker with nothing to do and no thread writing to it, or None."""
        cdef WorkerChannel w
        for w in self.state.supervisor.channels:
            if not w.writing and w.can_take(self.state.max_tasks, 1, 0.0):
                return w
        return None
