cimport cython
from cfutures._core._item_run cimport ItemRun


@cython.final
cdef class RunResults:
    cdef object runs             # deque of (future, parts, items) not consumed yet
    cdef object resend           # items -> [(future, [item]), ...], one per call
    cdef double deadline         # cf_monotonic() time; < 0: no timeout
    cdef ItemRun current         # the current run's answer, or its parts so far
    cdef list values             # its results (None once yielded), or None
    cdef Py_ssize_t index
    cdef bint closed
    cdef bint started            # __next__ was called: closing cancels

    cdef object next_run(self)
    cdef int cancel_rest(self) except -1
