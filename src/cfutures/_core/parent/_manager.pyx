"""The process pool's manager thread: one per pool, started by the first
submit() (_dispatcher.pyx), it loops until the pool is shut down and idle,
or broken:

    replace retired workers if calls wait   (PoolState.replace_workers)
    send what waits, in batches             (_batch_sender.pyx)
    stop the workers once shut down and done
    poll() the wake-up pipe, every worker's result pipe and sentinel, and
      the call pipes with output queued, up to the next call's time limit
      or idle worker's stop (_recovery.pyx)
    read what is ready                      (_result_reader.pyx)
    write what is queued                    (WorkerChannel.flush)
    handle the workers that exited          (_worker_ends.pyx)

Threading model: the loop runs in the manager thread, GIL held except in
poll() and the pipes' read and write syscalls. submit() threads wake it
through the wake-up pipe (PoolState.wake) only while it sleeps in poll().
"""
cimport cython
from cfutures._core.parent._channel cimport CLOSED, WorkerChannel
from cfutures._core.shared._lifecycle cimport PROCESS_POOL
from cfutures._core.shared._parker cimport cf_monotonic

import threading

from cfutures._core.shared._lifecycle import forget


@cython.final
cdef class Manager:

    def __cinit__(self, *args, **kwargs):
        self.poll_set = PollSet.__new__(PollSet)

    def __init__(self, PoolState state):
        self.state = state
        self.sender = BatchSender(state)
        self.reader = ResultReader(state)
        self.ends = WorkerEnds(state, self.reader)

    def run(self):
        """The manager thread's body."""
        try:
            self.manage()
        finally:
            # Forget the pool's Process objects: each holds two descriptors
            # until it is freed (the stdlib drops executor._processes).
            if self.state.shutdown_requested:
                self.state.supervisor.forget_processes()
            forget(PROCESS_POOL, threading.current_thread())

    def manage(self):
        cdef PoolState state = self.state
        try:
            while not state.broken:
                if state.pending:
                    # A worker that retired (max_tasks_per_child) left, say.
                    state.replace_workers()
                if state.broken:
                    break
                self.sender.dispatch()
                if (state.stopping() and not state.pending
                        and state.inflight_total == 0 and state.reserved == 0):
                    state.supervisor.stop_all()
                    break
                self.wait_once()
        except BaseException as exc:
            if not state.broken:
                state.break_pool(
                    f"The process pool's manager failed: {exc!r}", exc,
                    f"The process pool's manager failed ({exc!r}), the "
                    f"process pool is not usable anymore")
            if not isinstance(exc, Exception):
                raise

    cdef int wait_once(self) except -1:
        """Sleep until a pipe or sentinel is ready; handle what is."""
        cdef PoolState state = self.state
        cdef list workers = list(state.supervisor.channels)
        cdef Py_ssize_t n = len(workers), i
        cdef WorkerChannel w
        cdef PollSet fds = self.poll_set
        cdef double now = cf_monotonic()
        cdef double limit_wait = state.recovery.enforce_time_limits(workers, now)
        cdef double idle_wait = state.recovery.stop_idle_workers(workers, now)
        if idle_wait >= 0 and (limit_wait < 0 or idle_wait < limit_wait):
            limit_wait = idle_wait
        fds.watch_pool(state.wakeups.read_fd, workers)
        state.sleeping = True
        try:
            if fds.wait(-1 if limit_wait < 0 else
                        <int>(limit_wait * 1000.0) + 1) == 0:
                return 0
        finally:
            state.sleeping = False
        if fds.woken():
            state.wakeups.drain()
        # Results can complete futures whose callbacks do anything (even
        # break or shut down the pool): re-check before each step.
        for i in range(n):
            w = workers[i]
            if state.broken:
                return 0
            if fds.results_ready(i) and w.state != CLOSED:
                self.reader.read_results(w)
            if fds.writable(i) and w.state != CLOSED:
                w.flush()
        for i in range(n):
            w = workers[i]
            if state.broken:
                return 0
            if fds.exited(i) and w.is_live():
                self.ends.worker_exited(w)
        return 0
