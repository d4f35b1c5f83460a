"""What the pool does when one of its workers exits.

The manager sees a worker's sentinel ready and calls ``worker_exited``:
what the worker wrote before exiting is read first, the supervisor reaps
it, and RecoveryPolicy.decide_end (_recovery.pyx) says what the end means.
This module only carries that decision out:

* END_RETIRED / END_STOPPED: the pool's own doing; the supervisor forgets
  the worker (a retired one is replaced when work waits);
* END_RECOVERED: the calls it had started fail, those it had not go back
  to the front of the queue, and a worker starts in its place, unless the
  deaths come as a crash loop, which breaks the pool;
* END_BROKEN: the pool breaks (PoolState.break_pool), as the stdlib's.

Threading model: the manager thread only, GIL held.
"""
cimport cython
from cfutures._core.parent._channel cimport CLOSED
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.parent._recovery cimport (
    END_BROKEN, END_RECOVERED, END_RETIRED, RecoveryPolicy, WorkerEnd)
from cfutures._core.parent._supervisor cimport describe_exit
from cfutures._core.shared._tuning cimport CF_CRASH_WINDOW
from cfutures._core.parent._work_item cimport ProcessWorkItem


@cython.final
cdef class WorkerEnds:

    def __init__(self, PoolState state, ResultReader reader):
        self.state = state
        self.reader = reader

    cdef int worker_exited(self, WorkerChannel w) except -1:
        cdef PoolState state = self.state
        cdef WorkerEnd end
        w.exited()
        # Results it wrote before exiting are still in the pipe.
        while not w.eof and w.state != CLOSED:
            if self.reader.read_results(w) <= 0 or state.broken:
                break
        if state.broken:
            return 0
        state.supervisor.reap(w)
        exitcode = w.process.exitcode
        end = state.recovery.decide_end(w, state.shutdown_requested)
        if end == END_RECOVERED:
            return self.recover_from(w, exitcode)
        if end != END_BROKEN:
            # Forgotten if it retired, as the stdlib forgets such a worker
            # (replace_workers() starts another when work waits).
            state.supervisor.retire(
                w, end == END_RETIRED and not state.shutdown_requested)
            if (end == END_RETIRED and state.owner_collected and state.pending
                    and not state.supervisor.channels):
                # As 3.14's stdlib (gh-152967): nothing may start a worker
                # for a collected executor, so what waits can never run.
                state.break_pool(
                    "The ProcessPoolExecutor was garbage collected with work "
                    "pending after its last worker process exited upon "
                    "reaching max_tasks_per_child; the pending work can "
                    "never be run.", None,
                    "The ProcessPoolExecutor was garbage collected")
            return 0
        state.break_pool(
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
        cdef PoolState state = self.state
        cdef RecoveryPolicy recovery = state.recovery
        cdef list unstarted = []
        cdef Py_ssize_t owed = w.owed
        cdef ProcessWorkItem item
        died = not recovery.ended_by_pool(w)
        if died and not state.shutdown_requested and recovery.crash_loop(cf_monotonic()):
            state.break_pool(
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
        state.inflight_total -= owed   # some are back in unstarted, with new runs
        for item in reversed(unstarted):
            state.pending.appendleft(item)
        state.supervisor.retire(w, True)
        if state.pending:
            state.replace_workers()
            if state.pending and not state.supervisor.channels and not state.broken:
                state.break_pool(
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
        for w in [exited] + [other for other in self.state.supervisor.channels
                             if other is not exited]:
            code = w.process.exitcode
            if code is not None and code != 0:
                lines.append(f"Process {w.pid} terminated abruptly with "
                             f"exit code {code}")
        return "\n".join(lines) if lines else None
