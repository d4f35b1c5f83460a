# A pool's bound on calls not done (max_pending); see _pending.pyx.
from cfutures._core.shared._parker cimport cf_parker


cdef class PendingTicket:
    cdef cf_parker parker
    cdef bint granted


cdef class PendingLimit:
    cdef readonly Py_ssize_t bound   # calls that may be not done at once
    cdef readonly Py_ssize_t count   # calls not done now (holding a slot)
    cdef object waiters              # deque of PendingTicket, oldest first
    cdef object own_threads          # a set of the pool's threads, or None
    cdef bint closed

    cdef bint acquire(self, bint block) except -1
    cdef int release(self) except -1
    cdef int close(self) except -1
