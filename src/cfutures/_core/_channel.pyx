"""The parent's end of one worker process: its pipes, its output queue and
its calls in flight.

A channel writes frames to the worker's call pipe without blocking (what
the pipe does not take waits in ``out`` until the dispatcher sees the pipe
writable), reads the worker's result frames, and keeps the books of what the
worker owes: the work items sent, oldest first, and how many calls of each
sent batch are unanswered. The dispatcher decides what to send; the supervisor
makes and closes channels. Every method runs with the GIL held; only the
pipe syscalls release it.
"""
cimport cython
from cfutures._core._item_run cimport ItemRun
from cfutures._core._progress cimport WorkerProgress
from cfutures._core._statistics cimport CallCounts, count_answer
from cfutures._core._work_item cimport ProcessWorkItem
from cfutures._core._parker cimport cf_monotonic
from cfutures._core._tuning cimport (
    CF_PIPE_DEFAULT, CF_PIPE_MAX, CF_STALL_SECONDS)
from cfutures._core._wire cimport (
    FRAME_STOP, Frame, FrameReader, decode_exception, drop_written, frame_parts,
    grow_pipe, writev_parts)

import collections
import os

cdef object _deque = collections.deque


@cython.final
cdef class WorkerChannel:
    """The parent's end of one worker process."""

    def __cinit__(self, process, call_conn, result_conn,
                  WorkerProgress progress):
        self.process = process
        self.progress = progress
        self.timed_out_call = -1
        self.seen_call = -1.0
        self.pid = process.pid
        self.call_conn = call_conn
        self.result_conn = result_conn
        self.call_fd = call_conn.fileno()
        self.result_fd = result_conn.fileno()
        self.sentinel = process.sentinel
        os.set_blocking(self.call_fd, False)
        os.set_blocking(self.result_fd, False)
        self.reader = FrameReader.__new__(FrameReader)
        self.out = []
        self.inflight = _deque()
        self.batches = _deque()
        self.shorts = _deque()
        self.weights = _deque()
        self.call_pipe = self.result_pipe = CF_PIPE_DEFAULT
        self.last_progress = cf_monotonic()

    def parent_fds(self):
        """The descriptors a forked child must close."""
        return () if self.closed else (self.call_fd, self.result_fd)

    cdef bint has_output(self) noexcept:
        return bool(self.out) and not self.gone

    cdef Py_ssize_t inflight_count(self) noexcept:
        return len(self.inflight)

    # -- writing ---------------------------------------------------------------

    cdef int enqueue(self, list parts, Py_ssize_t frame_bytes) except -1:
        cdef Py_ssize_t size
        # Queued first: growing the pipe releases the GIL, and a worker with
        # output queued takes no other frame (can_take), so none overtakes.
        self.out.extend(parts)
        if frame_bytes > self.call_pipe and not self.writing:
            self.writing = True   # see flush(): the fd stays ours meanwhile
            try:
                size = grow_pipe(self.call_fd, frame_bytes)
            finally:
                self.end_writing()
            if size > 0:
                self.call_pipe = size
        return self.flush()

    cdef int flush(self) except -1:
        """Write what the pipe takes; 1 once everything queued is written.

        The write releases the GIL: a second thread that flushes meanwhile
        leaves the rest to the one writing.
        """
        if self.writing:
            return 0
        self.writing = True
        try:
            return self.write_out()
        finally:
            self.end_writing()

    cdef int end_writing(self) except -1:
        """The writing thread is done with the call pipe; if the channel was
        closed meanwhile, its descriptor closes now, not under the syscall:
        closed earlier, its number could be reused by the next worker's
        pipe (a result pipe, say) and take this frame's bytes."""
        self.writing = False
        if self.closed:
            self.call_conn.close()
        return 0

    cdef int write_out(self) except -1:
        cdef Py_ssize_t written
        if self.closed:
            self.out = []
            return 1
        while self.out:
            try:
                written = writev_parts(self.call_fd, self.out, self.out_offset)
            except (BrokenPipeError, ConnectionResetError):
                # The worker is gone; its sentinel tells the rest.
                self.out = []
                self.out_offset = 0
                return 1
            if written < 0:
                return 0
            self.out_offset = drop_written(self.out, self.out_offset + written)
        return 1

    cdef int send_stop(self) except -1:
        self.stopping = True
        self.enqueue(frame_parts(FRAME_STOP, 0, b"", None), 0)
        return 0

    # -- the books -------------------------------------------------------------

    cdef bint can_take(self, Py_ssize_t max_tasks, Py_ssize_t depth, double now):
        """Whether a batch sent now would start soon: the worker is up
        (ready), alive, not retiring, and has fewer than ``depth`` batches
        outstanding."""
        cdef Py_ssize_t outstanding = len(self.batches)
        if (not self.ready or self.out or self.stopping or self.retiring or self.gone
                or (max_tasks and self.sent >= max_tasks)):
            return False
        if outstanding == 0:
            return True
        if outstanding >= depth:
            return False
        # Queue behind a batch only if its calls were known to be short when
        # it was sent and it is making progress.
        return self.shorts[0] and now - self.last_progress < CF_STALL_SECONDS

    cdef int record_sent(self, list items, bint short, Py_ssize_t weight,
                         Py_ssize_t max_tasks) except -1:
        """Book a batch about to be enqueued (its work items, oldest first);
        ``weight``: the items each of its calls stands for (1, or a map
        run's length)."""
        cdef Py_ssize_t n = len(items)
        if not self.batches:
            self.last_progress = cf_monotonic()
        self.inflight.extend(items)
        self.batches.append(n)
        self.shorts.append(short)
        self.weights.append(weight)
        self.sent += n
        if max_tasks and self.sent >= max_tasks:
            self.retiring = True
        return 0

    cdef Py_ssize_t complete(self, list values, dict errors, CallCounts counts) except -1:
        """Finish the oldest futures with a results frame's answers (counted
        in ``counts`` first); how many items they stood for (a map run
        counts its items)."""
        cdef Py_ssize_t i, n = len(values), first, left, items = 0
        cdef ProcessWorkItem item
        for i in range(n):
            item = <ProcessWorkItem>self.inflight.popleft()
            if errors is not None and i in errors:
                counts.failed += item.run_length or 1
                item.future.finish_unless_done(decode_exception(errors[i]), True)
            elif item.partial is not None:
                item.partial.extend(values[i])   # the run's last part
                count_answer(counts, item.partial)
                item.future.finish_unless_done(item.partial, False)
                item.partial = None
            else:
                if item.run_length:
                    count_answer(counts, values[i])
                else:
                    counts.completed += 1
                item.future.finish_unless_done(values[i], False)
            values[i] = None   # the caller's result is not kept alive here
        if n > 0:
            self.last_progress = cf_monotonic()
        left = n
        while left > 0 and self.batches:
            first = self.batches[0]
            if first <= left:
                left -= first
                items += first * <Py_ssize_t>self.weights[0]
                self.batches.popleft()
                self.shorts.popleft()
                self.weights.popleft()
            else:
                self.batches[0] = first - left
                items += left * <Py_ssize_t>self.weights[0]
                left = 0
        return items

    cdef int add_run_part(self, object part) except -1:
        """A FRAME_RUN_PART: items the oldest unanswered call (a map run)
        finished so far."""
        cdef ProcessWorkItem item = (<ProcessWorkItem>self.inflight[0]
                                     if self.inflight else None)
        if item is None or not item.run_length or type(part) is not ItemRun:
            raise RuntimeError(f"a run part from worker {self.pid} answers no run")
        if item.partial is None:
            item.partial = <ItemRun>part
        else:
            item.partial.extend(<ItemRun>part)
        self.last_progress = cf_monotonic()
        return 0

    cdef Py_ssize_t answered_count(self) noexcept:
        """Calls the worker has answered, of all it was sent."""
        return self.sent - len(self.inflight)

    cdef list take_inflight(self):
        """Forget every work item the worker owes, and hand them over,
        oldest first (to be failed, or sent elsewhere)."""
        cdef list items = list(self.inflight)
        self.inflight.clear()
        self.batches.clear()
        self.shorts.clear()
        self.weights.clear()
        return items

    # -- reading ---------------------------------------------------------------

    cdef Py_ssize_t read_some(self) except -3:
        """One non-blocking read of the result pipe: bytes read, 0 at end of
        file (``eof`` is set), -1 if nothing was ready."""
        cdef Py_ssize_t got = self.reader.fill(self.result_fd)
        if got == 0:
            self.eof = True
        return got

    cdef Frame next_frame(self):
        """The next complete frame read, or None."""
        return self.reader.next_frame()

    cdef int fit_result_pipe(self) except -1:
        """Grow the result pipe if a frame read was larger than it."""
        cdef Py_ssize_t size
        if self.reader.largest > self.result_pipe:
            size = grow_pipe(self.result_fd, self.reader.largest)
            # A pipe that cannot grow is not asked again.
            self.result_pipe = size if size > 0 else CF_PIPE_MAX
        return 0

    # -- state -----------------------------------------------------------------

    cdef int mark_stopping(self) except -1:
        self.stopping = True
        return 0

    cdef int mark_gone(self) except -1:
        self.gone = True
        return 0

    cdef int close(self) except -1:
        self.closed = True
        self.gone = True
        self.out = []
        if not self.writing:   # else end_writing() closes it
            self.call_conn.close()
        self.result_conn.close()
        return 0
