cimport cython


@cython.final
cdef class RunResults:
    cdef object runs             # deque of (future, items) not consumed yet
    cdef object resend           # items -> [(future, [item]), ...], one per call
    cdef double deadline         # cf_monotonic() time; < 0: no timeout
    cdef list values             # the current run's results, None once yielded
    cdef dict errors             # the current run's failed items (or None)
    cdef Py_ssize_t index
    cdef bint closed
    cdef bint started            # __next__ was called: closing cancels

    cdef object next_run(self)
    cdef int cancel_rest(self) except -1
