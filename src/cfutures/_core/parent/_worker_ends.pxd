# What a worker's exit does to its process pool; see _worker_ends.pyx.
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.parent._pool_state cimport PoolState
from cfutures._core.parent._result_reader cimport ResultReader


cdef class WorkerEnds:
    cdef PoolState state
    cdef ResultReader reader

    cdef int worker_exited(self, WorkerChannel w) except -1
    cdef int recover_from(self, WorkerChannel w, object exitcode) except -1
    cdef str exits_text(self, WorkerChannel exited)
