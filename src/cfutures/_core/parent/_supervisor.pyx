"""The process pool's supervisor: the one owner of its worker processes.

It alone starts, stops, terminates and joins workers, and alone edits the
lists of them: ``channels`` (the parent's end of each live worker, which
the dispatcher reads to send and poll) and ``processes`` (what the stdlib's
``executor._processes`` holds). The dispatcher asks it for workers and
tells it which ones ended; it never decides what runs where.

Start methods follow the stdlib: with fork every worker starts with the
pool (never fork while the manager thread runs, python/cpython#90622), and
each forked child closes the parent-side pipes of every pool so that it
sees end of file once its own parent is gone; with spawn and forkserver
workers start on demand, one whenever more calls are outstanding than
workers can take.
"""
cimport cython
from cfutures._core.parent._channel cimport RETIRING, STARTING, WorkerChannel
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.shared._call_record cimport attach_progress
from cfutures._core.shared._syscalls cimport POLLIN, poll, pollfd
from cfutures._core.shared._tuning cimport (
    CF_STOP_POLL_SECONDS, CF_WORKER_EXIT_WAIT, CF_WORKER_JOIN_SECONDS)

import threading
import time
import weakref

from cfutures._core.shared._lifecycle import (
    after_fork_in_child, note_inherited_at_fork)
from cfutures._core.shared._call_record import new_progress
from cfutures._core.shared._options import WorkerOptions
from cfutures._core.worker._worker import worker_main

# Every supervisor, for the descriptors a forked worker must close.
_all_supervisors = weakref.WeakSet()
# Those descriptors as a forked child finds them are noted in the child at
# the fork (_lifecycle.note_inherited_at_fork), from its own copy of the
# supervisors. A list made in the parent before the fork could name a
# descriptor that another thread closes in between (a pool winding down)
# and whose number the fork's own pipes then take: the child would close
# its sentinel's write end, and die for it.
def _note_inherited_at_fork():
    note_inherited_at_fork(_parent_fds())
    _all_supervisors.clear()


after_fork_in_child(_note_inherited_at_fork)


cdef int signal_processes(object processes, bint kill) except -1:
    """SIGKILL (``kill``) or SIGTERM every process of ``processes`` alive.

    No exitcode check first: that polls the process, and under forkserver
    two threads polling at once (this caller and the manager's join) can
    lose its exit status (it then reads 255). terminate()/kill() skip a
    process already reaped.
    """
    for process in processes:
        try:
            if kill:
                process.kill()
            else:
                process.terminate()
        except (ProcessLookupError, ValueError):
            pass   # already reaped, or closed
    return 0


cdef int wait_readable(int fd, double seconds) except -1:
    """Until ``fd`` is readable, or ``seconds`` pass, or a signal comes."""
    cdef pollfd entry
    cdef int timeout_ms = <int>(seconds * 1000.0) + 1
    entry.fd = fd
    entry.events = POLLIN
    entry.revents = 0
    with nogil:
        poll(&entry, 1, timeout_ms)
    return 0


cpdef bint join_within(object process, double seconds) except -1:
    """Join ``process`` if it exits within ``seconds``; True if it did.

    Never blocks longer. ``Process.join(timeout)`` waits on the sentinel,
    then calls a blocking waitpid(), and a live worker's sentinel becomes
    readable when the worker writes into or closes its end of that pipe
    (a task that closes every descriptor, say): the manager would then
    wait in waitpid() for good. So this waits for the sentinel (without
    the GIL: an exit is seen at once), then polls the exit code.
    """
    cdef double deadline = cf_monotonic() + seconds
    cdef double pause = 0.0002, left
    if process.exitcode is None and seconds > 0:
        wait_readable(process.sentinel, seconds)
    while process.exitcode is None:
        left = deadline - cf_monotonic()
        if left <= 0:
            return False
        time.sleep(pause if pause < left else left)
        if pause < 0.01:
            pause *= 2
    process.join()   # reaped already: drops it from multiprocessing's children
    return True


cdef int join_or_kill(object process, double seconds) except -1:
    """Join ``process``; SIGKILL it first if it has not exited within
    ``seconds`` (a worker that outlived its grace, or whose sentinel fired
    while it lives: its state is unknown)."""
    if not join_within(process, seconds):
        signal_processes((process,), True)
        process.join()
    return 0


cpdef str describe_exit(object exitcode):
    """A worker's exit code, in words for BrokenProcessPool messages."""
    if exitcode is None:
        return "exit code unknown"
    if exitcode < 0:
        try:
            import signal
            return f"exit code {exitcode}, killed by {signal.Signals(-exitcode).name}"
        except (ValueError, ImportError):
            pass
    return f"exit code {exitcode}"


def _parent_fds():
    fds = []
    for supervisor in list(_all_supervisors):
        fds.extend((<ProcessSupervisor>supervisor).parent_fds())
    return tuple(fds)


@cython.final
cdef class ProcessSupervisor:
    """Starts, stops and ends the worker processes of one pool."""

    def __init__(self, options, pool_wakeup):
        """``options``: the pool's ProcessPoolOptions; ``pool_wakeup``: its
        manager's wake-up pipe (a forked child closes it)."""
        ctx = options.mp_context
        self.ctx = ctx
        self.options = options
        self.max_workers = options.max_workers
        self.max_tasks = options.max_tasks_per_child or 0
        # What a worker has computed must reach the parent before the
        # worker can die or be killed in the middle of a batch.
        self.worker_options = WorkerOptions(
            options.initializer, options.initargs, self.max_tasks,
            options.max_worker_memory,
            options.replace_dead or options.task_timeout > 0,
            options.serializer)
        self.spawn_on_demand = ctx.get_start_method(allow_none=False) != "fork"
        self.channels = []
        # pid -> Process of every worker started and not retired: the same
        # dict for the pool's life, as the stdlib's executor._processes.
        self.processes = {}
        self.pool_wakeup = pool_wakeup
        self.spawn_lock = threading.Lock()
        _all_supervisors.add(self)

    def send_results_eagerly(self):
        """Workers started from now on send each result at once (a call
        with a time limit was submitted: submit_with)."""
        self.worker_options = self.worker_options._replace(eager_results=True)

    def parent_fds(self):
        """This pool's descriptors that a forked child must close."""
        fds = [fd for fd in self.pool_wakeup.fds() if fd >= 0]
        for w in list(self.channels):
            fds.extend(w.parent_fds())
        return fds

    def live_processes(self):
        """The processes of the workers not closed yet."""
        return [(<WorkerChannel>w).process for w in list(self.channels)]

    def end_processes(self, processes, bint kill):
        """SIGKILL (``kill``) or SIGTERM ``processes`` (live_processes() of
        before): terminate_workers() and kill_workers()."""
        signal_processes(processes, kill)

    cdef Py_ssize_t capacity(self):
        """Workers that take calls, or will once started."""
        cdef WorkerChannel w
        cdef Py_ssize_t n = 0
        for w in self.channels:
            if w.state < RETIRING:   # STARTING or RUNNING
                n += 1
        return n

    cdef bint has_room(self) noexcept:
        return not self.done and len(self.channels) < self.max_workers

    # -- starting ----------------------------------------------------------------

    cdef int start_workers(self, Py_ssize_t demand) except -1:
        """The pool's first submit: with fork every worker, else as many as
        ``demand`` (calls outstanding) asks for."""
        if self.spawn_on_demand:
            if self.has_room() and demand > self.capacity():
                self.spawn_worker()
            return 0
        while self.has_room():
            self.spawn_worker()
        return 0

    cdef bint spawn_if_short(self, object count_demand, Py_ssize_t extra) except -1:
        """Start a worker if the calls outstanding (``count_demand()``, plus
        ``extra`` about to be) are more than the workers can take and there
        is room; True if it did. Counted under the lock: a thread that
        waited for it sees the worker another one started."""
        with self.spawn_lock:
            if self.has_room() and count_demand() + extra > self.capacity():
                self.spawn_worker()
                return True
        return False

    def spawn_worker(self):
        ctx = self.ctx
        call_reader, call_writer = ctx.Pipe(duplex=False)
        result_reader, result_writer = ctx.Pipe(duplex=False)
        progress = new_progress(ctx)
        try:
            inherited = ()
            if not self.spawn_on_demand:   # fork: the child closes the rest
                inherited = (call_writer.fileno(), result_reader.fileno())
            process = ctx.Process(
                target=worker_main,
                args=(call_reader, result_writer, self.worker_options,
                      inherited, progress))
            process.start()
        except BaseException:
            call_writer.close()
            result_reader.close()
            raise
        finally:
            call_reader.close()
            result_writer.close()
        self.channels.append(WorkerChannel(process, call_writer, result_reader,
                                           attach_progress(progress)))
        self.spawned += 1
        self.processes[process.pid] = process

    # -- ending ------------------------------------------------------------------

    cdef int retire(self, WorkerChannel w, bint forget) except -1:
        """``w``'s worker exited as expected: close it; ``forget`` drops it
        from ``processes`` too (it retired and is replaced, as the stdlib
        forgets such a worker)."""
        self.channels.remove(w)
        if forget:
            self.processes.pop(w.pid, None)
        w.close()
        return 0

    cdef int kill_for_time(self, WorkerChannel w, Py_ssize_t call) except -1:
        """SIGKILL ``w``, whose ``call``-th call ran past its time limit;
        its sentinel then ends it (the dispatcher's worker_exited())."""
        w.killed_for_time(call)
        signal_processes((w.process,), True)
        return 0

    cdef int reap(self, WorkerChannel w) except -1:
        """``w``'s sentinel fired: join it, or, if it lives on (it closed or
        wrote into its end of that pipe: its state is unknown), kill it
        first, as a death."""
        return join_or_kill(w.process, CF_WORKER_EXIT_WAIT)

    cdef int let_exit(self, WorkerChannel w, double grace) except -1:
        """Give ``w``, which is exiting by itself, up to ``grace`` seconds."""
        join_within(w.process, grace)
        return 0

    def forget_processes(self):
        """The pool is shut down and its workers joined: drop the Process
        objects (freeing their descriptors) unless someone else holds them."""
        self.processes = {}

    cdef int stop_all(self) except -1:
        """Nothing is pending or running: tell every worker to stop, join it."""
        cdef WorkerChannel w
        self.done = True
        for w in self.channels:
            if w.state == STARTING and self.options.initializer is None and w.owed == 0:
                # Still booting, with no work and no initializer of the
                # user's to finish: it would boot only to exit. Ended now,
                # a short-lived pool does not wait a start-up for it.
                w.signalled()
                signal_processes((w.process,), False)
            else:
                w.stop()
        for w in list(self.channels):
            process = w.process
            while not join_within(process, CF_STOP_POLL_SECONDS):
                # The stop frame is tiny and the pipe empty, but keep writing
                # until it is out, in case the pipe was full.
                self.flush_all()
                if not w.is_live() and not join_within(process, CF_WORKER_JOIN_SECONDS):
                    # Its sentinel fired while it lives (it closed or wrote
                    # into its end): it got no stop frame, so end it.
                    signal_processes((process,), True)
            w.close()
        self.channels.clear()
        return 0

    cdef int flush_all(self) except -1:
        cdef WorkerChannel w
        for w in self.channels:
            w.flush()
        return 0

    cdef bint has_output(self):
        cdef WorkerChannel w
        for w in self.channels:
            if w.has_output():
                return True
        return False

    cdef int terminate_all(self, bint for_good) except -1:
        """SIGTERM every live worker; join_all() follows. ``for_good``: the
        pool broke, and no worker starts any more."""
        cdef WorkerChannel w
        if for_good:
            self.done = True
        for w in self.channels:
            w.signalled()
        signal_processes(self.live_processes(), False)
        return 0

    cdef int join_all(self) except -1:
        """Join every worker, killing one that outlives its grace."""
        cdef WorkerChannel w
        for w in list(self.channels):
            join_or_kill(w.process, CF_WORKER_JOIN_SECONDS)
            w.close()
        self.channels.clear()
        return 0
