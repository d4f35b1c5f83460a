"""A worker's call record: how many of its calls it has started, and when
the last one started, in memory shared with its parent.

The protocol: three doubles, in a block of ``multiprocessing``'s shared
heap made by the parent for each worker (a ``heap.BufferWrapper``: it
reaches the worker under fork, spawn and forkserver alike, as a RawArray
does, without the ctypes import that costs every worker's start ~6 ms).
The worker alone writes them, before each call:

- ``slots[2]``: 0, the items of that call started so far;
- ``slots[1]``: when the call starts (cf_monotonic(), a clock shared by
  every process of the machine);
- ``slots[0]``: then the count of calls it has started, one more.

and, where the pool watches time limits, before each item of a map run
(one call of many items): ``slots[2]``, one more. Items get no time of
their own (a clock read per item would cost a tenth of a tiny item): the
parent notes when it first sees the count change.

The parent reads them without a lock: the count first, then the time.
From the count and the calls the worker has answered it knows, when the
worker ends or must be stopped, which of the calls it owes had started
(they ran, or were running) and which never did (they can go to another
worker: nothing runs twice); and from the time, how long the running call
has run (task timeouts); of a map run, which items started. A double
counts exactly up to 2**53.
"""
cimport cython


@cython.final
cdef class WorkerProgress:
    """One worker's progress (see the module's docstring)."""

    cdef double calls_started(self) noexcept:
        return self.slots[0]

    cdef double latest_start(self) noexcept:
        return self.slots[1]

    cdef double items_started(self) noexcept:
        return self.slots[2]

    cdef void call_starting(self, double now) noexcept:
        self.slots[2] = 0.0
        self.slots[1] = now
        self.slots[0] = self.slots[0] + 1.0


cdef WorkerProgress attach_progress(object shared):
    """The progress kept in ``shared`` (a BufferWrapper of three doubles)."""
    cdef WorkerProgress progress = WorkerProgress.__new__(WorkerProgress)
    cdef double[::1] slots = shared.create_memoryview().cast("B").cast("d")
    progress.shared = shared
    progress.view = slots   # keeps the mapping's buffer exported
    progress.slots = &slots[0]
    return progress


def new_progress(ctx):
    """A zeroed call record for a worker about to start under ``ctx``
    (the shared heap serves every start method)."""
    from multiprocessing.heap import BufferWrapper
    shared = BufferWrapper(SLOTS * sizeof(double))
    shared.create_memoryview()[:] = bytes(SLOTS * sizeof(double))
    return shared
