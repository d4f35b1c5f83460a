# A worker's progress, in memory its parent reads too; see _call_record.pyx.

cdef enum:
    SLOTS = 3   # doubles in a worker's record

cdef class WorkerProgress:
    cdef readonly object shared   # the multiprocessing heap block holding it
    cdef object view              # its memory, exported while we hold it
    cdef double *slots            # [calls started, when the latest started, its items started]

    cdef double calls_started(self) noexcept
    cdef double latest_start(self) noexcept
    cdef double items_started(self) noexcept
    cdef void call_starting(self, double now) noexcept


cdef WorkerProgress attach_progress(object shared)
