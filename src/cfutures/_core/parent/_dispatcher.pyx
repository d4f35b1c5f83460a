"""The process pool's parent, as its executor sees it: the submit() fast
path, the start of the pool and its shutdown.

The parent in modules, each holding the pool's shared PoolState
(_pool_state.pyx) and none another's state::

    submit() ──> ProcessDispatcher (this module)
                   │ an idle worker: pickled and sent at once (no manager
                   │   round trip)        ──> BatchSender.send_calls
                   │ otherwise: queued in PoolState.pending, the manager
                   │   woken only when it sleeps
                   v
    manager thread: Manager (_manager.pyx), the loop
                   ├─ BatchSender (_batch_sender.pyx): which calls go to
                   │    which worker, in frames sized by BatchPolicy
                   ├─ ResultReader (_result_reader.pyx): frames back;
                   │    futures complete
                   └─ WorkerEnds (_worker_ends.pyx): a worker exited; what
                        RecoveryPolicy (_recovery.pyx) decided is done
    workers: asked of ProcessSupervisor (_supervisor.pyx), which alone
             starts, stops, kills and joins them; each one's lifecycle is
             its WorkerChannel's state (_channel.pyx).

Holds no reference to the executor, so that an executor dropped without
shutdown() is collected; its manager then finishes the work and stops.

Threading model: submit() threads and the manager thread, GIL held
throughout; ``start_lock`` orders the start of the manager thread against
shutdown() (see PoolState for the books both sides keep).
"""
cimport cython
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.shared._lifecycle cimport PROCESS_POOL
from cfutures._core.parent._poller cimport Wakeup
from cfutures._core.parent._recovery cimport RecoveryPolicy
from cfutures._core.shared._statistics cimport CallCounts
from cfutures._core.parent._supervisor cimport ProcessSupervisor
from cfutures._core.shared._codec cimport call_tuple

import threading

from cfutures._core.shared._lifecycle import forget, track


@cython.final
cdef class ProcessDispatcher:
    """Takes the executor's calls and shutdown; runs the pool's parent."""

    def __cinit__(self, *args, **kwargs):
        self.start_lock = threading.Lock()

    def __init__(self, options):
        """``options``: the pool's ProcessPoolOptions, checked."""
        cdef CallCounts counts = CallCounts(options.time_statistics)
        cdef Wakeup wakeups = Wakeup.__new__(Wakeup)
        cdef RecoveryPolicy recovery = RecoveryPolicy(
            options.replace_dead, options.task_timeout, options.max_workers,
            options.idle_timeout)
        supervisor = ProcessSupervisor(options, wakeups)
        self.state = PoolState(supervisor, recovery, options.serializer,
                               counts, wakeups)
        recovery.counts = counts
        recovery.supervisor = supervisor
        self.manager = Manager(self.state)
        self.sender = self.manager.sender

    def disown(self):
        """In a forked child: the pool is the parent's, and refuses work."""
        self.state.broken = ("the process pool belongs to the parent process; "
                             "it cannot be used in a forked child")

    # -- submit() --------------------------------------------------------------

    cdef int check_open(self) except -1:
        return self.state.check_open()

    cdef int add_worker_if_short(self, Py_ssize_t extra) except -1:
        return self.state.add_worker_if_short(extra)

    cdef bint send_to_idle_worker(self, ProcessWorkItem item) except -1:
        """Send ``item`` to an idle worker now; False if none is idle (or
        calls wait already, which go first)."""
        cdef PoolState state = self.state
        cdef WorkerChannel w
        if not state.started or state.pending:
            return False
        w = self.sender.idle_worker()
        if w is None:
            return False
        # The check and the reservation (which keeps the manager from
        # stopping) run with nothing between them that could let another
        # thread in; so do the check and the append of enqueue().
        state.check_open()
        state.reserved += 1
        try:
            item.future.start_or_notify_cancel()
            if item.run_length:
                self.sender.cut_run(item)
            state.count_start(item, 0.0)
            self.sender.send_calls(
                w, [call_tuple(item.fn, item.args, item.kwargs)], [item],
                item.weight())
        finally:
            state.release_reservation()
        if state.sleeping:
            # The manager must watch the rest go out, or the call's time;
            # and woken now, it waits for the answer on a CPU still awake:
            # one-call roundtrips measured 34 -> 23 us on a 2-vCPU VM.
            state.wake()
        return True

    cdef int enqueue(self, ProcessWorkItem item) except -1:
        """Queue ``item`` for the manager (starting the pool on first use)."""
        cdef PoolState state = self.state
        state.check_open()
        state.pending.append(item)
        if not state.started:
            try:
                self.start()
            except BaseException:
                # No pool to run it: the caller gets the error, not a future.
                try:
                    state.pending.remove(item)
                except ValueError:
                    pass
                raise
        elif state.sleeping:
            state.wake()
        return 0

    cdef int start(self) except -1:
        """The first submit(): start the workers and the manager thread."""
        cdef PoolState state = self.state
        cdef ProcessSupervisor supervisor = state.supervisor
        with self.start_lock:
            if not state.started:
                supervisor.start_workers(state.outstanding())
                thread = threading.Thread(
                    target=self.manager.run,
                    name="cfutures-process-pool-manager")
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
                state.started = True
        # A submit that raced with the start must not wait for a wake-up.
        state.wake(look_again=True)
        return 0

    def wake_at_exit(self):
        """What the interpreter's exit calls (_lifecycle): look again."""
        self.state.wake(look_again=True)

    # -- shutdown() ------------------------------------------------------------

    def request_shutdown(self, bint cancel_futures=False):
        """Take no more calls; with ``cancel_futures`` cancel what waits."""
        cdef PoolState state = self.state
        cdef ProcessWorkItem item
        cdef Py_ssize_t keep
        cdef list kept
        state.shutdown_requested = True
        if cancel_futures:
            # As the stdlib, whose call queue holds max_workers + 1 calls
            # already marked running: the oldest calls up to that many in
            # flight still run, the rest are cancelled.
            keep = max(0, state.supervisor.max_workers + 1 - state.inflight_total)
            kept = [state.pending.popleft()
                    for _ in range(min(keep, len(state.pending)))]
            while state.pending:
                item = state.pending.popleft()
                state.counts.cancelled += item.weight()
                item.future.cancel()
            state.pending.extend(kept)
        state.wake(look_again=True)

    def executor_collected(self):
        """The executor was collected without shutdown(): finish what the
        workers can, as the stdlib, which starts no worker from then on."""
        self.state.owner_collected = True
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
