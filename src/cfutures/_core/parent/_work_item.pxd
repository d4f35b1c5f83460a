# One call of the process pool, from submit() until its worker answers; see _work_item.pyx.
from cfutures._core.future._future cimport CoreFuture, Waiter
from cfutures._core.shared._codec cimport Answers


cdef class ProcessWorkItem:
    cdef readonly CoreFuture future
    cdef object fn
    cdef tuple args
    cdef dict kwargs   # None when the call has no keyword arguments
    cdef Py_ssize_t run_length  # 0, or the items of a map run (a frame of its own)
    cdef double time_limit      # seconds it may run in a worker; 0: the pool's
    cdef bint requeued          # sent to a worker that ended before starting it
    cdef Answers partial        # a map run's items answered in parts so far, or None
    cdef Waiter part_waiter     # the map's iterator, waiting for its next part, or None
    cdef ProcessWorkItem rest_item  # a map run sent in pieces: the run of its items after these
    cdef double submitted_at    # when submitted (time_statistics only)

    cdef inline Py_ssize_t weight(self) noexcept:
        """The map items it stands for: 1, or a run's length."""
        return self.run_length if self.run_length else 1

    cdef ProcessWorkItem split_run(self, Py_ssize_t first)


cdef ProcessWorkItem new_work_item(object fn, tuple args, dict kwargs,
                                   Py_ssize_t run_length)
