"""What a pool counts of its calls, for executor.statistics().

Every pool keeps a CallCounts, written with the GIL held by whoever moves
a call on (submit(), a worker thread, the process pool's manager), so each
count is exact when read; a count changes before the future it concerns
is finished, so a caller that saw a result sees it counted. Counting costs
an increment per step, in memory of the thread that counts (a thread
pool's workers each have their own CallCounts, summed when read: counts
shared between cores would move a cache line between them per call).
Times cost clock reads, so they are kept only with
``time_statistics=True``: the wait from submit() to the call's start (for
a process pool, until it is sent to a worker) and the seconds calls ran
(as each process pool worker measures them).

A map run of a process pool counts as its items, as the stdlib's map has a
call per item. A call is counted cancelled when the pool drops it (a worker
reaching it, or shutdown(cancel_futures=True)), not when cancel() returns.
"""
cimport cython


@cython.final
cdef class CallCounts:

    def __cinit__(self, bint timed=False):
        self.timed = timed

    cdef void waited(self, double seconds) noexcept:
        if seconds < 0:
            seconds = 0.0
        self.wait_total += seconds
        self.waits_timed += 1
        if seconds > self.wait_max:
            self.wait_max = seconds

    cdef void ran_for(self, double seconds, Py_ssize_t calls) noexcept:
        self.busy += seconds
        self.runs_timed += calls

    def total(self, parts):
        """These counts plus each of ``parts`` (CallCounts), as new counts."""
        cdef CallCounts total = CallCounts(self.timed), part
        for part in [self] + list(parts):
            total.submitted += part.submitted
            total.started += part.started
            total.completed += part.completed
            total.failed += part.failed
            total.cancelled += part.cancelled
            total.workers_started += part.workers_started
            total.busy += part.busy
            total.runs_timed += part.runs_timed
            total.wait_total += part.wait_total
            total.waits_timed += part.waits_timed
            if part.wait_max > total.wait_max:
                total.wait_max = part.wait_max
        return total

    def snapshot(self, Py_ssize_t queued, Py_ssize_t running,
                 Py_ssize_t workers_alive, Py_ssize_t workers_started):
        """A PoolStatistics of the counts now, with the pool's own numbers
        (given, not stored: these counts may be the pool's live ones)."""
        from cfutures._core.shared._pool_statistics import PoolStatistics
        return PoolStatistics(
            submitted=self.submitted, started=self.started,
            completed=self.completed, failed=self.failed,
            cancelled=self.cancelled, queued=queued, running=running,
            workers_alive=workers_alive, workers_started=workers_started,
            busy_seconds=self.busy if self.timed else None,
            mean_queue_wait=(self.wait_total / self.waits_timed
                             if self.timed and self.waits_timed else None),
            max_queue_wait=self.wait_max if self.timed and self.waits_timed else None,
            mean_run_time=(self.busy / self.runs_timed
                           if self.timed and self.runs_timed else None))


cdef int count_answer(CallCounts counts, object run) except -1:
    """Count a map run's answer (a _codec.Answers): its items that
    raised failed, the others completed."""
    cdef Py_ssize_t failed = len(run.errors) if run.errors else 0
    counts.failed += failed
    counts.completed += len(run.values) - failed
    return 0
