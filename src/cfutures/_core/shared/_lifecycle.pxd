# The pool lifecycle both pools share; see _lifecycle.pyx.

cpdef enum PoolKind:
    THREAD_POOL = 0
    PROCESS_POOL = 1


cdef bint is_exiting(PoolKind kind) noexcept
cdef int raise_if_closed(object broken, bint shut_down, PoolKind kind) except -1
