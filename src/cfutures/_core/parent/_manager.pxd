# The process pool's manager thread; see _manager.pyx.
from cfutures._core.parent._batch_sender cimport BatchSender
from cfutures._core.parent._poller cimport PollSet
from cfutures._core.parent._pool_state cimport PoolState
from cfutures._core.parent._result_reader cimport ResultReader
from cfutures._core.parent._worker_ends cimport WorkerEnds


cdef class Manager:
    cdef PoolState state
    cdef BatchSender sender
    cdef ResultReader reader
    cdef WorkerEnds ends
    cdef PollSet poll_set

    cdef int wait_once(self) except -1
