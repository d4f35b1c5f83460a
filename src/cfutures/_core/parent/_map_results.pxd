cimport cython
from cfutures._core.parent._work_item cimport ProcessWorkItem
from cfutures._core.shared._codec cimport Answers


@cython.final
cdef class RunResults:
    cdef object runs             # deque of (work item, items) not consumed yet
    cdef object resend           # items -> [(work item, [item]), ...], one per call
    cdef double deadline         # cf_monotonic() time; < 0: no timeout
    cdef Answers answers         # the head run's answers read now (values None once yielded), or None
    cdef bint answers_final      # they are its whole answer: the run ended
    cdef Py_ssize_t index        # the head run's items read
    cdef bint closed
    cdef bint started            # __next__ was called: closing cancels

    cdef object next_run(self)
    cdef int wait_for_part(self, ProcessWorkItem item) except -1
    cdef int cancel_rest(self) except -1
