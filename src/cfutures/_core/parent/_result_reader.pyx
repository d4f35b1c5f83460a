"""What the workers send to the parent: results, map-run parts and news of
their own lifecycle, read from each worker's result pipe.

Frames (their layout is _frames.pyx's) and what each does here:

* FRAME_RESULTS: the answers to the oldest calls the worker owes; their
  futures complete (WorkerChannel.complete) and the batch policy learns
  how long they took;
* FRAME_RUN_PART: part of a map run's results, kept until the run ends;
* FRAME_RUN_REST: a map run met a slow item: the items after it go back to
  the front of the queue, for whichever worker is free;
* FRAME_READY: the worker booted (and ran its initializer): it takes calls;
* FRAME_RETIRING: it is above its memory bound and leaves after these
  answers: its exit is the pool's, not a death;
* FRAME_INIT_FAILED: its initializer raised: the pool breaks, as the
  stdlib's.

A result the parent cannot unpickle breaks the pool, as in the stdlib.

Threading model: runs in the manager thread only, GIL held; the
callbacks of the futures it completes run here too, and may do anything
(even shut the pool down or break it), so every step re-checks.
"""
cimport cython
from cfutures._core.parent._channel cimport CLOSED
from cfutures._core.parent._work_item cimport ProcessWorkItem
from cfutures._core.shared._tuning cimport CF_READ_ROUNDS, CF_WORKER_EXIT_GRACE
from cfutures._core.shared._codec cimport loads, local_failure
from cfutures._core.shared._frames cimport (
    FRAME_INIT_FAILED, FRAME_READY, FRAME_RESULTS, FRAME_RETIRING,
    FRAME_RUN_PART, FRAME_RUN_REST)

from cfutures._core.shared._stdlib import RemoteTraceback


@cython.final
cdef class ResultReader:

    def __init__(self, PoolState state):
        self.state = state

    cdef Py_ssize_t read_results(self, WorkerChannel w) except -1:
        """Read and handle what ``w`` sent; the bytes read."""
        cdef Py_ssize_t got, rounds = 0, total = 0
        cdef Frame frame
        while rounds < CF_READ_ROUNDS and not w.eof and w.state != CLOSED:
            rounds += 1
            got = w.read_some()
            if got > 0:
                total += got
            while True:
                frame = w.next_frame()
                if frame is None:
                    break
                self.handle_frame(w, frame)
                frame = None
                if self.state.broken or w.state == CLOSED:
                    return total
            if got < 0:
                break
        w.fit_result_pipe()
        return total

    cdef int handle_frame(self, WorkerChannel w, Frame frame) except -1:
        cdef PoolState state = self.state
        cdef Py_ssize_t n
        cdef list values
        cdef dict errors
        cdef double busy
        cdef ProcessWorkItem rest
        if frame.kind == FRAME_RESULTS:
            try:
                values, errors, busy = loads(frame.body, frame.buffers,
                                             state.serializer)
            except BaseException as exc:
                return self.unreadable_result(w, exc)
            n = len(values)
            state.recovery.answered_since_death = True   # no crash loop
            items = w.complete(values, errors, state.counts)
            state.batching.measured_calls(busy, items)
            if state.counts.timed:
                state.counts.ran_for(busy, items)
            self.answered(w, n)
        elif frame.kind == FRAME_READY:
            w.became_ready()   # the manager sends it what waits, next
        elif frame.kind == FRAME_RETIRING:
            # Its exit is the pool's own: what it was sent and did not
            # start goes to other workers (_worker_ends.pyx).
            w.said_leaving()
        elif frame.kind == FRAME_RUN_PART:
            try:
                part = loads(frame.body, frame.buffers, state.serializer)
            except BaseException as exc:
                return self.unreadable_result(w, exc)
            w.add_run_part(part)
        elif frame.kind == FRAME_RUN_REST:
            # A slow item: the run's items after it go first to whichever
            # worker is free (counted as started again when they are sent).
            rest = w.run_rest_back(frame.count)
            state.counts.started -= rest.run_length
            state.pending.appendleft(rest)
        elif frame.kind == FRAME_INIT_FAILED:
            cause = RemoteTraceback(loads(frame.body, []))
            # The worker returns by itself after this frame: let it, so what
            # it logged (often through a multiprocessing queue) is flushed
            # before the pool ends every worker.
            state.supervisor.let_exit(w, CF_WORKER_EXIT_GRACE)
            state.break_pool(
                f"A process in the process pool failed to initialize "
                f"(pid {w.pid}): its initializer raised",
                cause,
                "A process in the process pool failed to initialize, the "
                "process pool is not usable anymore")
        else:
            raise RuntimeError(f"unexpected frame kind {frame.kind} from worker {w.pid}")
        return 0

    cdef int unreadable_result(self, WorkerChannel w, BaseException exc) except -1:
        # As the stdlib: a result the parent cannot read breaks the pool
        # (the worker's state is unknown from here on).
        self.state.break_pool(
            f"A result from process {w.pid} could not be "
            f"unpickled: {type(exc).__name__}: {exc}",
            local_failure(exc),
            "A result could not be unpickled, the process pool is "
            "not usable anymore")
        return 0

    cdef int answered(self, WorkerChannel w, Py_ssize_t n) except -1:
        cdef PoolState state = self.state
        state.inflight_total -= n
        if w.owed == 0 and state.inflight_total == 0 and not state.pending:
            state.batching.forget()   # idle: the next burst is measured afresh
        return 0
