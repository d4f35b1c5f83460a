"""The parent's end of one worker process: its lifecycle, its pipes, its
output queue and its calls in flight.

A channel writes frames to the worker's call pipe without blocking (what
the pipe does not take waits in ``out`` until the dispatcher sees the pipe
writable), reads the worker's result frames, and keeps the books of what the
worker owes: one deque of the batches sent, oldest first, each with its work
items, how many of them were answered, the map items each call stands for,
and whether its calls were known short. The dispatcher decides what to send;
the supervisor makes and closes channels and alone signals processes.

The worker's lifecycle is ``state`` (a WorkerState, _channel.pxd), changed
only by the transition methods below::

    STARTING --ready--> RUNNING --retire/stop_as_idle--> RETIRING
        |                  |   \--said_leaving--> LEAVING
        |                  |    \--killed_for_time--> TIMED_OUT
        +------------------+--------stop/signalled--> STOPPING
    any live state --exited--> EXITED (ended_from: the state it left)
    any state --close--> CLOSED

Only RUNNING takes calls. What an exit means (retired, stopped, recovered
from, or the pool broken) is decided from ``ended_from`` by the recovery
policy (_recovery.pyx).

Threading model: every method runs with the GIL held and only the pipe
syscalls release it; the manager thread and the threads that submit both
call in, so a state read before a syscall may have moved after it (the
dispatcher checks again after pickling).
"""
cimport cython
from cfutures._core.future._future cimport (
    CANCELLED, CANCELLED_AND_NOTIFIED, EVENT_RESULT)
from cfutures._core.shared._codec cimport Answers
from cfutures._core.shared._call_record cimport WorkerProgress
from cfutures._core.shared._statistics cimport CallCounts, count_answer
from cfutures._core.parent._work_item cimport ProcessWorkItem
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.shared._tuning cimport (
    CF_PIPE_DEFAULT, CF_PIPE_MAX, CF_STALL_SECONDS)
from cfutures._core.shared._codec cimport decode_exception
from cfutures._core.shared._frames cimport (
    FRAME_STOP, Frame, FrameReader, drop_written, frame_parts, grow_pipe,
    writev_parts)

import collections
import os

cdef object _deque = collections.deque


@cython.final
cdef class SentBatch:
    """One batch of calls sent to a worker (see _channel.pxd)."""

    def __cinit__(self, list items, Py_ssize_t weight, bint short):
        self.items = items
        self.weight = weight
        self.short = short


@cython.final
cdef class WorkerChannel:
    """The parent's end of one worker process."""

    def __cinit__(self, process, call_conn, result_conn,
                  WorkerProgress progress):
        self.process = process
        self.progress = progress
        self.state = self.ended_from = STARTING
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
        self.batches = _deque()
        self.call_pipe = self.result_pipe = CF_PIPE_DEFAULT
        self.last_progress = cf_monotonic()

    def parent_fds(self):
        """The descriptors a forked child must close."""
        return () if self.state == CLOSED else (self.call_fd, self.result_fd)

    # -- the lifecycle -----------------------------------------------------------

    cdef bint is_live(self) noexcept:
        """Its process has not been seen to end."""
        return self.state < EXITED

    cdef bint takes_calls(self) noexcept:
        return self.state == RUNNING

    cdef int became_ready(self) except -1:
        """FRAME_READY: started, its initializer done."""
        if self.state == STARTING:
            self.state = RUNNING
        return 0

    cdef int retire(self) except -1:
        """It takes no more calls and ends by itself after those it has."""
        if self.state <= RUNNING:
            self.state = RETIRING
        return 0

    cdef int stop_as_idle(self) except -1:
        """Idle past idle_timeout: retired, and told to stop now."""
        self.retire()
        return self.send_stop()

    cdef int said_leaving(self) except -1:
        """FRAME_RETIRING: above max_worker_memory, it exits now. Read
        after its sentinel fired (the frame and the exit come together), it
        changes what it left."""
        if self.state <= RETIRING:
            self.state = LEAVING
        elif self.state == EXITED and self.ended_from <= RETIRING:
            self.ended_from = LEAVING
        return 0

    cdef int killed_for_time(self, Py_ssize_t call) except -1:
        """The pool kills it (the supervisor sends the signal) for running
        its ``call``-th call past its time limit."""
        if self.is_live():
            self.state = TIMED_OUT
            self.timed_out_call = call
        return 0

    cdef int stop(self) except -1:
        """The pool ends it: a stop frame, once what it has is done."""
        if self.is_live():
            self.state = STOPPING
            self.send_stop()
        return 0

    cdef int signalled(self) except -1:
        """The pool ends it with a signal (terminate_workers(), a broken pool)."""
        if self.is_live():
            self.state = STOPPING
        return 0

    cdef int exited(self) except -1:
        """Its sentinel fired."""
        if self.is_live():
            self.ended_from = self.state
            self.state = EXITED
        return 0

    cdef int close(self) except -1:
        if self.is_live():
            self.ended_from = self.state
        self.state = CLOSED
        self.out = []
        if not self.writing:   # else end_writing() closes it
            self.call_conn.close()
        self.result_conn.close()
        return 0

    # -- writing ---------------------------------------------------------------

    cdef bint has_output(self) noexcept:
        return bool(self.out) and self.is_live()

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
        if self.state == CLOSED:
            self.call_conn.close()
        return 0

    cdef int write_out(self) except -1:
        cdef Py_ssize_t written
        if self.state == CLOSED:
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
        self.enqueue(frame_parts(FRAME_STOP, 0, b"", None), 0)
        return 0

    # -- the books -------------------------------------------------------------

    cdef bint can_take(self, Py_ssize_t max_tasks, Py_ssize_t depth, double now):
        """Whether a batch sent now would start soon: the worker takes calls
        (RUNNING), and has fewer than ``depth`` batches outstanding."""
        cdef Py_ssize_t outstanding = len(self.batches)
        if (self.state != RUNNING or self.out
                or (max_tasks and self.sent >= max_tasks)):
            return False
        if outstanding == 0:
            return True
        if outstanding >= depth or now - self.last_progress >= CF_STALL_SECONDS:
            return False
        # Queue behind a batch only if it is making progress and its calls
        # were known to be short when it was sent (a map run: once the
        # burst's mean is trusted, _batching.frame_is_short): what waits
        # behind a slow call cannot go to another worker, and a run that
        # meets a slow item gives back only its own items.
        return (<SentBatch>self.batches[0]).short

    cdef int record_sent(self, list items, bint short, Py_ssize_t weight,
                         Py_ssize_t max_tasks) except -1:
        """Book a batch about to be enqueued (its work items, oldest first);
        ``weight``: the items each of its calls stands for (1, or a map
        run's length)."""
        cdef Py_ssize_t n = len(items)
        if not self.batches:
            self.last_progress = cf_monotonic()
        self.batches.append(SentBatch(list(items), weight, short))
        self.owed += n
        self.sent += n
        if max_tasks and self.sent >= max_tasks:
            self.retire()
        return 0

    cdef ProcessWorkItem owed_item(self, Py_ssize_t index):
        """The ``index``-th call it owes, oldest first (None past the last)."""
        cdef SentBatch batch
        cdef Py_ssize_t left
        for batch in self.batches:
            left = len(batch.items) - batch.answered
            if index < left:
                return <ProcessWorkItem>batch.items[batch.answered + index]
            index -= left
        return None

    cdef Py_ssize_t complete(self, list values, dict errors, CallCounts counts) except -1:
        """Finish the oldest futures with a results frame's answers (counted
        in ``counts`` first); how many items they stood for (a map run
        counts its items)."""
        cdef Py_ssize_t i, n = len(values), items = 0
        cdef ProcessWorkItem item
        cdef SentBatch batch
        if n > self.owed:
            raise RuntimeError(f"worker {self.pid} answered {n} calls, "
                               f"it owed {self.owed}")
        for i in range(n):
            batch = <SentBatch>self.batches[0]
            item = <ProcessWorkItem>batch.items[batch.answered]
            batch.items[batch.answered] = None   # the books keep no result alive
            batch.answered += 1
            items += batch.weight
            if batch.answered == len(batch.items):
                self.batches.popleft()
            self.owed -= 1
            if errors is not None and i in errors:
                counts.failed += item.weight()
                item.future.finish_unless_done(decode_exception(errors[i]), True)
            elif item.partial is not None:
                (<Answers?>values[i]).decode_errors()
                item.partial.extend(values[i])   # the run's last part
                item.partial.rest = item.rest_item
                count_answer(counts, item.partial)
                item.future.finish_unless_done(item.partial, False)
                item.partial = None
            else:
                if item.run_length:
                    (<Answers?>values[i]).decode_errors()
                    (<Answers>values[i]).rest = item.rest_item   # sent in pieces
                    count_answer(counts, values[i])
                else:
                    counts.completed += 1
                item.future.finish_unless_done(values[i], False)
            values[i] = None   # the caller's result is not kept alive here
        if n > 0:
            self.last_progress = cf_monotonic()
        return items

    cdef ProcessWorkItem run_rest_back(self, Py_ssize_t kept):
        """A FRAME_RUN_REST: the oldest unanswered call, a map run, answers
        only its first ``kept`` items. Its books shrink to those; the rest,
        a new run (its answer's ``rest``, see split_run), is returned, for
        the caller to send elsewhere: cancelled already if the map's
        iterator cancelled the run's later pieces (it was closed)."""
        cdef ProcessWorkItem item = self.owed_item(0)
        cdef ProcessWorkItem rest
        cdef SentBatch batch
        if (item is None or not item.run_length or kept < 1
                or kept >= item.run_length):
            raise RuntimeError(f"worker {self.pid} gave back {kept} items "
                               f"of no run that long")
        batch = <SentBatch>self.batches[0]
        batch.weight = kept   # its answer stands for that many items
        batch.short = False   # it holds a slow item: nothing queues behind it
        after = item.rest_item
        rest = item.split_run(kept)
        if after is not None and (<ProcessWorkItem>after).future.state in (
                CANCELLED, CANCELLED_AND_NOTIFIED):
            rest.future.cancel()
        return rest

    cdef int add_run_part(self, object part) except -1:
        """A FRAME_RUN_PART: items the oldest unanswered call (a map run)
        finished so far."""
        cdef ProcessWorkItem item = self.owed_item(0)
        if item is None or not item.run_length or type(part) is not Answers:
            raise RuntimeError(f"a run part from worker {self.pid} answers no run")
        (<Answers>part).decode_errors()
        if item.partial is None:
            item.partial = <Answers>part
        else:
            item.partial.extend(<Answers>part)
        self.last_progress = cf_monotonic()
        if item.part_waiter is not None:
            item.part_waiter.on_event(item.future, EVENT_RESULT)
        return 0

    cdef Py_ssize_t answered_count(self) noexcept:
        """Calls the worker has answered, of all it was sent."""
        return self.sent - self.owed

    cdef list take_owed(self):
        """Forget every work item the worker owes, and hand them over,
        oldest first (to be failed, or sent elsewhere)."""
        cdef list items = []
        cdef SentBatch batch
        for batch in self.batches:
            items.extend(batch.items[batch.answered:])
        self.batches.clear()
        self.owed = 0
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
