"""What the parts of a process pool's parent share: the calls that wait, the
books of what is in flight, and whether the pool takes calls.

The parent's parts (see _dispatcher.pyx for the whole flow) each hold this
object; none holds another's state:

* _dispatcher.pyx: the executor's submit() path and shutdown;
* _batch_sender.pyx: which calls go to which worker, pickled how;
* _result_reader.pyx: the frames workers send, completing futures;
* _worker_ends.pyx: what a worker's exit does to the pool;
* _manager.pyx: the manager thread's loop, poll() and what it wakes for.

The pool's two lasting decisions are made here, once: that it is broken
(``break_pool``, which fails everything) and that it needs a worker more
(``add_worker_if_short``, asked of the supervisor).

Threading model: every method runs with the GIL held and releases it in
none; submit() threads and the manager thread both call in. ``reserved``
counts the sends whose pickling (Python code, which may let another thread
in) is under way, so that the manager does not stop while calls are in
nobody's books.
"""
cimport cython
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.shared._lifecycle cimport (
    PROCESS_POOL, is_exiting, raise_if_closed)
from cfutures._core.shared._parker cimport cf_monotonic

import collections

from cfutures._core.shared._stdlib import BrokenProcessPool, RemoteTraceback


cdef object broken_error(str message, object cause, str cause_text):
    exc = BrokenProcessPool(message)
    if cause is not None:
        exc.__cause__ = cause
    elif cause_text is not None:
        exc.__cause__ = RemoteTraceback(f"\n'''\n{cause_text}'''")
    return exc


@cython.final
cdef class PoolState:

    def __cinit__(self, *args, **kwargs):
        self.pending = collections.deque()
        self.broken = False
        self.batching = BatchPolicy.__new__(BatchPolicy)

    def __init__(self, ProcessSupervisor supervisor, RecoveryPolicy recovery,
                 Serializer serializer, CallCounts counts, Wakeup wakeups):
        self.supervisor = supervisor
        self.recovery = recovery
        self.serializer = serializer
        self.counts = counts
        self.wakeups = wakeups   # the supervisor's too: forked children close it
        self.max_tasks = supervisor.max_tasks

    cdef int check_open(self) except -1:
        return raise_if_closed(self.broken, self.shutdown_requested, PROCESS_POOL)

    cdef bint stopping(self) noexcept:
        """Shutdown was asked for, or the interpreter exits."""
        return self.shutdown_requested or is_exiting(PROCESS_POOL)

    cdef Py_ssize_t outstanding(self):
        """Calls submitted and not answered by a worker yet.

        Calls that failed to pickle count too, forever, as in the stdlib
        (whose idle-worker count only grows with results): such a pool may
        start a worker more, never more than max_workers.
        """
        return (len(self.pending) + self.inflight_total + self.reserved
                + self.local_failures)

    cdef int wake(self, bint look_again=False) except -1:
        """Wake the manager from poll(): a byte in its pipe, unless one is
        there already; with ``look_again`` a byte even so (its state changed
        after it drained the pipe: a new worker, shutdown)."""
        if look_again:
            return self.wakeups.rearm()
        return self.wakeups.wake()

    cdef int release_reservation(self) except -1:
        self.reserved -= 1
        if self.sleeping and self.stopping():
            self.wake()   # it may be waiting for this to stop
        return 0

    cdef int count_start(self, ProcessWorkItem item, double now) except -1:
        """Count ``item`` started (sent to a worker); timed, the wait since
        its submit() (``now``: 0 to read the clock)."""
        cdef CallCounts counts = self.counts
        counts.started += item.weight()
        if counts.timed:
            counts.waited((now or cf_monotonic()) - item.submitted_at)
        return 0

    cdef int fail(self, ProcessWorkItem item, object exc) except -1:
        """Fail ``item`` with ``exc`` unless it is done, counting it."""
        if item.future.finish_unless_done(exc, True):
            self.counts.failed += item.weight()
        return 0

    def count_outstanding(self):
        # Under the supervisor's lock: a pool that broke meanwhile asks for none.
        return self.outstanding() if not self.broken else -1

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
        cdef ProcessSupervisor supervisor = self.supervisor
        self.broken = reason
        supervisor.terminate_all(True)
        for w in list(supervisor.channels):
            for item in w.take_owed():
                self.fail(item, broken_error(message, cause, cause_text))
        self.inflight_total = 0
        while self.pending:
            self.fail(self.pending.popleft(),
                      broken_error(message, cause, cause_text))
        supervisor.join_all()
        return 0
