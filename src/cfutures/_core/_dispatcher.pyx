"""The process pool's dispatcher: pending calls, batching, the manager loop,
results and breaking the pool.

One manager thread per pool (``run``) sleeps in poll() on the wake-up pipe,
every worker's result pipe and sentinel, and the call pipes with output
queued; it sends pending calls in batches (the sizes are BatchPolicy's) and
completes futures as results arrive. The executor's submit()
(_process_executor.pyx) enters through ``check_open``, ``add_worker_if_short``,
``send_to_idle_worker`` (no manager round trip) and ``enqueue`` (which
wakes the manager only when it sleeps). Workers are asked of the
supervisor, which alone starts and ends them. Everything runs with the GIL
held except the poll, read and write syscalls.
"""
cimport cython
from cfutures._core._batching cimport BatchPolicy
from cfutures._core._channel cimport (
    CLOSED, LEAVING, RETIRING, TIMED_OUT, WorkerChannel)
from cfutures._core._future cimport CoreFuture, new_future
from cfutures._core._lifecycle cimport PROCESS_POOL, is_exiting, raise_if_closed
from cfutures._core._parker cimport cf_monotonic
from cfutures._core._poller cimport PollSet, Wakeup
from cfutures._core._recovery cimport (
    END_BROKEN, END_RECOVERED, END_RETIRED, RecoveryPolicy, WorkerEnd)
from cfutures._core._serializer cimport Serializer
from cfutures._core._statistics cimport CallCounts
from cfutures._core._supervisor cimport (
    ProcessSupervisor, describe_exit)
from cfutures._core._tuning cimport (
    CF_CRASH_WINDOW, CF_READ_ROUNDS, CF_WORKER_EXIT_GRACE)
from cfutures._core._wire cimport (
    FRAME_CALLS, FRAME_INIT_FAILED, FRAME_READY, FRAME_RESULTS, FRAME_RETIRING,
    FRAME_RUN_PART,
    BufferCollector, Frame,
    call_tuple, dumps, frame_parts, loads, local_failure, payload_size)
from libc.stdint cimport uint32_t

import collections
import threading

from cfutures._core._lifecycle import forget, track
from cfutures._stdlib import BrokenProcessPool, RemoteTraceback

cdef object _deque = collections.deque



cdef object broken_error(str message, object cause, str cause_text):
    exc = BrokenProcessPool(message)
    if cause is not None:
        exc.__cause__ = cause
    elif cause_text is not None:
        exc.__cause__ = RemoteTraceback(f"\n'''\n{cause_text}'''")
    return exc


@cython.final
cdef class ProcessDispatcher:
    """Decides what each worker runs, and completes the futures.

    Holds no reference to the executor, so that an executor dropped
    without shutdown() is collected; its manager then finishes the work and
    stops.
    """

    def __cinit__(self, *args, **kwargs):
        self.pending = _deque()
        self.broken = False
        self.batching = BatchPolicy.__new__(BatchPolicy)
        self.wakeups = Wakeup.__new__(Wakeup)
        self.poll_set = PollSet.__new__(PollSet)
        self.start_lock = threading.Lock()

    def __init__(self, ctx, max_workers, initializer, initargs,
                 max_tasks_per_child, bint replace_dead=False,
                 double task_timeout=0.0, Py_ssize_t max_worker_memory=0,
                 double idle_timeout=0.0, Serializer serializer=None,
                 bint time_statistics=False):
        self.counts = CallCounts(time_statistics)
        self.supervisor = ProcessSupervisor(
            ctx, max_workers, initializer, initargs,
            max_tasks_per_child, self.wakeups, max_worker_memory,
            serializer)
        self.serializer = serializer
        self.max_tasks = self.supervisor.max_tasks
        # A worker over max_worker_memory says so itself (FRAME_RETIRING):
        # the supervisor passes the bound to it, recovery needs none.
        self.recovery = RecoveryPolicy(replace_dead, task_timeout,
                                       max_workers, idle_timeout)
        self.recovery.counts = self.counts
        self.recovery.supervisor = self.supervisor
        # What a worker has computed must reach the parent before the
        # worker can die or be killed in the middle of a batch.
        self.supervisor.eager_results = replace_dead or task_timeout > 0

    def disown(self):
        """In a forked child: the pool is the parent's, and refuses work."""
        self.broken = ("the process pool belongs to the parent process; it "
                       "cannot be used in a forked child")

    # -- the executor's side ---------------------------------------------------

    cdef int check_open(self) except -1:
        return raise_if_closed(self.broken, self.shutdown_requested, PROCESS_POOL)

    cdef int add_worker_if_short(self, Py_ssize_t extra) except -1:
        """As the stdlib: ask for a worker when more calls are outstanding
        (counting ``extra`` about to be) than workers can take."""
        cdef ProcessSupervisor supervisor = self.supervisor
        if (not supervisor.spawn_on_demand or self.broken
                or self.owner_collected or not supervisor.has_room()
                or self.outstanding() + extra <= supervisor.capacity()):
            return 0
        supervisor.spawn_if_short(self.count_outstanding, extra)
        self.wake(look_again=True)   # the manager must poll the new worker too
        return 0

    def count_outstanding(self):
        # Under the supervisor's lock: a pool that broke meanwhile asks for none.
        return self.outstanding() if not self.broken else -1

    cdef bint send_to_idle_worker(self, ProcessWorkItem item) except -1:
        """Send ``item`` to an idle worker now; False if none is idle (or
        calls wait already, which go first)."""
        cdef WorkerChannel w
        if not self.started or self.pending:
            return False
        w = self.idle_worker()
        if w is None:
            return False
        # The check and the reservation (which keeps the manager from
        # stopping) run with nothing between them that could let another
        # thread in; so do the check and the append of enqueue().
        self.check_open()
        self.reserved += 1
        try:
            item.future.start_or_notify_cancel()
            self.count_start(item, 0.0)
            self.send_calls(w, [call_tuple(item.fn, item.args, item.kwargs)],
                            [item], item.weight())
        finally:
            self.release_reservation()
        if self.sleeping:
            # The manager must watch the rest go out, or the call's time;
            # and woken now, it waits for the answer on a CPU still awake:
            # one-call roundtrips measured 34 -> 23 us on a 2-vCPU VM.
            self.wake()
        return True

    cdef int enqueue(self, ProcessWorkItem item) except -1:
        """Queue ``item`` for the manager (starting the pool on first use)."""
        self.check_open()
        self.pending.append(item)
        if not self.started:
            try:
                self.start()
            except BaseException:
                # No pool to run it: the caller gets the error, not a future.
                try:
                    self.pending.remove(item)
                except ValueError:
                    pass
                raise
        elif self.sleeping:
            self.wake()
        return 0

    cdef int start(self) except -1:
        """The first submit(): start the workers and the manager thread."""
        cdef ProcessSupervisor supervisor = self.supervisor
        with self.start_lock:
            if not self.started:
                supervisor.start_workers(self.outstanding())
                thread = threading.Thread(
                    target=self.run, name="cfutures-process-pool-manager")
                # At exit it finishes what was submitted, stops the workers.
                track(PROCESS_POOL, thread, self.wake_at_exit)
                try:
                    thread.start()
                except BaseException:
                    forget(PROCESS_POOL, thread)
                    supervisor.terminate_all(False)
                    supervisor.join_all()
                    raise
                self.manager_thread = thread
                self.started = True
        # A submit that raced with the start must not wait for a wake-up.
        self.wake(look_again=True)
        return 0

    cdef int count_start(self, ProcessWorkItem item, double now) except -1:
        """Count ``item`` started (sent to a worker); timed, the wait since
        its submit() (``now``: 0 to read the clock)."""
        cdef CallCounts counts = self.counts
        counts.started += item.weight()
        if counts.timed:
            counts.waited((now or cf_monotonic()) - item.submitted_at)
        return 0

    cdef int release_reservation(self) except -1:
        self.reserved -= 1
        if self.sleeping and (self.shutdown_requested or is_exiting(PROCESS_POOL)):
            self.wake()   # it may be waiting for this to stop
        return 0

    def wake_at_exit(self):
        """What the interpreter's exit calls (_lifecycle): look again."""
        self.wake(look_again=True)

    cdef int wake(self, bint look_again=False) except -1:
        """Wake the manager from poll(): a byte in its pipe, unless one is
        there already; with ``look_again`` a byte even so (its state changed
        after it drained the pipe: a new worker, shutdown)."""
        if look_again:
            return self.wakeups.rearm()
        return self.wakeups.wake()

    def request_shutdown(self, bint cancel_futures=False):
        """Take no more calls; with ``cancel_futures`` cancel what waits."""
        cdef ProcessWorkItem item
        cdef Py_ssize_t keep
        cdef list kept
        self.shutdown_requested = True
        if cancel_futures:
            # As the stdlib, whose call queue holds max_workers + 1 calls
            # already marked running: the oldest calls up to that many in
            # flight still run, the rest are cancelled.
            keep = max(0, self.supervisor.max_workers + 1 - self.inflight_total)
            kept = [self.pending.popleft()
                    for _ in range(min(keep, len(self.pending)))]
            while self.pending:
                item = self.pending.popleft()
                self.counts.cancelled += item.weight()
                item.future.cancel()
            self.pending.extend(kept)
        self.wake(look_again=True)

    def executor_collected(self):
        """The executor was collected without shutdown(): finish what the
        workers can, as the stdlib, which starts no worker from then on."""
        self.owner_collected = True
        self.request_shutdown(False)

    def shutdown(self, bint wait, bint cancel_futures):
        """The executor's shutdown(): request it, then join the manager."""
        self.request_shutdown(cancel_futures)
        with self.start_lock:   # a start in progress completes first
            thread = self.manager_thread
        if wait and thread is not None and thread is not threading.current_thread():
            # Joined even when it has left manage(): until the thread is
            # gone, a fork (the next pool's workers) could copy a lock it
            # holds on its way out. Kept until then, so that a
            # shutdown(wait=True) after one that did not wait (as
            # terminate_workers() makes) still waits for it.
            thread.join()
            with self.start_lock:
                if self.manager_thread is thread:
                    self.manager_thread = None

    # -- the manager -----------------------------------------------------------

    def run(self):
        """The manager thread's body."""
        try:
            self.manage()
        finally:
            # Forget the pool's Process objects: each holds two descriptors
            # until it is freed (the stdlib drops executor._processes).
            if self.shutdown_requested:
                self.supervisor.forget_processes()
            forget(PROCESS_POOL, threading.current_thread())

    def manage(self):
        try:
            while not self.broken:
                if self.pending:
                    # A worker that retired (max_tasks_per_child) left, say.
                    self.replace_workers()
                if self.broken:
                    break
                self.dispatch()
                if ((self.shutdown_requested or is_exiting(PROCESS_POOL))
                        and not self.pending and self.inflight_total == 0
                        and self.reserved == 0):
                    self.supervisor.stop_all()
                    break
                self.wait_once()
        except BaseException as exc:
            if not self.broken:
                self.break_pool(
                    f"The process pool's manager failed: {exc!r}", exc,
                    f"The process pool's manager failed ({exc!r}), the "
                    f"process pool is not usable anymore")
            if not isinstance(exc, Exception):
                raise

    cdef int replace_workers(self) except -1:
        """Start the workers that what waits needs. One that cannot start
        only costs capacity while other workers remain; with none left, the
        pool breaks (as 3.14's stdlib), since nothing would run what waits."""
        try:
            self.add_worker_if_short(0)
        except Exception as exc:
            if self.supervisor.channels or self.broken:
                return 0
            self.break_pool(
                f"A replacement worker process could not be started, "
                f"leaving the pool without workers to run the remaining "
                f"work: {exc!r}", exc,
                f"A replacement worker process could not be started "
                f"({exc!r}), the process pool is not usable anymore")
        return 0

    cdef Py_ssize_t outstanding(self):
        """Calls submitted and not answered by a worker yet.

        Calls that failed to pickle count too, forever, as in the stdlib
        (whose idle-worker count only grows with results): such a pool may
        start a worker more, never more than max_workers.
        """
        return (len(self.pending) + self.inflight_total + self.reserved
                + self.local_failures)

    cdef int dispatch(self) except -1:
        """Send what waits to the workers that can take it, in rounds."""
        while self.pending and self.dispatch_round():
            pass
        return 0

    cdef bint dispatch_round(self) except -1:
        """One batch to each worker that can take one; False if none could."""
        cdef list workers = self.supervisor.channels
        cdef Py_ssize_t n = len(workers), i, k, eligible, share, left, depth
        cdef double now = cf_monotonic()
        cdef WorkerChannel w
        if n == 0:
            return False
        k = self.batching.batch_size(len(self.pending), n)
        # A map run travels alone: what waits is then counted in frames.
        depth = self.batching.depth(
            len(self.pending), n,
            1 if (<ProcessWorkItem>self.pending[0]).run_length else k)
        eligible = 0
        for w in workers:
            if w.can_take(self.max_tasks, depth, now):
                eligible += 1
        if eligible == 0:
            return False
        for i in range(n):
            if not self.pending or eligible == 0:
                break
            w = workers[(self.next_worker + i) % n]
            if not w.can_take(self.max_tasks, depth, now):
                continue
            # Share what waits evenly among the workers that can take it.
            share = (len(self.pending) + eligible - 1) // eligible
            eligible -= 1
            left = k if k < share else share
            if self.max_tasks and left > self.max_tasks - w.sent:
                left = self.max_tasks - w.sent
            self.send_batch(w, left)
        self.next_worker = (self.next_worker + 1) % n
        return True

    cdef int send_batch(self, WorkerChannel w, Py_ssize_t k) except -1:
        cdef list calls = []
        cdef list items = []
        cdef ProcessWorkItem item
        while len(calls) < k and self.pending:
            # A run of map items is sized already: it travels alone, so
            # that frames of measured calls are not mixed with runs.
            if calls and (<ProcessWorkItem>self.pending[0]).run_length:
                break
            item = self.pending.popleft()
            # A call back from a worker that ended before starting it is
            # running already.
            if not item.requeued:
                if not item.future.start_or_notify_cancel():
                    self.counts.cancelled += item.weight()
                    continue
                self.count_start(item, 0.0)
            calls.append(call_tuple(item.fn, item.args, item.kwargs))
            items.append(item)
            if item.run_length:
                self.send_calls(w, calls, items, item.run_length)
                return 0
        if calls:
            self.send_calls(w, calls, items, 1)
        return 0

    cdef int send_calls(self, WorkerChannel w, list calls, list items,
                        Py_ssize_t weight) except -1:
        """Pickle ``calls`` (of ``items``, whose futures run already) and queue them
        for ``w``; ``weight``: the items each call stands for (1, or a map
        run's length: the batch policy measures items). May run in the
        manager or, for an idle worker, in submit().
        """
        cdef BufferCollector collector = BufferCollector.__new__(BufferCollector)
        cdef Py_ssize_t n, frame_bytes
        cdef ProcessWorkItem item
        cdef list views
        collector.serializer = self.serializer
        # Pickling runs Python code that may let other threads in: the
        # manager must not stop while these calls are in nobody's books.
        self.reserved += 1
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
            self.release_reservation()
        if body is None:
            return 0
        if w.state in (RETIRING, LEAVING, TIMED_OUT) and not self.broken:
            # It stopped taking calls while these were pickled (stopped as
            # idle, retired, over its memory bound, killed for time): they
            # go to another worker; the reservation kept them counted.
            for item in reversed(items):
                item.requeued = True
                self.pending.appendleft(item)
            self.wake(look_again=True)
            return 0
        if self.broken or not w.takes_calls():
            exc = BrokenProcessPool(self.broken or
                                    f"worker {w.pid} exited before the call was sent")
            for item in items:
                if item.future.finish_unless_done(exc, True):
                    self.counts.failed += item.weight()
            return 0
        views = collector.views
        n = len(calls)
        frame_bytes = payload_size(body, views)
        self.batching.measured_frame(frame_bytes, n * weight)
        parts = frame_parts(FRAME_CALLS, <uint32_t>n, body, views)
        # The futures join the worker's books in the order their frames go
        # out: nothing between the booking and the queueing can let another
        # thread in (enqueue queues the frame before anything else).
        w.record_sent(items, self.batching.calls_are_short(), weight,
                      self.max_tasks)
        self.inflight_total += n
        w.enqueue(parts, frame_bytes)
        return 0

    cdef object pickle_each(self, list calls, list items, BufferCollector collector):
        """Fail the calls that do not pickle; the rest's pickle, or None."""
        cdef Py_ssize_t i
        cdef ProcessWorkItem item
        good_calls = []
        good_items = []
        for i in range(len(calls)):
            try:
                dumps(calls[i], collector)
            except Exception as exc:
                item = items[i]
                self.local_failures += 1
                self.counts.failed += item.weight()
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
        cdef WorkerChannel w
        for w in self.supervisor.channels:
            if not w.writing and w.can_take(self.max_tasks, 1, 0.0):
                return w
        return None

    cdef int wait_once(self) except -1:
        """Sleep until a pipe or sentinel is ready; handle what is."""
        cdef list workers = list(self.supervisor.channels)
        cdef Py_ssize_t n = len(workers), i
        cdef WorkerChannel w
        cdef PollSet fds = self.poll_set
        cdef double now = cf_monotonic()
        cdef double limit_wait = self.recovery.enforce_time_limits(workers, now)
        cdef double idle_wait = self.recovery.stop_idle_workers(workers, now)
        if idle_wait >= 0 and (limit_wait < 0 or idle_wait < limit_wait):
            limit_wait = idle_wait
        fds.watch_pool(self.wakeups.read_fd, workers)
        self.sleeping = True
        try:
            if fds.wait(-1 if limit_wait < 0 else
                        <int>(limit_wait * 1000.0) + 1) == 0:
                return 0
        finally:
            self.sleeping = False
        if fds.woken():
            self.wakeups.drain()
        # Results can complete futures whose callbacks do anything (even
        # break or shut down the pool): re-check before each step.
        for i in range(n):
            w = workers[i]
            if self.broken:
                return 0
            if fds.results_ready(i) and w.state != CLOSED:
                self.read_results(w)
            if fds.writable(i) and w.state != CLOSED:
                w.flush()
        for i in range(n):
            w = workers[i]
            if self.broken:
                return 0
            if fds.exited(i) and w.is_live():
                self.worker_exited(w)
        return 0

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
                if self.broken or w.state == CLOSED:
                    return total
            if got < 0:
                break
        w.fit_result_pipe()
        return total

    cdef int handle_frame(self, WorkerChannel w, Frame frame) except -1:
        cdef Py_ssize_t n
        cdef list values
        cdef dict errors
        cdef double busy
        if frame.kind == FRAME_RESULTS:
            try:
                values, errors, busy = loads(frame.body, frame.buffers,
                                             self.serializer)
            except BaseException as exc:
                return self.unreadable_result(w, exc)
            n = len(values)
            self.recovery.answered_since_death = True   # no crash loop
            items = w.complete(values, errors, self.counts)
            self.batching.measured_calls(busy, items)
            if self.counts.timed:
                self.counts.ran_for(busy, items)
            self.answered(w, n)
        elif frame.kind == FRAME_READY:
            w.became_ready()   # dispatch() sends it what waits, next
        elif frame.kind == FRAME_RETIRING:
            # Its exit is the pool's own: what it was sent and did not
            # start goes to other workers (worker_exited).
            w.said_leaving()
        elif frame.kind == FRAME_RUN_PART:
            try:
                part = loads(frame.body, frame.buffers, self.serializer)
            except BaseException as exc:
                return self.unreadable_result(w, exc)
            w.add_run_part(part)
        elif frame.kind == FRAME_INIT_FAILED:
            cause = RemoteTraceback(loads(frame.body, []))
            # The worker returns by itself after this frame: let it, so what
            # it logged (often through a multiprocessing queue) is flushed
            # before the pool ends every worker.
            self.supervisor.let_exit(w, CF_WORKER_EXIT_GRACE)
            self.break_pool(
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
        self.break_pool(
            f"A result from process {w.pid} could not be "
            f"unpickled: {type(exc).__name__}: {exc}",
            local_failure(exc),
            "A result could not be unpickled, the process pool is "
            "not usable anymore")
        return 0

    cdef int answered(self, WorkerChannel w, Py_ssize_t n) except -1:
        self.inflight_total -= n
        if w.owed == 0 and self.inflight_total == 0 and not self.pending:
            self.batching.forget()   # idle: the next burst is measured afresh
        return 0

    cdef int worker_exited(self, WorkerChannel w) except -1:
        cdef WorkerEnd end
        w.exited()
        # Results it wrote before exiting are still in the pipe.
        while not w.eof and w.state != CLOSED:
            if self.read_results(w) <= 0 or self.broken:
                break
        if self.broken:
            return 0
        self.supervisor.reap(w)
        exitcode = w.process.exitcode
        end = self.recovery.decide_end(w, self.shutdown_requested)
        if end == END_RECOVERED:
            return self.recover_from(w, exitcode)
        if end != END_BROKEN:
            # Forgotten if it retired, as the stdlib forgets such a worker
            # (replace_workers() starts another when work waits).
            self.supervisor.retire(
                w, end == END_RETIRED and not self.shutdown_requested)
            if (end == END_RETIRED and self.owner_collected and self.pending
                    and not self.supervisor.channels):
                # As 3.14's stdlib (gh-152967): nothing may start a worker
                # for a collected executor, so what waits can never run.
                self.break_pool(
                    "The ProcessPoolExecutor was garbage collected with work "
                    "pending after its last worker process exited upon "
                    "reaching max_tasks_per_child; the pending work can "
                    "never be run.", None,
                    "The ProcessPoolExecutor was garbage collected")
            return 0
        self.break_pool(
            f"A process in the process pool was terminated abruptly while "
            f"the future was running or pending (pid {w.pid}, "
            f"{describe_exit(exitcode)})", None,
            f"A child process terminated abruptly, the process pool is not "
            f"usable anymore (pid {w.pid}, {describe_exit(exitcode)})",
            self.exits_text(w))
        return 0

    cdef int recover_from(self, WorkerChannel w, object exitcode) except -1:
        """``w`` ended and the pool goes on without it (_recovery.pyx): the
        calls it started fail, the rest go first in the queue, and a worker
        starts in its place when what waits needs one."""
        cdef RecoveryPolicy recovery = self.recovery
        cdef list unstarted = []
        cdef Py_ssize_t owed = w.owed
        cdef ProcessWorkItem item
        died = not recovery.ended_by_pool(w)
        if died and not self.shutdown_requested and recovery.crash_loop(cf_monotonic()):
            self.break_pool(
                f"A process in the process pool was terminated abruptly "
                f"(pid {w.pid}, {describe_exit(exitcode)}), the last of "
                f"{recovery.crash_limit + 1} worker deaths within "
                f"{CF_CRASH_WINDOW:g} s: a crash loop, so the pool broke "
                f"rather than replacing it", None,
                f"Worker processes kept dying (a crash loop; the last: pid "
                f"{w.pid}, {describe_exit(exitcode)}), the process pool is "
                f"not usable anymore", self.exits_text(w))
            return 0
        recovery.split_owed(w, exitcode, unstarted)
        self.inflight_total -= owed   # some are back in unstarted, with new runs
        for item in reversed(unstarted):
            self.pending.appendleft(item)
        self.supervisor.retire(w, True)
        if self.pending:
            self.replace_workers()
            if self.pending and not self.supervisor.channels and not self.broken:
                self.break_pool(
                    f"The process pool could not replace worker {w.pid} "
                    f"({describe_exit(exitcode)}), and no worker is left to "
                    f"run the calls that wait", None,
                    "The process pool has no worker left, it is not usable "
                    "anymore")
        return 0

    cdef str exits_text(self, WorkerChannel exited):
        """``exited`` and every other worker that ended with a nonzero exit
        code, a line each, as the cause of 3.15's BrokenProcessPool reads."""
        cdef WorkerChannel w
        lines = []
        for w in [exited] + [other for other in self.supervisor.channels
                             if other is not exited]:
            code = w.process.exitcode
            if code is not None and code != 0:
                lines.append(f"Process {w.pid} terminated abruptly with "
                             f"exit code {code}")
        return "\n".join(lines) if lines else None

    cdef int break_pool(self, str message, object cause, str reason,
                        str cause_text=None) except -1:
        """Mark the pool broken, fail everything, end every worker.

        ``message`` is what the futures raise, ``reason`` what submit() does.
        Each future gets a BrokenProcessPool of its own (a shared one would
        gather every raiser's traceback), whose ``__cause__`` is ``cause``,
        or a RemoteTraceback of ``cause_text`` as the stdlib's.
        """
        cdef WorkerChannel w
        cdef ProcessWorkItem item
        cdef CoreFuture future
        cdef ProcessSupervisor supervisor = self.supervisor
        self.broken = reason
        supervisor.terminate_all(True)
        for w in list(supervisor.channels):
            for item in w.take_owed():
                if item.future.finish_unless_done(
                        broken_error(message, cause, cause_text), True):
                    self.counts.failed += item.weight()
        self.inflight_total = 0
        while self.pending:
            item = self.pending.popleft()
            if item.future.finish_unless_done(
                    broken_error(message, cause, cause_text), True):
                self.counts.failed += item.weight()
        supervisor.join_all()
        return 0
