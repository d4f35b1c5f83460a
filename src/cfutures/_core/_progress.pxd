# A worker's progress, in memory its parent reads too; see _progress.pyx.

cdef class WorkerProgress:
    cdef readonly object shared   # the multiprocessing RawArray holding it
    cdef double *slots            # [calls started, when the latest started, its items started]

    cdef double calls_started(self) noexcept
    cdef double latest_start(self) noexcept
    cdef double items_started(self) noexcept
    cdef void call_starting(self, double now) noexcept


cdef WorkerProgress attach_progress(object shared)
