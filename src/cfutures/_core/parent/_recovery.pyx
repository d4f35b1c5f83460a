"""A process pool's recovery: what becomes of a worker's calls when the
worker ends before answering them all, and the time limits of calls.

The stdlib breaks the whole pool when a worker dies. With one of the
options below the pool instead recovers from that worker alone, using its
call record (_call_record.pyx): of the calls it owes, oldest first, the
ones it started fail (they ran, or were running: sending them again could
run them twice), the ones it never started go back to the front of the
queue for other workers, and a replacement starts on demand.

- ``on_worker_death="replace"``: any death (SIGKILL, os._exit, a crash,
  the out-of-memory killer). The calls it started fail with
  WorkerProcessDied (a BrokenProcessPool naming pid and exit code). More
  than ``crash_limit`` deaths within CF_CRASH_WINDOW seconds with no call
  answered between them is a crash loop (workers dying at start, say): the
  pool breaks as the stdlib's would, saying so. Calls that kill their
  worker among calls that succeed are not one.
- ``task_timeout`` (or a call's own limit, ``submit_with``): the manager
  kills (SIGKILL) a worker whose running call is past its limit; that call
  fails with the stdlib's TimeoutError, the rest recover as above. Results
  the worker had computed have reached the parent already: with these
  options (and in workers started after a submit_with) a worker sends each
  result before it starts its next call.
  A map run (many items, one call) is watched item by item: the worker
  counts each item as it starts, and the parent times an item from when it
  first sees that count (so a kill can come up to CF_TIME_LIMIT_POLL
  late). Before an item has run long the worker has sent the items
  finished before it (_worker.ResultBatch); the kill waits for them up to
  CF_RUN_PART_GRACE. The run then answers short (_codec.Answers): its
  finished items, the item that ran too long failing with TimeoutError,
  and the future of a new run of the items after it.
- ``max_worker_memory``: a worker above it after a call exits by itself
  (status 0) having sent every answer; all its unstarted calls go on.

And one end on purpose that loses nothing: ``idle_timeout`` (the reusable
executor's) stops a worker that has had no call for that long; workers
start again on demand.
"""
cimport cython
from cfutures._core.parent._channel cimport (
    LEAVING, RETIRING, STOPPING, TIMED_OUT, WorkerChannel, WorkerState)
from cfutures._core.shared._codec cimport Answers, new_answers
from cfutures._core.shared._statistics cimport count_answer
from cfutures._core.parent._supervisor cimport describe_exit
from cfutures._core.shared._tuning cimport (
    CF_CRASH_WINDOW, CF_FLUSHER_PERIOD, CF_RUN_PART_GRACE, CF_TIME_LIMIT_POLL)
from cfutures._core.parent._work_item cimport ProcessWorkItem

import collections

from cfutures._core.shared._errors import WorkerProcessDied
from cfutures._core.shared._stdlib import TimeoutError


@cython.final
cdef class RecoveryPolicy:
    """A pool's recovery options and the deaths it has seen lately."""

    def __init__(self, bint replace_dead, double task_timeout,
                 Py_ssize_t max_workers, double idle_timeout=0.0):
        self.replace_dead = replace_dead
        self.idle_timeout = idle_timeout
        self.task_timeout = task_timeout
        self.time_limits = task_timeout > 0
        self.crash_limit = max(10, 2 * max_workers)
        self.deaths = collections.deque()

    def allow_call_limits(self):
        """A call with a limit of its own was submitted (submit_with)."""
        self.time_limits = True

    def stop(self):
        """terminate_workers() or kill_workers(): every worker's end is final."""
        self.stopped = True

    cdef WorkerEnd decide_end(self, WorkerChannel w, bint shutdown_requested):
        """What ``w``'s end (its process exited, its answers read) means:
        the one place that decides it, from the state it left.

        Owing nothing, a worker that was retiring, leaving or killed for
        time retired, and one the pool was ending (or any, while it shuts
        down) stopped; owing calls, the pool recovers from its own ends
        and, with "replace", from a death; any other end breaks the pool.
        """
        cdef WorkerState left = w.ended_from
        if w.owed == 0:
            if left == RETIRING or left == LEAVING or left == TIMED_OUT:
                return END_RETIRED
            if left == STOPPING or shutdown_requested:
                return END_STOPPED
        return END_RECOVERED if self.recovers(w) else END_BROKEN

    cdef bint ended_by_pool(self, WorkerChannel w):
        """Whether the pool ended ``w`` itself: killed for a call past its
        time limit, or retired over max_worker_memory (it said so in a
        FRAME_RETIRING). Any other end is a death."""
        return w.ended_from == TIMED_OUT or w.ended_from == LEAVING

    cdef bint recovers(self, WorkerChannel w):
        """Whether ``w``'s end is recovered from, rather than breaking the
        pool: the pool's own ends always, a death with "replace"."""
        return not self.stopped and (self.replace_dead or self.ended_by_pool(w))

    cdef bint crash_loop(self, double now) except -1:
        """Count a death at ``now``; True if that makes a crash loop."""
        if self.answered_since_death:
            self.answered_since_death = False
            self.deaths.clear()
        self.deaths.append(now)
        while self.deaths and now - <double>self.deaths[0] > CF_CRASH_WINDOW:
            self.deaths.popleft()
        return len(self.deaths) > self.crash_limit

    cdef double enforce_time_limits(self, list channels, double now) except -2.0:
        """Kill each worker whose running call is past its limit; the
        seconds until a limit may next be reached (-1: none to watch)."""
        cdef WorkerChannel w
        cdef ProcessWorkItem item
        cdef Py_ssize_t running, owed, index
        cdef double limit, calls, items, started_at, deadline, nearest = -1.0
        if not self.time_limits:
            return -1.0
        for w in channels:
            owed = w.owed
            if owed == 0 or not w.is_live() or w.state == TIMED_OUT:
                continue
            # The count first, then the time (the worker writes the other way).
            calls = w.progress.calls_started()
            started_at = w.progress.latest_start()
            items = w.progress.items_started()
            running = <Py_ssize_t>calls - 1
            deadline = -1.0
            index = running - w.answered_count()
            if 0 <= index < owed:
                item = w.owed_item(index)
                limit = self.limit_of(item)
                if limit > 0:
                    if item.run_length and items > 1:
                        # A run's later item: timed from when its count was seen.
                        if calls != w.seen_call or items != w.seen_items:
                            w.seen_call = calls
                            w.seen_items = items
                            w.seen_at = now
                        started_at = w.seen_at
                    deadline = started_at + limit
                    if now >= deadline:
                        if (item.run_length and now < deadline + CF_RUN_PART_GRACE
                                and self.parts_missing(item, items)):
                            deadline = now + CF_FLUSHER_PERIOD
                        else:
                            self.supervisor.kill_for_time(w, running)
                            continue
                    elif item.run_length and deadline > now + CF_TIME_LIMIT_POLL:
                        deadline = now + CF_TIME_LIMIT_POLL   # to see the next item start
            if deadline < 0:
                # Not started yet, or no limit: look again soon, since the
                # next call may have one.
                deadline = now + CF_TIME_LIMIT_POLL
            if nearest < 0 or deadline - now < nearest:
                nearest = deadline - now
        return nearest

    cdef bint parts_missing(self, ProcessWorkItem run, double items_started):
        """Whether items of ``run`` finished before its running one have not come."""
        cdef Py_ssize_t got = 0 if run.partial is None else len(run.partial.values)
        return got < <Py_ssize_t>items_started - 1

    cdef double stop_idle_workers(self, list channels, double now) except -2.0:
        """Stop each worker idle for idle_timeout; the seconds until the
        next may be (-1: none to watch)."""
        cdef WorkerChannel w
        cdef double left, nearest = -1.0
        if self.idle_timeout <= 0:
            return -1.0
        for w in channels:
            if w.owed or not w.takes_calls() or w.has_output():
                continue
            left = w.last_progress + self.idle_timeout - now
            if left <= 0:
                w.stop_as_idle()   # forgotten, as a retired worker
            elif nearest < 0 or left < nearest:
                nearest = left
        return nearest

    cdef double limit_of(self, ProcessWorkItem item):
        """Seconds ``item`` may run: its own limit, else the pool's (0: none)."""
        return item.time_limit if item.time_limit > 0 else self.task_timeout

    cdef list split_owed(self, WorkerChannel w, object exitcode, list unstarted):
        """Take what ``w`` (ended) owes: fail the calls it started, append
        the others to ``unstarted`` (oldest first); the futures failed."""
        cdef ProcessWorkItem item
        cdef Py_ssize_t answered = w.answered_count(), i, ran
        cdef list owed = w.take_owed()
        cdef list failed = []
        cdef bint timed_out
        ran = <Py_ssize_t>w.progress.calls_started() - answered
        for i in range(len(owed)):
            item = owed[i]
            if i >= ran:
                item.requeued = True
                unstarted.append(item)
                continue
            timed_out = answered + i == w.timed_out_call
            if item.run_length and i == ran - 1:
                self.split_run(w, item, timed_out, exitcode, unstarted)
                if not item.requeued:
                    failed.append(item)
                continue
            self.counts.failed += item.weight()
            exc = (self.timeout_error(w, item) if timed_out
                   else self.death_error(
                       w, exitcode, "while running this call, or before sending its result"))
            item.future.finish_unless_done(exc, True)
            failed.append(item)
        return failed

    cdef int split_run(self, WorkerChannel w, ProcessWorkItem run, bint timed_out,
                       object exitcode, list unstarted) except -1:
        """``run``, a map run, was running when ``w`` ended: it answers
        short (_codec.Answers), and its items not started go on in a new run,
        appended to ``unstarted``."""
        cdef Py_ssize_t started = <Py_ssize_t>w.progress.items_started()
        cdef Py_ssize_t n = run.run_length, i
        cdef Answers answer = run.partial
        cdef ProcessWorkItem rest
        if started <= 0:
            # It ended before the run's first item: none of it ran.
            run.requeued = True
            unstarted.append(run)
            return 0
        run.partial = None
        if answer is None:
            answer = new_answers([], None)
        for i in range(len(answer.values), started):
            if i < started - 1:
                # Finished, but its result did not come before the end.
                answer.fail_next(self.death_error(
                    w, exitcode, "while running a later item of this item's "
                    "map run, before sending this item's result"))
            elif timed_out:
                answer.fail_next(self.timeout_error(w, run))
            else:
                answer.fail_next(self.death_error(
                    w, exitcode, "while running this item of a map run"))
        answer.rest = run.rest_item   # a run sent in pieces: its next piece
        if started < n:
            rest = run.split_run(started)
            answer.rest = rest
            unstarted.append(rest)
        # Counted as answered; the rest is counted again as it starts.
        count_answer(self.counts, answer)
        self.counts.started -= n - started
        run.future.finish_unless_done(answer, False)
        return 0

    cdef object timeout_error(self, WorkerChannel w, ProcessWorkItem item):
        return TimeoutError(
            f"The call ran longer than its time limit "
            f"({self.limit_of(item):g} s): "
            f"its worker process (pid {w.pid}) was killed and is "
            f"replaced; the pool goes on")

    cdef object death_error(self, WorkerChannel w, object exitcode, str when):
        return WorkerProcessDied(
            f"A worker process (pid {w.pid}) ended {when} "
            f"({describe_exit(exitcode)}); it is replaced and the "
            f"pool goes on", w.pid, exitcode)
