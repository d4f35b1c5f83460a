"""The process pool's batch policy: how many calls share a frame, and how
many frames a worker may have outstanding.

Both follow from what calls measured so far (the busy time workers report
with each results frame, weighed per call, and the size of each frame
sent). Calls not measured yet, or slow ones, travel one per frame and one
frame per worker; short calls share frames of about CF_BATCH_SECONDS of
work, with a second frame waiting in the pipe. Frames grow from one call
as a burst is measured (slow start) and shrink towards its end, and a
second frame waits only while plenty of calls do: a burst of mixed calls is
not sent off before its slow calls show up, and at its end no call waits
behind a slow one while another worker idles. The dispatcher forgets the
estimate whenever the pool goes idle, so each burst is measured afresh.

Used by the dispatcher's threads (submit() and the manager) with the GIL
held; no locks of its own.

``map_run_size`` sizes the runs in which map() sends its items, before
anything is measured; ``run_piece`` cuts one to the measured cost as it is
sent.
"""
cimport cython
from cfutures._core.shared._tuning cimport (
    CF_BATCH_BYTES, CF_BATCH_MAX, CF_BATCH_SECONDS, CF_COST_CALLS, CF_DEEP_MAX_SECONDS,
    CF_DEPTH, CF_FASTEST_CALL, CF_MAP_PIECE_SECONDS, CF_MAP_PIECE_TRUST,
    CF_MAP_RUN_BYTES,
    CF_MAP_RUN_MAX, CF_MAP_TAIL_SHARES, CF_SLOW_START)

from sys import getsizeof as _getsizeof


cdef inline double moving_average(double estimate, double sample):
    return sample if estimate < 0 else 0.5 * estimate + 0.5 * sample


@cython.final
cdef class BatchPolicy:
    """Frame and depth sizes from the measured cost and size of a call."""

    def __cinit__(self):
        self.task_seconds = -1.0
        self.call_bytes = -1.0

    cdef int forget(self) except -1:
        """The pool went idle: the next burst is measured afresh."""
        self.task_seconds = -1.0
        self.measured = 0
        self.measured_busy = 0.0
        return 0

    cdef int measured_calls(self, double busy_seconds, Py_ssize_t n) except -1:
        """A results frame: ``n`` calls that ran ``busy_seconds`` in all.

        Weighted by calls, not frames: the mean of every call measured in
        this burst, then of about the last CF_COST_CALLS. A frame of one
        call that turned slow then weighs as much as it cost, where a
        moving average of frames forgot it after a few frames of fast
        calls (and sent the next ones in frames that held it again).
        """
        cdef double weight
        if n <= 0:
            return 0
        self.measured += n
        self.measured_busy += busy_seconds
        if self.task_seconds < 0:
            self.task_seconds = busy_seconds / n
            return 0
        weight = (<double>n) / (self.measured if self.measured < CF_COST_CALLS
                                else CF_COST_CALLS)
        if weight > 1.0:
            weight = 1.0
        self.task_seconds += weight * (busy_seconds / n - self.task_seconds)
        return 0

    cdef int measured_frame(self, Py_ssize_t frame_bytes, Py_ssize_t n) except -1:
        if n > 0:
            self.call_bytes = moving_average(self.call_bytes, <double>frame_bytes / n)
        return 0

    cdef bint calls_are_short(self) noexcept:
        return 0 <= self.task_seconds <= CF_DEEP_MAX_SECONDS

    cdef bint frame_is_short(self, Py_ssize_t run_length) noexcept:
        """Whether a frame may have another queued behind it: its calls are
        short and, for a map run of ``run_length`` items (0: a frame of
        calls; a run of one item counts as one), the burst's mean is trusted
        (CF_MAP_PIECE_TRUST items measured: before, they may all have been
        short where a few are slow, and a run's worker gives back the items
        after a slow one, but not another frame queued behind it) and makes
        the run no longer than a piece (CF_MAP_PIECE_SECONDS). Without a
        piece queued behind it, a worker idles a round trip after each piece
        of a long map of short calls; without a call queued behind another,
        after each 1 MiB argument of a map (2.09 against 1.62 ms an item)."""
        return (self.calls_are_short()
                and (run_length <= 1
                     or (self.mean_is_trusted()
                         and run_length * self.measured_busy
                         <= CF_MAP_PIECE_SECONDS * self.measured)))

    cdef inline bint mean_is_trusted(self) noexcept:
        """Enough items measured in this burst (CF_MAP_PIECE_TRUST) that
        the few slow ones among them are likely seen."""
        return self.measured >= CF_MAP_PIECE_TRUST

    cdef Py_ssize_t depth(self, Py_ssize_t waiting, Py_ssize_t workers,
                          Py_ssize_t batch):
        """Frames a worker may have outstanding, with ``waiting`` calls
        queued for ``workers`` in frames of ``batch``. A frame queued
        behind a running one cannot go to another worker: only while
        enough wait that the others will not run dry before it starts."""
        if (self.calls_are_short()
                and waiting >= workers * batch * CF_MAP_TAIL_SHARES):
            return CF_DEPTH
        return 1

    cdef Py_ssize_t batch_size(self, Py_ssize_t waiting, Py_ssize_t workers):
        """Calls per frame, with ``waiting`` calls queued for ``workers``."""
        cdef double k
        if self.task_seconds < 0:
            return 1
        k = CF_BATCH_SECONDS / (self.task_seconds if self.task_seconds > CF_FASTEST_CALL
                                else CF_FASTEST_CALL)
        if self.call_bytes > 0 and k > CF_BATCH_BYTES / self.call_bytes:
            k = CF_BATCH_BYTES / self.call_bytes
        # Slow start: a frame holds at most a share of the calls this
        # burst has measured, so that its first fast calls do not send
        # the rest off in frames before the slow ones show up.
        if k > self.measured / CF_SLOW_START:
            k = <double>self.measured / CF_SLOW_START
        # Towards the end of a burst frames shrink, so that the workers
        # finish together (as map's runs do).
        if workers > 0 and k > <double>waiting / (workers * CF_MAP_TAIL_SHARES):
            k = <double>waiting / (workers * CF_MAP_TAIL_SHARES)
        if k < 1:
            return 1
        if k > CF_BATCH_MAX:
            return CF_BATCH_MAX
        return <Py_ssize_t>k

    cdef Py_ssize_t run_piece(self, Py_ssize_t run_length) noexcept:
        """The items of a map run of ``run_length`` to send now: all, or,
        if the mean cost of the items measured in this burst makes it
        longer than CF_MAP_PIECE_SECONDS, about that long of them. Slow
        items that the measured ones did not foretell (the first dozens
        instant, the next ones not) are not this policy's: the worker that
        meets one gives back the items of its run after it (FRAME_RUN_REST).

        The burst's mean, not the recent one that sizes frames of calls:
        where 1 item in 50 is slow, the last few dozen items may hold
        none, and a piece sized from them would hold two or three slow
        items that one worker runs one after the other."""
        cdef double k, item_seconds
        if self.measured == 0 or run_length <= 1:
            return run_length
        item_seconds = self.measured_busy / self.measured
        k = CF_MAP_PIECE_SECONDS / (item_seconds if item_seconds > CF_FASTEST_CALL
                                    else CF_FASTEST_CALL)
        if k >= run_length:
            return run_length
        return 1 if k < 1 else <Py_ssize_t>k


cpdef Py_ssize_t map_run_size(Py_ssize_t runs_planned, object items,
                              Py_ssize_t start, Py_ssize_t workers, bint rows):
    """How many of ``items[start:]`` (a list or a range) the next run of a
    map carries (see cf_tuning.h); ``rows``: each item is a tuple of
    arguments."""
    cdef Py_ssize_t left = len(items) - start
    cdef Py_ssize_t size = CF_MAP_RUN_MAX
    cdef Py_ssize_t item_bytes
    if workers < 1:
        workers = 1
    if runs_planned < 16:
        size = min(size, (<Py_ssize_t>1) << runs_planned)
    size = min(size, (left + CF_MAP_TAIL_SHARES * workers - 1)
               // (CF_MAP_TAIL_SHARES * workers))
    if size > 1:
        # The run's first item stands for the others (shallow sizes: what
        # matters is a big bytes, str or array argument).
        item_bytes = argument_bytes(items[start], rows)
        if item_bytes * size > CF_MAP_RUN_BYTES:
            size = CF_MAP_RUN_BYTES // item_bytes
    return size if size >= 1 else 1


cdef Py_ssize_t argument_bytes(object item, bint rows) except -1:
    cdef Py_ssize_t total = 0
    if not rows:
        return _getsizeof(item)
    for value in <tuple>item:
        total += _getsizeof(value)
    return total
